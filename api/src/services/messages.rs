//! Sending messages: validated, rate limited, idempotent on the sender's
//! client id, acknowledged only after commit.

use diesel_async::AsyncConnection;
use jeco_schema::models::{Message, NewMessage};
use jeco_schema::queries;

use super::conversations::{access_conversation, append_event};
use super::direct::check_not_blocked;
use super::{conn, require, validate};
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{EventPayload, PublicUser};
use crate::state::AppState;

/// Sends a message. A retry with the same `client_id` (from any device or
/// instance) returns the first message and writes nothing.
pub async fn send(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
    body: &str,
    client_id: &str,
    reply_to: Option<i64>,
) -> ServiceResult<Message> {
    let user_id = require(viewer)?;
    let client_id = validate::client_id(client_id)?;
    let body = validate::text("body", body, validate::MAX_BODY_CHARS, true)?;
    let mut c = conn(state).await?;
    if let Some(existing) = queries::message_by_client_id(&mut c, user_id, &client_id).await? {
        // Still check access: a stranger must not learn anything from a retry.
        access_conversation(&mut c, user_id, existing.conversation_id).await?;
        return Ok(existing);
    }
    if !state.send_limiter.check(&user_id) {
        return Err(
            UserError::general(UserErrorCode::RateLimited, "you are sending too fast; slow down").into()
        );
    }
    let (message, created, typing_user) = c
        .transaction(async |c| {
            let (conversation, _) = access_conversation(c, user_id, conversation_id).await?;
            check_not_blocked(c, &conversation, user_id).await?;
            if let Some(target) = reply_to {
                super::message_actions::reply_target(c, conversation_id, target).await?;
            }
            let new = NewMessage {
                conversation_id,
                sender_id: user_id,
                body: &body,
                client_id: &client_id,
                reply_to_id: reply_to,
            };
            let Some(message) = queries::insert_message(c, &new).await? else {
                // A concurrent retry committed first; answer with its message.
                let first = queries::message_by_client_id(c, user_id, &client_id)
                    .await?
                    .ok_or_else(|| ServiceError::Internal("client id conflict without a row".into()))?;
                return Ok((first, false, None));
            };
            let sender = queries::users_by_ids(c, &[user_id])
                .await?
                .first()
                .map(PublicUser::from)
                .ok_or_else(|| ServiceError::Internal("sender vanished".into()))?;
            queries::touch_conversation(c, conversation_id, message.created_at).await?;
            super::notifications::for_message(c, &conversation, &message).await?;
            append_event(
                c,
                conversation_id,
                &EventPayload::MessageCreated { message: message.clone(), sender: sender.clone() },
            )
            .await?;
            Ok::<_, ServiceError>((message, true, Some(sender)))
        })
        .await?;
    if created {
        state.hub.committed(conversation_id);
        // Sending ends "typing" for everyone watching.
        if let Some(user) = typing_user {
            state.hub.publish_ephemeral(crate::events::Ephemeral::Typing {
                conversation_id,
                user,
                typing: false,
            });
        }
    }
    Ok(message)
}
