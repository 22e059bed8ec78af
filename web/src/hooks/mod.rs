//! Hooks: access to the app-wide contexts, the live event stream, and sending.

mod alerts;
mod event_stream;
mod mark_read;
mod restore;
mod send;
mod uploads;

pub use alerts::{ask_notification_permission, beep, page_hidden};
pub use event_stream::{
    reload_conversations, reload_notifications, use_conversation_refetch, use_event_stream,
};
pub use mark_read::{use_mark_read, use_page_visible};
pub use restore::{restore as restore_session, use_restore_session};
pub use send::{new_client_id, use_send_message, SendHandle};
pub use uploads::{use_uploads, NewUpload, UploadsHandle};

use yew::prelude::*;

use crate::state::session::Session;
use crate::state::{ChatState, LiveState};

/// Context handle of the session.
pub type SessionContext = UseReducerHandle<Session>;
/// Context handle of the chat store.
pub type ChatContext = UseReducerHandle<ChatState>;

/// Context handle of the live state (typing, presence, notifications).
pub type LiveContext = UseReducerHandle<LiveState>;

/// The live state (must be under the `App` providers).
#[hook]
pub fn use_live() -> Option<LiveContext> {
    use_context::<LiveContext>()
}

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
