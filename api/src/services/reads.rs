//! Read positions: how far each member has read. They only move forward;
//! unread counts and "seen by" are derived from them.

use diesel_async::AsyncConnection;
use jeco_schema::models::Conversation;
use jeco_schema::queries;

use super::conversations::{access_conversation, append_event};
use super::{conn, require};
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError};
use crate::events::{EventPayload, PublicUser};
use crate::state::AppState;

/// Marks everything up to `message_id` as read. Marking an older message
/// changes nothing (positions never move back) and is not an error.
pub async fn mark_read(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
    message_id: i64,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    let (conv, moved) = c
        .transaction(async |c| {
            let (conv, _) = access_conversation(c, user_id, conversation_id).await?;
            let message = queries::messages_by_ids(c, &[message_id])
                .await?
                .into_iter()
                .find(|m| m.conversation_id == conversation_id)
                .ok_or_else(|| ServiceError::from(UserError::not_found("upToMessageId", "message")))?;
            let Some(position) = queries::advance_read_position(c, user_id, &message).await? else {
                return Ok((conv, false));
            };
            let user = queries::users_by_ids(c, &[user_id])
                .await?
                .first()
                .map(PublicUser::from)
                .ok_or_else(|| ServiceError::Internal("reader vanished".into()))?;
            append_event(
                c,
                conversation_id,
                &EventPayload::ReadReceiptMoved { user, message_id: position.message_id },
            )
            .await?;
            Ok::<_, ServiceError>((conv, true))
        })
        .await?;
    if moved {
        state.hub.committed(conversation_id);
    }
    Ok(conv)
}
