//! Who is in a room: join, leave, invite, remove, and the owner's role changes.
//! A room never loses its last owner: when the owner goes, the longest-standing
//! admin (or member) takes over. Every check of the actor's role reads it after
//! locking the conversation row ([`lock_membership`]), which role changes take
//! too, so a demoted admin cannot act on a role read before the demotion.

use diesel_async::AsyncPgConnection;
use jeco_schema as db;
use jeco_schema::enums::{ConversationKind, Role, Visibility};
use jeco_schema::models::Conversation;

use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{EventPayload, MemberV1, PublicUser};
use crate::services::access::{access_conversation, lock_membership, public_user};
use crate::services::require;
use crate::state::AppState;
use crate::tx::{self, Tx};
use jeco_schema::ids::{ConversationId, UserId};

/// Joins a public room. Joining a room one is already in changes nothing.
pub async fn join_room(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let conv = db::conversations::lock_conversation(tx, conversation_id).await?;
        let is_member = db::members::member(tx, conversation_id, user_id).await?.is_some();
        let Some(conv) = conv.filter(|cv| {
            is_member || (cv.kind == ConversationKind::Room && cv.visibility == Visibility::Public)
        }) else {
            return Err(ServiceError::from(UserError::not_found("conversationId", "room")));
        };
        if is_member {
            return Ok(conv);
        }
        let member = db::members::insert_member(tx, conversation_id, user_id, Role::Member)
            .await?
            .ok_or_else(|| ServiceError::Internal("membership appeared under lock".into()))?;
        let user = public_user(tx, user_id).await?;
        tx.append(conversation_id, &EventPayload::MemberJoined { member: MemberV1::from(&member), user })
            .await?;
        Ok(conv)
    })
    .await
}

/// Leaves a room. When the last owner leaves, the longest-standing member
/// becomes owner so the room is never left without one.
pub async fn leave_room(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (conv, _) = access_conversation(tx, user_id, conversation_id).await?;
        if conv.kind != ConversationKind::Room {
            return Err(ServiceError::from(UserError::on_field(
                "conversationId",
                UserErrorCode::Forbidden,
                "direct conversations cannot be left",
            )));
        }
        db::conversations::lock_conversation(tx, conversation_id).await?;
        let Some(left) = db::members::delete_member(tx, conversation_id, user_id).await? else {
            return Err(UserError::not_found("conversationId", "conversation").into());
        };
        if left.role == Role::Owner {
            promote_successor(tx, conversation_id).await?;
        }
        let user = public_user(tx, user_id).await?;
        tx.append(conversation_id, &EventPayload::MemberLeft { user }).await?;
        Ok(conv)
    })
    .await
}

/// Removes a member from a room inside the caller's transaction (the
/// conversation already locked), handing ownership on if needed, and logs
/// `MemberLeft` with `user` as shown from now on.
pub(crate) async fn depart(
    tx: &mut Tx<'_>,
    conversation_id: ConversationId,
    user_id: UserId,
    user: PublicUser,
) -> ServiceResult<()> {
    if let Some(left) = db::members::delete_member(tx, conversation_id, user_id).await? {
        if left.role == Role::Owner {
            promote_successor(tx, conversation_id).await?;
        }
        tx.append(conversation_id, &EventPayload::MemberLeft { user }).await?;
    }
    Ok(())
}

async fn promote_successor(c: &mut AsyncPgConnection, conversation_id: ConversationId) -> ServiceResult<()> {
    let remaining = db::members::members_of(c, conversation_id, None, 100).await?;
    if remaining.iter().any(|m| m.role == Role::Owner) {
        return Ok(());
    }
    let successor = remaining.iter().find(|m| m.role == Role::Admin).or(remaining.first());
    if let Some(m) = successor {
        db::members::set_role(c, conversation_id, m.user_id, Role::Owner).await?;
    }
    Ok(())
}

