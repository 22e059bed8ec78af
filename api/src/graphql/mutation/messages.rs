//! Message mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use crate::error::UserError;
use crate::graphql::types::{ConversationNode, MessageNode};
use crate::graphql::{split, state, viewer};
use crate::ids::{self, Kind};
use crate::services::{messages, reads};

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
    /// 1–4000 characters.
    body: String,
    /// Client-chosen id (1–64 visible ASCII); retrying with it returns the first message.
    client_id: String,
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
        let result = match ids::decode(Kind::Conversation, &input.conversation_id) {
            Some(id) => messages::send(state(ctx), viewer(ctx), id, &input.body, &input.client_id).await,
            None => Err(UserError::not_found("conversationId", "conversation").into()),
        };
        let (message, user_errors) = split(result)?;
        Ok(MessagePayload { message: message.map(|row| MessageNode { row, sender: None }), user_errors })
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
        let conversation = ids::decode(Kind::Conversation, &input.conversation_id);
        let message = ids::decode(Kind::Message, &input.up_to_message_id);
        let result = match (conversation, message) {
            (Some(c), Some(m)) => reads::mark_read(state(ctx), viewer(ctx), c, m).await,
            (None, _) => Err(UserError::not_found("conversationId", "conversation").into()),
            (_, None) => Err(UserError::not_found("upToMessageId", "message").into()),
        };
        let (conv, user_errors) = split(result)?;
        Ok(MarkReadPayload { conversation: conv.map(ConversationNode), user_errors })
    }
}
