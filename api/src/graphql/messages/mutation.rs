//! Message mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::MessageNode;
use crate::error::UserError;
use crate::graphql::conversations::ConversationNode;
use crate::graphql::loaders::{AttachmentsLoader, Batch, ReactionsLoader};
use crate::graphql::{split, state, viewer};
use crate::ids;
use crate::services::{message_actions, messages, reads};
use jeco_schema::ids::{AttachmentId, ConversationId, MessageId};

/// Result of message mutations.
#[derive(SimpleObject)]
pub struct MessagePayload {
    /// The message.
    message: Option<MessageNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Input of sendMessage.
#[derive(InputObject)]
pub struct SendMessageInput {
    /// The conversation.
    conversation_id: ID,
    /// 1–4000 characters (may be empty when there are attachments).
    body: String,
    /// Client-chosen id (1–64 visible ASCII); retrying with it returns the first message.
    client_id: String,
    /// The message this one answers (same conversation); its author is notified.
    reply_to_id: Option<ID>,
    /// Up to 10 of the viewer's finished uploads for this conversation, in
    /// order; `body` may then be empty.
    attachment_ids: Option<Vec<ID>>,
}

/// Input of editMessage.
#[derive(InputObject)]
pub struct EditMessageInput {
    /// The viewer's own message.
    message_id: ID,
    /// The new text, 1–4000 characters.
    body: String,
}

/// Input of deleteMessage.
#[derive(InputObject)]
pub struct DeleteMessageInput {
    /// The message (the viewer's own, or any in a room the viewer owns or administers).
    message_id: ID,
}

/// Input of toggleReaction.
#[derive(InputObject)]
pub struct ToggleReactionInput {
    /// The message.
    message_id: ID,
    /// One emoji (skin tones, flags and ZWJ sequences count as one).
    emoji: String,
    /// Omit to toggle; true or false to set (idempotent, for retries).
    reacted: Option<bool>,
}

/// Input of pinMessage and unpinMessage.
#[derive(InputObject)]
pub struct PinMessageInput {
    /// The message.
    message_id: ID,
}

fn message_payload(
    result: crate::error::ServiceResult<jeco_schema::models::Message>,
) -> async_graphql::Result<MessagePayload> {
    let (message, user_errors) = split(result)?;
    Ok(MessagePayload { message: message.map(|row| MessageNode { row, sender: None }), user_errors })
}

fn message_id(id: &ID) -> Result<MessageId, crate::error::ServiceError> {
    ids::decode::<MessageId>(id).ok_or_else(|| UserError::not_found("messageId", "message").into())
}

/// Message mutations.
#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Sends a message; acknowledged only once stored.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
    ) -> async_graphql::Result<MessagePayload> {
        let reply_to = match &input.reply_to_id {
            Some(id) => match ids::decode::<MessageId>(id) {
                Some(n) => Some(n),
                None => return message_payload(Err(UserError::not_found("replyToId", "message").into())),
            },
            None => None,
        };
        // An id that is not an attachment's is refused like someone else's upload.
        let attachments: Vec<AttachmentId> = input
            .attachment_ids
            .iter()
            .flatten()
            .map(|id| ids::decode::<AttachmentId>(id).unwrap_or(AttachmentId(0)))
            .collect();
        let result = match ids::decode::<ConversationId>(&input.conversation_id) {
            Some(id) => {
                let draft = messages::Draft {
                    conversation_id: id,
                    body: &input.body,
                    client_id: &input.client_id,
                    reply_to,
                    attachments: &attachments,
                };
                messages::send(state(ctx), viewer(ctx), draft).await
            }
            None => Err(UserError::not_found("conversationId", "conversation").into()),
        };
        let (sent, user_errors) = split(result)?;
        if let Some(s) = sent.as_ref().filter(|s| s.sender.is_some()) {
            // Brand new: nothing to ask the database about its reactions, and
            // its attachments are the draft's (none here, or loaded as usual).
            ctx.data_unchecked::<Batch<ReactionsLoader>>().feed_one(s.message.id, Vec::new()).await;
            if attachments.is_empty() {
                ctx.data_unchecked::<Batch<AttachmentsLoader>>().feed_one(s.message.id, Vec::new()).await;
            }
        }
        let message = sent.map(|s| MessageNode { row: s.message, sender: s.sender });
        Ok(MessagePayload { message, user_errors })
    }

    /// Changes the text of one of the viewer's messages ("edited" is shown).
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        input: EditMessageInput,
    ) -> async_graphql::Result<MessagePayload> {
        let result = match message_id(&input.message_id) {
            Ok(id) => message_actions::edit(state(ctx), viewer(ctx), id, &input.body).await,
            Err(e) => Err(e),
        };
        message_payload(result)
    }

    /// Deletes a message, leaving a tombstone; deleting it again is a no-op.
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        input: DeleteMessageInput,
    ) -> async_graphql::Result<MessagePayload> {
        let result = match message_id(&input.message_id) {
            Ok(id) => message_actions::delete(state(ctx), viewer(ctx), id).await,
            Err(e) => Err(e),
        };
        message_payload(result)
    }

    /// Adds or removes the viewer's reaction with one emoji.
    async fn toggle_reaction(
        &self,
        ctx: &Context<'_>,
        input: ToggleReactionInput,
    ) -> async_graphql::Result<MessagePayload> {
        let result = match message_id(&input.message_id) {
            Ok(id) => message_actions::react(state(ctx), viewer(ctx), id, &input.emoji, input.reacted).await,
            Err(e) => Err(e),
        };
        message_payload(result)
    }

    /// Pins a message to its conversation (idempotent).
    async fn pin_message(
        &self,
        ctx: &Context<'_>,
        input: PinMessageInput,
    ) -> async_graphql::Result<MessagePayload> {
        let result = match message_id(&input.message_id) {
            Ok(id) => message_actions::set_pinned(state(ctx), viewer(ctx), id, true).await,
            Err(e) => Err(e),
        };
        message_payload(result)
    }

    /// Unpins a message (idempotent).
    async fn unpin_message(
        &self,
        ctx: &Context<'_>,
        input: PinMessageInput,
    ) -> async_graphql::Result<MessagePayload> {
        let result = match message_id(&input.message_id) {
            Ok(id) => message_actions::set_pinned(state(ctx), viewer(ctx), id, false).await,
            Err(e) => Err(e),
        };
        message_payload(result)
    }
}

