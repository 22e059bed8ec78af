//! Message mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use crate::error::UserError;
use crate::graphql::types::MessageNode;
use crate::graphql::{split, state, viewer};
use crate::ids::{self, Kind};
use crate::services::messages;

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