/// Adds `invitee` to a room. Owners and admins may invite; in public rooms any
/// member may (anyone could join anyway). Inviting a member changes nothing.
/// Someone who blocked the inviter can't be invited by them: `FORBIDDEN` on
/// `userId`, worded like a refused direct message (which already tells the
/// sender "this user does not accept your messages"), so the answer says no
/// more about the block than a direct message would.
pub async fn invite(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
    invitee: UserId,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (conv, me) = lock_membership(tx, user_id, conversation_id).await?;
        if conv.kind != ConversationKind::Room {
            return Err(ServiceError::from(UserError::on_field(
                "conversationId",
                UserErrorCode::Forbidden,
                "direct conversations have exactly two members",
            )));
        }
        if conv.visibility != Visibility::Public && !me.role.moderates() {
            return Err(UserError::on_field(
                "conversationId",
                UserErrorCode::Forbidden,
                "only owners and admins can invite",
            )
            .into());
        }
        let Some(user) = db::users::users_by_ids(tx, &[invitee]).await?.first().map(PublicUser::from) else {
            return Err(UserError::not_found("userId", "user").into());
        };
        if db::contacts::is_blocked(tx, invitee, user_id).await? {
            return Err(UserError::on_field(
                "userId",
                UserErrorCode::Forbidden,
                "this user does not accept invitations from you",
            )
            .into());
        }
        let Some(member) = db::members::insert_member(tx, conversation_id, invitee, Role::Member).await?
        else {
            return Ok(conv);
        };
        tx.append(conversation_id, &EventPayload::MemberJoined { member: MemberV1::from(&member), user })
            .await?;
        Ok(conv)
    })
    .await
}

/// Removes someone else from a room: owners may remove anyone but themselves,
/// admins only plain members. The removed member's subscriptions stop.
pub async fn remove_member(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
    target: UserId,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    if target == user_id {
        return Err(UserError::on_field("userId", UserErrorCode::Invalid, "use leaveRoom to leave").into());
    }
    tx::write(&state.pool, &state.hub, async |tx| {
        let (conv, me) = lock_membership(tx, user_id, conversation_id).await?;
        let Some(them) = db::members::member(tx, conversation_id, target).await? else {
            return Err(ServiceError::from(UserError::not_found("userId", "member")));
        };
        let allowed = conv.kind == ConversationKind::Room
            && match me.role {
                Role::Owner => true,
                Role::Admin => them.role == Role::Member,
                Role::Member => false,
            };
        if !allowed {
            return Err(UserError::on_field(
                "userId",
                UserErrorCode::Forbidden,
                "you cannot remove this member",
            )
            .into());
        }
        db::members::delete_member(tx, conversation_id, target).await?;
        let user = public_user(tx, target).await?;
        tx.append(conversation_id, &EventPayload::MemberLeft { user }).await?;
        Ok(conv)
    })
    .await
}

/// Makes a member an admin or a plain member again. Only the owner may, and
/// not for themself (ownership moves only when the owner leaves).
pub async fn set_role(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
    target: UserId,
    admin: bool,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (conv, me) = lock_membership(tx, user_id, conversation_id).await?;
        let Some(them) = db::members::member(tx, conversation_id, target).await? else {
            return Err(ServiceError::from(UserError::not_found("userId", "member")));
        };
        if me.role != Role::Owner || conv.kind != ConversationKind::Room || them.role == Role::Owner {
            return Err(UserError::on_field(
                "userId",
                UserErrorCode::Forbidden,
                "only the owner can change roles",
            )
            .into());
        }
        let role = if admin { Role::Admin } else { Role::Member };
        if them.role == role {
            return Ok(conv);
        }
        db::members::set_role(tx, conversation_id, target, role).await?;
        let member = db::members::member(tx, conversation_id, target)
            .await?
            .ok_or_else(|| ServiceError::Internal("member vanished under lock".into()))?;
        let user = public_user(tx, target).await?;
        let member = MemberV1::from(&member);
        tx.append(conversation_id, &EventPayload::MemberRoleChanged { member, user }).await?;
        Ok(conv)
    })
    .await
}
