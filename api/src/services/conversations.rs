//! Rooms and membership: create, join, leave, and the named access check.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use jeco_schema::models::{Conversation, Member, NewConversation};
use jeco_schema::{log, queries};

use super::{conn, require, validate};
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{EventPayload, PublicUser};
use crate::state::AppState;

/// Room visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Anyone may find and join.
    Public,
    /// Invite only.
    Private,
}

impl Visibility {
    fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

/// The conversation if `user_id` is a member, else the same `NOT_FOUND` a
/// stranger gets for an id that does not exist.
pub async fn access_conversation(
    c: &mut AsyncPgConnection,
    user_id: i64,
    conversation_id: i64,
) -> ServiceResult<(Conversation, Member)> {
    let member = queries::member(c, conversation_id, user_id).await?;
    let conversation = match &member {
        Some(_) => queries::conversations_by_ids(c, &[conversation_id]).await?.into_iter().next(),
        None => None,
    };
    match (conversation, member) {
        (Some(conv), Some(m)) => Ok((conv, m)),
        _ => Err(UserError::not_found("conversationId", "conversation").into()),
    }
}

/// Visible without membership: public rooms only.
pub async fn visible_conversation(
    c: &mut AsyncPgConnection,
    user_id: Option<i64>,
    conversation_id: i64,
) -> ServiceResult<Option<Conversation>> {
    let Some(conv) = queries::conversations_by_ids(c, &[conversation_id]).await?.into_iter().next() else {
        return Ok(None);
    };
    if conv.visibility == "public" && conv.kind == "room" {
        return Ok(Some(conv));
    }
    match user_id {
        Some(u) if queries::member(c, conversation_id, u).await?.is_some() => Ok(Some(conv)),
        _ => Ok(None),
    }
}

/// A user's public face, inside the caller's transaction.
pub(crate) async fn public_user(c: &mut AsyncPgConnection, user_id: i64) -> ServiceResult<PublicUser> {
    queries::users_by_ids(c, &[user_id])
        .await?
        .first()
        .map(PublicUser::from)
        .ok_or_else(|| ServiceError::Internal(format!("user {user_id} vanished")))
}

async fn append(
    c: &mut AsyncPgConnection,
    conversation_id: i64,
    payload: &EventPayload,
) -> ServiceResult<()> {
    let json = serde_json::to_value(payload).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(log::append(c, conversation_id, &json).await?)
}

/// Creates a room owned by the viewer.
pub async fn create_room(
    state: &AppState,
    viewer: Option<Viewer>,
    name: &str,
    topic: Option<&str>,
    visibility: Visibility,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let name = validate::text("name", name, 64, false)?;
    let topic = match topic.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(validate::text("topic", t, 250, false)?),
        None => None,
    };
    let mut c = conn(state).await?;
    let created = c
        .transaction(async |c| {
            let new = NewConversation {
                kind: "room",
                name: Some(&name),
                topic: topic.as_deref(),
                visibility: visibility.as_str(),
                created_by: Some(user_id),
                direct_key: None,
            };
            let Some(conv) = queries::insert_conversation(c, &new).await? else {
                return Ok(Err(UserError::on_field(
                    "name",
                    UserErrorCode::Taken,
                    "a room with this name exists",
                )));
            };
            let member = queries::insert_member(c, conv.id, user_id, "owner")
                .await?
                .ok_or_else(|| ServiceError::Internal("new room already had its owner".into()))?;
            let user = public_user(c, user_id).await?;
            append(c, conv.id, &EventPayload::MemberJoined { member, user }).await?;
            Ok::<_, ServiceError>(Ok(conv))
        })
        .await?;
    let conv = created?;
    state.hub.committed(conv.id);
    Ok(conv)
}

/// Joins a public room. Joining a room one is already in changes nothing.
pub async fn join_room(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    let (conv, joined) = c
        .transaction(async |c| {
            let conv = queries::lock_conversation(c, conversation_id).await?;
            let is_member = queries::member(c, conversation_id, user_id).await?.is_some();
            let Some(conv) = conv.filter(|cv| is_member || (cv.kind == "room" && cv.visibility == "public"))
            else {
                return Err(ServiceError::from(UserError::not_found("conversationId", "room")));
            };
            if is_member {
                return Ok((conv, false));
            }
            let member = queries::insert_member(c, conversation_id, user_id, "member")
                .await?
                .ok_or_else(|| ServiceError::Internal("membership appeared under lock".into()))?;
            let user = public_user(c, user_id).await?;
            append(c, conversation_id, &EventPayload::MemberJoined { member, user }).await?;
            Ok((conv, true))
        })
        .await?;
    if joined {
        state.hub.committed(conversation_id);
    }
    Ok(conv)
}

