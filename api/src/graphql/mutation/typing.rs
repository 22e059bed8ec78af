//! Typing indicator mutation.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use crate::error::UserError;
use crate::graphql::{split, state, viewer};
use crate::ids::{self, Kind};
use crate::services::typing;

/// Input of setTyping.
#[derive(InputObject)]
pub struct SetTypingInput {
    /// The conversation.
    conversation_id: ID,
    /// Started (true, renew every few seconds while typing) or stopped.
    #[graphql(default = true)]
    typing: bool,
}

/// Result of setTyping.
#[derive(SimpleObject)]
pub struct SetTypingPayload {
    /// Whether the signal was sent.
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Typing mutations.
#[derive(Default)]
pub struct TypingMutation;

#[Object]
impl TypingMutation {
    /// Tells the other members the viewer is typing; lasts 5 s unless renewed.
    async fn set_typing(
        &self,
        ctx: &Context<'_>,
        input: SetTypingInput,
    ) -> async_graphql::Result<SetTypingPayload> {
        let result = match ids::decode(Kind::Conversation, &input.conversation_id) {
            Some(id) => typing::set_typing(state(ctx), viewer(ctx), id, input.typing).await,
            None => Err(UserError::not_found("conversationId", "conversation").into()),
        };
        let (done, user_errors) = split(result)?;
        Ok(SetTypingPayload { ok: done.is_some(), user_errors })
    }
}
