//! Read positions: how far each member has read. They only move forward;
//! unread counts and "seen by" are derived from them.

use jeco_schema as db;
use jeco_schema::models::Conversation;

use super::access::{access_conversation, public_user};
use super::writer;
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError};
use crate::events::EventPayload;
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::{ConversationId, MessageId};

/// Marks everything up to `message_id` as read. Marking an older message
/// changes nothing (positions never move back) and is not an error.
pub async fn mark_read(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
    message_id: MessageId,
) -> ServiceResult<Conversation> {
    let user_id = writer(state, viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (conv, _) = access_conversation(tx, user_id, conversation_id).await?;
        let message = db::messages::messages_by_ids(tx, &[message_id])
            .await?
            .into_iter()
            .find(|m| m.conversation_id == conversation_id)
            .ok_or_else(|| ServiceError::from(UserError::not_found("upToMessageId", "message")))?;
        let Some(position) = db::receipts::advance_read_position(tx, user_id, &message).await? else {
            return Ok(conv);
        };
        let user = public_user(tx, user_id).await?;
        tx.append(conversation_id, &EventPayload::ReadReceiptMoved { user, message_id: position.message_id })
            .await?;
        Ok(conv)
    })
    .await
}