/// Leaves a room. When the last owner leaves, the longest-standing member
/// becomes owner so the room is never left without one.
pub async fn leave_room(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    let conv = c
        .transaction(async |c| {
            let (conv, _) = access_conversation(c, user_id, conversation_id).await?;
            if conv.kind != "room" {
                return Err(ServiceError::from(UserError::on_field(
                    "conversationId",
                    UserErrorCode::Forbidden,
                    "direct conversations cannot be left",
                )));
            }
            queries::lock_conversation(c, conversation_id).await?;
            let Some(left) = queries::delete_member(c, conversation_id, user_id).await? else {
                return Err(UserError::not_found("conversationId", "conversation").into());
            };
            if left.role == "owner" {
                promote_successor(c, conversation_id).await?;
            }
            let user = public_user(c, user_id).await?;
            append(c, conversation_id, &EventPayload::MemberLeft { user }).await?;
            Ok(conv)
        })
        .await?;
    state.hub.committed(conversation_id);
    Ok(conv)
}

/// Removes a member from a room inside the caller's transaction (the
/// conversation already locked), handing ownership on if needed, and logs
/// `MemberLeft` with `user` as shown from now on.
pub(crate) async fn depart(
    c: &mut AsyncPgConnection,
    conversation_id: i64,
    user_id: i64,
    user: PublicUser,
) -> ServiceResult<()> {
    if let Some(left) = queries::delete_member(c, conversation_id, user_id).await? {
        if left.role == "owner" {
            promote_successor(c, conversation_id).await?;
        }
        append(c, conversation_id, &EventPayload::MemberLeft { user }).await?;
    }
    Ok(())
}

async fn promote_successor(c: &mut AsyncPgConnection, conversation_id: i64) -> ServiceResult<()> {
    let remaining = queries::members_of(c, conversation_id, None, 100).await?;
    if remaining.iter().any(|m| m.role == "owner") {
        return Ok(());
    }
    let successor = remaining.iter().find(|m| m.role == "admin").or(remaining.first());
    if let Some(m) = successor {
        queries::set_role(c, conversation_id, m.user_id, "owner").await?;
    }
    Ok(())
}

/// Appends an event inside the caller's transaction (used by other services).
pub(crate) async fn append_event(
    c: &mut AsyncPgConnection,
    conversation_id: i64,
    payload: &EventPayload,
) -> ServiceResult<()> {
    append(c, conversation_id, payload).await
}

fn may_manage(role: &str) -> bool {
    role == "owner" || role == "admin"
}

/// Adds `invitee` to a room. Owners and admins may invite; in public rooms any
/// member may (anyone could join anyway). Inviting a member changes nothing.
pub async fn invite(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
    invitee: i64,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    let (conv, added) = c
        .transaction(async |c| {
            let (conv, me) = access_conversation(c, user_id, conversation_id).await?;
            if conv.kind != "room" {
                return Err(ServiceError::from(UserError::on_field(
                    "conversationId",
                    UserErrorCode::Forbidden,
                    "direct conversations have exactly two members",
                )));
            }
            if conv.visibility != "public" && !may_manage(&me.role) {
                return Err(UserError::on_field(
                    "conversationId",
                    UserErrorCode::Forbidden,
                    "only owners and admins can invite",
                )
                .into());
            }
            let Some(user) = queries::users_by_ids(c, &[invitee]).await?.first().map(PublicUser::from) else {
                return Err(UserError::not_found("userId", "user").into());
            };
            queries::lock_conversation(c, conversation_id).await?;
            let Some(member) = queries::insert_member(c, conversation_id, invitee, "member").await? else {
                return Ok((conv, false));
            };
            append(c, conversation_id, &EventPayload::MemberJoined { member, user }).await?;
            Ok((conv, true))
        })
        .await?;
    if added {
        state.hub.committed(conversation_id);
    }
    Ok(conv)
}

