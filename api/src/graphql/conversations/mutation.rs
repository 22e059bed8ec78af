//! Room mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::{ConversationNode, Visibility};
use crate::error::UserError;
use crate::graphql::{split, state, viewer};
use crate::ids;
use crate::services::conversations as svc;
use jeco_schema::ids::{ConversationId, UserId};

/// Result of room mutations.
#[derive(SimpleObject)]
pub struct ConversationPayload {
    /// The conversation.
    conversation: Option<ConversationNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

impl ConversationPayload {
    /// Maps a service result.
    pub fn from_result(
        result: crate::error::ServiceResult<jeco_schema::models::Conversation>,
    ) -> async_graphql::Result<Self> {
        let (conv, user_errors) = split(result)?;
        Ok(ConversationPayload { conversation: conv.map(ConversationNode), user_errors })
    }
}

/// Input of createRoom.
#[derive(InputObject)]
pub struct CreateRoomInput {
    /// 1–64 characters, unique among rooms (case-insensitive).
    name: String,
    /// Up to 250 characters.
    topic: Option<String>,
    /// Who may find and join it.
    #[graphql(default_with = "Visibility::Public")]
    visibility: Visibility,
}

/// Input of joinRoom.
#[derive(InputObject)]
pub struct JoinRoomInput {
    /// The room.
    conversation_id: ID,
}

/// Input of leaveRoom.
#[derive(InputObject)]
pub struct LeaveRoomInput {
    /// The room.
    conversation_id: ID,
}

/// Input of updateRoom (omitted fields keep their value).
#[derive(InputObject)]
pub struct UpdateRoomInput {
    /// The room.
    conversation_id: ID,
    /// New name, 1–64 characters.
    name: Option<String>,
    /// New topic, up to 250 characters; empty clears it.
    topic: Option<String>,
    /// Only owners and admins may pin.
    pins_admin_only: Option<bool>,
}

fn conversation_id(id: &ID) -> crate::error::ServiceResult<ConversationId> {
    ids::decode::<ConversationId>(id)
        .ok_or_else(|| UserError::not_found("conversationId", "conversation").into())
}

/// Input of inviteToRoom and removeMember.
#[derive(InputObject)]
pub struct RoomMemberInput {
    /// The room.
    conversation_id: ID,
    /// The user.
    user_id: ID,
}

/// Input of setMemberRole.
#[derive(InputObject)]
pub struct SetMemberRoleInput {
    /// The room.
    conversation_id: ID,
    /// The member.
    user_id: ID,
    /// Admin (true) or plain member (false).
    admin: bool,
}

fn room_and_user(input: &RoomMemberInput) -> crate::error::ServiceResult<(ConversationId, UserId)> {
    let room = conversation_id(&input.conversation_id)?;
    let user = ids::decode::<UserId>(&input.user_id).ok_or_else(|| UserError::not_found("userId", "user"))?;
    Ok((room, user))
}

/// Room mutations.
#[derive(Default)]
pub struct ConversationMutation;

#[Object]
impl ConversationMutation {
    /// Creates a room; the viewer becomes its owner.
    async fn create_room(
        &self,
        ctx: &Context<'_>,
        input: CreateRoomInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let visibility = input.visibility.into();
        let result =
            svc::create_room(state(ctx), viewer(ctx), &input.name, input.topic.as_deref(), visibility).await;
        ConversationPayload::from_result(result)
    }

    /// Joins a public room (idempotent).
    async fn join_room(
        &self,
        ctx: &Context<'_>,
        input: JoinRoomInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let result = match conversation_id(&input.conversation_id) {
            Ok(id) => svc::join_room(state(ctx), viewer(ctx), id).await,
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }

    /// Adds a user to a room (owners and admins; any member of a public room).
    async fn invite_to_room(
        &self,
        ctx: &Context<'_>,
        input: RoomMemberInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let result = match room_and_user(&input) {
            Ok((room, user)) => svc::invite(state(ctx), viewer(ctx), room, user).await,
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }

    /// Removes a member (owners: anyone; admins: plain members).
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        input: RoomMemberInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let result = match room_and_user(&input) {
            Ok((room, user)) => svc::remove_member(state(ctx), viewer(ctx), room, user).await,
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }

    /// Makes a member an admin (`admin: true`) or a plain member (owner only).
    async fn set_member_role(
        &self,
        ctx: &Context<'_>,
        input: SetMemberRoleInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let target = RoomMemberInput { conversation_id: input.conversation_id, user_id: input.user_id };
        let result = match room_and_user(&target) {
            Ok((room, user)) => svc::set_role(state(ctx), viewer(ctx), room, user, input.admin).await,
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }

    /// Leaves a room.
    async fn leave_room(
        &self,
        ctx: &Context<'_>,
        input: LeaveRoomInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let result = match conversation_id(&input.conversation_id) {
            Ok(id) => svc::leave_room(state(ctx), viewer(ctx), id).await,
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }

    /// Renames a room, changes its topic or pin setting (owners and admins).
    async fn update_room(
        &self,
        ctx: &Context<'_>,
        input: UpdateRoomInput,
    ) -> async_graphql::Result<ConversationPayload> {
        let result = match conversation_id(&input.conversation_id) {
            Ok(id) => {
                svc::update_room(
                    state(ctx),
                    viewer(ctx),
                    id,
                    input.name.as_deref(),
                    input.topic.as_deref(),
                    input.pins_admin_only,
                )
                .await
            }
            Err(e) => Err(e),
        };
        ConversationPayload::from_result(result)
    }
}