/// Input of markRead.
#[derive(InputObject)]
pub struct MarkReadInput {
    /// The conversation.
    conversation_id: ID,
    /// The newest message the viewer has read.
    up_to_message_id: ID,
}

/// Result of markRead.
#[derive(SimpleObject)]
pub struct MarkReadPayload {
    /// The conversation (with its new unread count).
    conversation: Option<ConversationNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Read-state mutations.
#[derive(Default)]
pub struct ReadMutation;

#[Object]
impl ReadMutation {
    /// Marks the conversation read up to a message; positions only move forward.
    async fn mark_read(
        &self,
        ctx: &Context<'_>,
        input: MarkReadInput,
    ) -> async_graphql::Result<MarkReadPayload> {
        let conversation = ids::decode::<ConversationId>(&input.conversation_id);
        let message = ids::decode::<MessageId>(&input.up_to_message_id);
        let result = match (conversation, message) {
            (Some(c), Some(m)) => reads::mark_read(state(ctx), viewer(ctx), c, m).await,
            (None, _) => Err(UserError::not_found("conversationId", "conversation").into()),
            (_, None) => Err(UserError::not_found("upToMessageId", "message").into()),
        };
        let (conv, user_errors) = split(result)?;
        Ok(MarkReadPayload { conversation: conv.map(ConversationNode), user_errors })
    }
}