/// Removes someone else from a room: owners may remove anyone but themselves,
/// admins only plain members. The removed member's subscriptions stop.
pub async fn remove_member(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
    target: i64,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    if target == user_id {
        return Err(UserError::on_field("userId", UserErrorCode::Invalid, "use leaveRoom to leave").into());
    }
    let mut c = conn(state).await?;
    let conv = c
        .transaction(async |c| {
            let (conv, me) = access_conversation(c, user_id, conversation_id).await?;
            queries::lock_conversation(c, conversation_id).await?;
            let Some(them) = queries::member(c, conversation_id, target).await? else {
                return Err(ServiceError::from(UserError::not_found("userId", "member")));
            };
            let allowed = conv.kind == "room"
                && match me.role.as_str() {
                    "owner" => true,
                    "admin" => them.role == "member",
                    _ => false,
                };
            if !allowed {
                return Err(UserError::on_field(
                    "userId",
                    UserErrorCode::Forbidden,
                    "you cannot remove this member",
                )
                .into());
            }
            queries::delete_member(c, conversation_id, target).await?;
            let user = public_user(c, target).await?;
            append(c, conversation_id, &EventPayload::MemberLeft { user }).await?;
            Ok(conv)
        })
        .await?;
    state.hub.committed(conversation_id);
    Ok(conv)
}

/// Makes a member an admin or a plain member again. Only the owner may, and
/// not for themself (ownership moves only when the owner leaves).
pub async fn set_role(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
    target: i64,
    admin: bool,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    let (conv, changed) = c
        .transaction(async |c| {
            let (conv, me) = access_conversation(c, user_id, conversation_id).await?;
            queries::lock_conversation(c, conversation_id).await?;
            let Some(them) = queries::member(c, conversation_id, target).await? else {
                return Err(ServiceError::from(UserError::not_found("userId", "member")));
            };
            if me.role != "owner" || conv.kind != "room" || them.role == "owner" {
                return Err(UserError::on_field(
                    "userId",
                    UserErrorCode::Forbidden,
                    "only the owner can change roles",
                )
                .into());
            }
            let role = if admin { "admin" } else { "member" };
            if them.role == role {
                return Ok((conv, false));
            }
            queries::set_role(c, conversation_id, target, role).await?;
            let member = queries::member(c, conversation_id, target)
                .await?
                .ok_or_else(|| ServiceError::Internal("member vanished under lock".into()))?;
            let user = public_user(c, target).await?;
            append(c, conversation_id, &EventPayload::MemberRoleChanged { member, user }).await?;
            Ok((conv, true))
        })
        .await?;
    if changed {
        state.hub.committed(conversation_id);
    }
    Ok(conv)
}

/// Changes a room's name, topic or `pinsAdminOnly` (owners and admins). No
/// change at all writes no event.
pub async fn update_room(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: i64,
    name: Option<&str>,
    topic: Option<&str>,
    pins_admin_only: Option<bool>,
) -> ServiceResult<Conversation> {
    let user_id = require(viewer)?;
    let name = name.map(|n| validate::text("name", n, 64, false)).transpose()?;
    // An empty topic clears it.
    let topic = match topic.map(str::trim) {
        Some("") => Some(None),
        Some(t) => Some(Some(validate::text("topic", t, 250, false)?)),
        None => None,
    };
    let mut c = conn(state).await?;
    let (conv, changed) = c
        .transaction(async |c| {
            let (conv, me) = access_conversation(c, user_id, conversation_id).await?;
            queries::lock_conversation(c, conversation_id).await?;
            if conv.kind != "room" || !may_manage(&me.role) {
                return Err(UserError::on_field(
                    "conversationId",
                    UserErrorCode::Forbidden,
                    "only a room's owner or admins can change it",
                )
                .into());
            }
            let same = name.as_deref().is_none_or(|n| conv.name.as_deref() == Some(n))
                && topic.as_ref().is_none_or(|t| conv.topic.as_deref() == t.as_deref())
                && pins_admin_only.is_none_or(|p| p == conv.pins_admin_only);
            if same {
                return Ok((conv, false));
            }
            let updated = match queries::update_room(
                c,
                conversation_id,
                name.as_deref(),
                topic.as_ref().map(|t| t.as_deref()),
                pins_admin_only,
            )
            .await
            {
                Ok(u) => u,
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => {
                    return Err(UserError::on_field(
                        "name",
                        UserErrorCode::Taken,
                        "a room with this name exists",
                    )
                    .into())
                }
                Err(e) => return Err(e.into()),
            };
            append(c, conversation_id, &EventPayload::ConversationUpdated { conversation: updated.clone() })
                .await?;
            Ok::<_, ServiceError>((updated, true))
        })
        .await?;
    if changed {
        state.hub.committed(conversation_id);
    }
    Ok(conv)
}
