//! Server calls that act on existing messages (edit, delete, react, pin) and message
//! search. Each mutation returns the message as it now is, for an immediate update;
//! the event that follows is applied idempotently.

use super::error::ApiError;
use super::http::execute;
use super::ops::{
    delete_message, edit_message, pin_message, search_messages, toggle_reaction, unpin_message,
    DeleteMessage, EditMessage, PinMessage, SearchMessages, ToggleReaction, UnpinMessage,
};
use crate::state::model::{Message, UserRef};
use crate::user_errors;

/// Search results per page.
pub const SEARCH_PAGE: i64 = 20;

fn missing() -> ApiError {
    ApiError::Decode("no message in the answer".to_owned())
}

/// Runs one of the message mutations, which all share the `MessagePayload` shape.
macro_rules! message_mutation {
    ($op:ident, $module:ident, $field:ident, $input:expr) => {{
        let payload = execute::<$op>($module::Variables { input: $input }).await?.$field;
        if let Some(error) = user_errors!(payload.user_errors) {
            return Err(error);
        }
        payload.message.map(Message::from).ok_or_else(missing)
    }};
}

/// Replaces the text of one of the viewer's messages.
pub async fn edit(message_id: String, body: String) -> Result<Message, ApiError> {
    message_mutation!(
        EditMessage,
        edit_message,
        edit_message,
        edit_message::EditMessageInput { message_id, body }
    )
}

/// Deletes a message (the author, or a room owner or admin).
pub async fn delete(message_id: String) -> Result<Message, ApiError> {
    message_mutation!(
        DeleteMessage,
        delete_message,
        delete_message,
        delete_message::DeleteMessageInput { message_id }
    )
}

/// Sets (`Some`) or toggles (`None`) the viewer's reaction with `emoji`.
pub async fn react(message_id: String, emoji: String, reacted: Option<bool>) -> Result<Message, ApiError> {
    message_mutation!(
        ToggleReaction,
        toggle_reaction,
        toggle_reaction,
        toggle_reaction::ToggleReactionInput { message_id, emoji, reacted }
    )
}

/// Pins (`true`) or unpins a message.
pub async fn set_pinned(message_id: String, pinned: bool) -> Result<Message, ApiError> {
    if pinned {
        message_mutation!(PinMessage, pin_message, pin_message, pin_message::PinMessageInput { message_id })
    } else {
        message_mutation!(
            UnpinMessage,
            unpin_message,
            unpin_message,
            unpin_message::PinMessageInput { message_id }
        )
    }
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The message's global id.
    pub message_id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// Room name or the other person's name.
    pub conversation_title: String,
    /// Author.
    pub sender: UserRef,
    /// RFC 3339 send time.
    pub created_at: String,
    /// Excerpt of the body.
    pub snippet: String,
    /// Matches in `snippet`: `(start, end)` in chars, end exclusive.
    pub highlights: Vec<(i64, i64)>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchPage {
    /// Hits, newest first.
    pub hits: Vec<SearchHit>,
    /// Cursor of the next page, if any.
    pub next: Option<String>,
}

/// Messages matching `query`, optionally in one conversation, newest first.
pub async fn search(
    query: String,
    conversation_id: Option<String>,
    after: Option<String>,
) -> Result<SearchPage, ApiError> {
    let variables = search_messages::Variables { query, conversation_id, first: Some(SEARCH_PAGE), after };
    let data = execute::<SearchMessages>(variables).await?.search_messages;
    let hits = data
        .edges
        .into_iter()
        .map(|edge| {
            let node = edge.node;
            let conversation = node.conversation;
            let direct = matches!(conversation.kind, search_messages::ConversationKind::DIRECT);
            let conversation_title = match (direct, conversation.peer, conversation.name) {
                (true, Some(peer), _) => peer.display_name,
                (_, _, Some(name)) if !name.is_empty() => name,
                (true, ..) => "Direct conversation".to_owned(),
                _ => "Untitled room".to_owned(),
            };
            SearchHit {
                message_id: node.id,
                conversation_id: node.conversation_id,
                conversation_title,
                sender: UserRef {
                    id: node.sender.id,
                    username: node.sender.username,
                    display_name: node.sender.display_name,
                    avatar_url: None,
                },
                created_at: node.created_at,
                snippet: edge.snippet.or(node.body).unwrap_or_default(),
                highlights: edge
                    .highlights
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r.start, r.end))
                    .collect(),
            }
        })
        .collect();
    let next = data.page_info.end_cursor.filter(|_| data.page_info.has_next_page);
    Ok(SearchPage { hits, next })
}
