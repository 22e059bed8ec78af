//! Server calls about being in a conversation: read position, members, invites,
//! removals, leaving.

use super::error::ApiError;
use super::http::execute;
use super::ops::{
    invite_to_room, leave_room, mark_read, members, remove_member, update_room, InviteToRoom, LeaveRoom,
    MarkRead, Members, RemoveMember, UpdateRoom,
};
use crate::state::model::{ConversationMeta, Role, UserRef};
use crate::user_errors;

/// How many members the member list shows.
const MEMBERS_SHOWN: i64 = 100;

/// One member of a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Who.
    pub user: UserRef,
    /// Their role.
    pub role: Role,
}

fn missing(what: &str) -> ApiError {
    ApiError::Decode(format!("no {what} in the answer"))
}

/// Moves the viewer's read position to `up_to_message_id`; returns the new unread count.
pub async fn mark_read(conversation_id: String, up_to_message_id: String) -> Result<i64, ApiError> {
    let input = mark_read::MarkReadInput { conversation_id, up_to_message_id };
    let payload = execute::<MarkRead>(mark_read::Variables { input }).await?.mark_read;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.conversation.map(|c| c.unread_count).ok_or_else(|| missing("conversation"))
}

/// The members of a conversation, in join order.
pub async fn members(id: String) -> Result<Vec<MemberInfo>, ApiError> {
    let data = execute::<Members>(members::Variables { id, first: Some(MEMBERS_SHOWN) }).await?;
    let conversation = data.conversation.ok_or_else(|| missing("conversation"))?;
    Ok(conversation
        .members
        .nodes
        .into_iter()
        .map(|m| MemberInfo {
            role: match m.role {
                members::MemberRole::OWNER => Role::Owner,
                members::MemberRole::ADMIN => Role::Admin,
                _ => Role::Member,
            },
            user: UserRef {
                id: m.user.id,
                username: m.user.username,
                display_name: m.user.display_name,
                avatar_url: m.user.avatar_url,
            },
        })
        .collect())
}

/// Adds a user to a room.
pub async fn invite(conversation_id: String, user_id: String) -> Result<ConversationMeta, ApiError> {
    let input = invite_to_room::RoomMemberInput { conversation_id, user_id };
    let payload = execute::<InviteToRoom>(invite_to_room::Variables { input }).await?.invite_to_room;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.conversation.as_ref().map(ConversationMeta::from).ok_or_else(|| missing("conversation"))
}

/// Removes a member from a room.
pub async fn remove(conversation_id: String, user_id: String) -> Result<(), ApiError> {
    let input = remove_member::RoomMemberInput { conversation_id, user_id };
    let payload = execute::<RemoveMember>(remove_member::Variables { input }).await?.remove_member;
    match user_errors!(payload.user_errors) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Leaves a room.
pub async fn leave(conversation_id: String) -> Result<(), ApiError> {
    let input = leave_room::LeaveRoomInput { conversation_id };
    let payload = execute::<LeaveRoom>(leave_room::Variables { input }).await?.leave_room;
    match user_errors!(payload.user_errors) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Sets whether only owners and admins may pin in a room.
pub async fn set_pins_admin_only(
    conversation_id: String,
    admin_only: bool,
) -> Result<ConversationMeta, ApiError> {
    let input = update_room::UpdateRoomInput {
        conversation_id,
        name: None,
        topic: None,
        pins_admin_only: Some(admin_only),
    };
    let payload = execute::<UpdateRoom>(update_room::Variables { input }).await?.update_room;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    payload.conversation.as_ref().map(ConversationMeta::from).ok_or_else(|| missing("conversation"))
}
