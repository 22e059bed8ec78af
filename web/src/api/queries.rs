//! The app's server calls, returning domain types.

use super::convert;
use super::error::ApiError;
use super::http::execute;
use super::ops::{
    conversation_history, conversation_info, conversations, create_room, join_room, public_rooms,
    send_message, ConversationHistory, ConversationInfo, Conversations, CreateRoom, EventCursor, JoinRoom,
    PublicRooms, SendMessage,
};
use crate::state::model::{ConversationMeta, ConversationSummary, HistoryPage, Message};
use crate::user_errors;

/// Messages per history page.
pub const PAGE_SIZE: i64 = 30;

/// A public room as listed in the room browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Global id.
    pub id: String,
    /// Room name.
    pub name: String,
    /// Topic.
    pub topic: Option<String>,
    /// Number of members.
    pub member_count: i64,
    /// Whether the viewer is a member.
    pub is_member: bool,
}

fn not_found() -> ApiError {
    ApiError::User(vec![(
        "This conversation does not exist or you cannot see it.".to_owned(),
        "NOT_FOUND".to_owned(),
    )])
}

/// Cursor at the head of the event log.
pub async fn event_cursor() -> Result<String, ApiError> {
    Ok(execute::<EventCursor>(super::ops::event_cursor::Variables).await?.event_cursor)
}

/// The viewer's conversations, most recent activity first.
pub async fn conversations() -> Result<Vec<ConversationSummary>, ApiError> {
    let data = execute::<Conversations>(conversations::Variables { first: Some(100) }).await?;
    Ok(data.conversations.nodes.into_iter().map(ConversationSummary::from).collect())
}

/// A conversation and its newest page of messages, or the page before `before`.
pub async fn history(
    id: String,
    before: Option<String>,
) -> Result<(ConversationMeta, HistoryPage), ApiError> {
    let variables = conversation_history::Variables { id, last: PAGE_SIZE, before };
    let data = execute::<ConversationHistory>(variables).await?;
    data.conversation.map(convert::history).ok_or_else(not_found)
}

/// A conversation's header (member count etc.).
pub async fn conversation_info(id: String) -> Result<ConversationMeta, ApiError> {
    let data = execute::<ConversationInfo>(conversation_info::Variables { id }).await?;
    data.conversation.as_ref().map(ConversationMeta::from).ok_or_else(not_found)
}

/// Public rooms matching `query`.
pub async fn public_rooms(query: Option<String>) -> Result<Vec<Room>, ApiError> {
    let variables = public_rooms::Variables { query, first: Some(50) };
    let data = execute::<PublicRooms>(variables).await?;
    Ok(data
        .public_rooms
        .nodes
        .into_iter()
        .map(|r| Room {
            id: r.id,
            name: r.name.unwrap_or_default(),
            topic: r.topic,
            member_count: r.member_count,
            is_member: r.viewer_role.is_some(),
        })
        .collect())
}

/// Creates a room (private rooms are invite only).
pub async fn create_room(
    name: String,
    topic: Option<String>,
    private: bool,
) -> Result<ConversationMeta, ApiError> {
    let visibility = if private { create_room::Visibility::PRIVATE } else { create_room::Visibility::PUBLIC };
    let input = create_room::CreateRoomInput { name, topic, visibility };
    let payload = execute::<CreateRoom>(create_room::Variables { input }).await?.create_room;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.conversation.as_ref().map(ConversationMeta::from).ok_or_else(not_found)
}

/// Joins a public room.
pub async fn join_room(conversation_id: String) -> Result<ConversationMeta, ApiError> {
    let input = join_room::JoinRoomInput { conversation_id };
    let payload = execute::<JoinRoom>(join_room::Variables { input }).await?.join_room;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.conversation.as_ref().map(ConversationMeta::from).ok_or_else(not_found)
}

/// Sends a message; the same `client_id` always yields the same message.
pub async fn send_message(
    conversation_id: String,
    body: String,
    client_id: String,
    reply_to_id: Option<String>,
    attachment_ids: Vec<String>,
) -> Result<Message, ApiError> {
    let attachment_ids = (!attachment_ids.is_empty()).then_some(attachment_ids);
    let input =
        send_message::SendMessageInput { conversation_id, body, client_id, reply_to_id, attachment_ids };
    let payload = execute::<SendMessage>(send_message::Variables { input }).await?.send_message;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.message.map(Message::from).ok_or_else(|| ApiError::Decode("no message in the answer".to_owned()))
}
