//! Hooks: access to the app-wide contexts, the live event stream, and sending.

mod event_stream;
mod mark_read;
mod send;

pub use event_stream::{reload_conversations, use_conversation_refetch, use_event_stream};
pub use mark_read::use_mark_read;
pub use send::{new_client_id, use_send_message, SendHandle};

use yew::prelude::*;

use crate::state::session::Session;
use crate::state::ChatState;

/// Context handle of the session.
pub type SessionContext = UseReducerHandle<Session>;
/// Context handle of the chat store.
pub type ChatContext = UseReducerHandle<ChatState>;

/// The session (must be under the `App` providers).
#[hook]
pub fn use_session() -> Option<SessionContext> {
    use_context::<SessionContext>()
}

/// The chat store (must be under the `App` providers).
#[hook]
pub fn use_chat() -> Option<ChatContext> {
    use_context::<ChatContext>()
}
