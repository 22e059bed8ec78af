//! Sending messages: validated, rate limited, idempotent on the sender's
//! client id, acknowledged only after commit. A client id names one message
//! of its sender: reusing it in another conversation is refused (it would
//! otherwise answer with a message from the first conversation).

use jeco_schema as db;
use jeco_schema::models::{Message, NewMessage};

use super::access::{access_conversation, public_user};
use super::direct::check_not_blocked;
use super::{conn, require, validate};
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{EventPayload, MessageV1, PublicUser};
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::{AttachmentId, ConversationId, MessageId};

/// What `sendMessage` asks for.
pub struct Draft<'a> {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// The text (may be empty when there are attachments).
    pub body: &'a str,
    /// The sender's idempotency key.
    pub client_id: &'a str,
    /// The message answered.
    pub reply_to: Option<MessageId>,
    /// The sender's finished uploads to attach, in order.
    pub attachments: &'a [AttachmentId],
}

/// What [`send`] answers.
pub struct Sent {
    /// The message (the first one, for a retry).
    pub message: Message,
    /// Its sender, read in the writing transaction; `None` for a retry. Set, it
    /// also says the message is brand new: no reactions yet, and exactly the
    /// draft's attachments.
    pub sender: Option<PublicUser>,
}

/// Sends a message. A retry with the same `client_id` (from any device or
/// instance) in the same conversation returns the first message and writes
/// nothing; the same `client_id` in another conversation is `INVALID`.
pub async fn send(state: &AppState, viewer: Option<Viewer>, draft: Draft<'_>) -> ServiceResult<Sent> {
    let Draft { conversation_id, body, client_id, reply_to, attachments } = draft;
    let user_id = require(viewer)?;
    let client_id = validate::client_id(client_id)?;
    let body = if attachments.is_empty() || !body.trim().is_empty() {
        validate::text("body", body, validate::MAX_BODY_CHARS, true)?
    } else {
        String::new()
    };
    let mut c = conn(state).await?;
    if let Some(existing) = db::messages::message_by_client_id(&mut c, user_id, &client_id).await? {
        // Still check access: a stranger must not learn anything from a retry.
        access_conversation(&mut c, user_id, existing.conversation_id).await?;
        return Ok(Sent { message: same_conversation(existing, conversation_id)?, sender: None });
    }
    if !state.send_limiter.check(&user_id) {
        return Err(
            UserError::general(UserErrorCode::RateLimited, "you are sending too fast; slow down").into()
        );
    }
    let (message, sender) = tx::write_on(&mut c, &state.hub, async |tx| {
        let (conversation, _) = access_conversation(tx, user_id, conversation_id).await?;
        check_not_blocked(tx, &conversation, user_id).await?;
        if let Some(target) = reply_to {
            super::message_actions::reply_target(tx, conversation_id, target).await?;
        }
        let new = NewMessage {
            conversation_id,
            sender_id: user_id,
            body: &body,
            client_id: &client_id,
            reply_to_id: reply_to,
        };
        let Some(message) = db::messages::insert_message(tx, &new).await? else {
            // A concurrent retry committed first; answer with its message.
            let first = db::messages::message_by_client_id(tx, user_id, &client_id)
                .await?
                .ok_or_else(|| ServiceError::Internal("client id conflict without a row".into()))?;
            return Ok((same_conversation(first, conversation_id)?, None));
        };
        if !attachments.is_empty() {
            super::uploads::attach(tx, user_id, conversation_id, message.id, attachments).await?;
        }
        let sender = public_user(tx, user_id).await?;
        db::conversations::touch_conversation(tx, conversation_id, message.created_at).await?;
        super::notifications::for_message(tx, &conversation, &message).await?;
        let payload =
            EventPayload::MessageCreated { message: MessageV1::from(&message), sender: sender.clone() };
        tx.append(conversation_id, &payload).await?;
        Ok((message, Some(sender)))
    })
    .await?;
    // Sending ends "typing" for everyone watching (after the message's ring).
    if let Some(user) = &sender {
        state.hub.publish_ephemeral(crate::events::Ephemeral::Typing {
            conversation_id,
            user: user.clone(),
            typing: false,
        });
    }
    Ok(Sent { message, sender })
}

/// The earlier message with the same client id, if it is in the conversation
/// being sent to; a client id reused elsewhere is refused, naming no message.
fn same_conversation(existing: Message, conversation_id: ConversationId) -> ServiceResult<Message> {
    if existing.conversation_id == conversation_id {
        return Ok(existing);
    }
    Err(UserError::on_field(
        "clientId",
        UserErrorCode::Invalid,
        "this clientId was already used for a message in another conversation; use a new one",
    )
    .into())
}
