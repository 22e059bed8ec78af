//! Creating rooms and changing their name, topic and settings.

use jeco_schema as db;
use jeco_schema::enums::{ConversationKind, Role, Visibility};
use jeco_schema::models::{Conversation, NewConversation};

use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{ConversationV1, EventPayload, MemberV1};
use crate::services::access::{lock_membership, public_user};
use crate::services::{require, validate};
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::ConversationId;

fn name_taken() -> ServiceError {
    UserError::on_field("name", UserErrorCode::Taken, "a room with this name exists").into()
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
    tx::write(&state.pool, &state.hub, async |tx| {
        let new = NewConversation {
            kind: ConversationKind::Room,
            name: Some(&name),
            topic: topic.as_deref(),
            visibility,
            created_by: Some(user_id),
            direct_key: None,
        };
        let Some(conv) = db::conversations::insert_conversation(tx, &new).await? else {
            return Err(name_taken());
        };
        let member = db::members::insert_member(tx, conv.id, user_id, Role::Owner)
            .await?
            .ok_or_else(|| ServiceError::Internal("new room already had its owner".into()))?;
        let user = public_user(tx, user_id).await?;
        tx.append(conv.id, &EventPayload::MemberJoined { member: MemberV1::from(&member), user }).await?;
        Ok(conv)
    })
    .await
}

/// Changes a room's name, topic or `pinsAdminOnly` (owners and admins). No
/// change at all writes no event.
pub async fn update_room(
    state: &AppState,
    viewer: Option<Viewer>,
    conversation_id: ConversationId,
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
    tx::write(&state.pool, &state.hub, async |tx| {
        // The role is read after the row lock (see `lock_membership`).
        let (conv, me) = lock_membership(tx, user_id, conversation_id).await?;
        if conv.kind != ConversationKind::Room || !me.role.moderates() {
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
            return Ok(conv);
        }
        let updated = match db::conversations::update_room(
            tx,
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
            )) => return Err(name_taken()),
            Err(e) => return Err(e.into()),
        };
        let conversation = ConversationV1::from(&updated);
        tx.append(conversation_id, &EventPayload::ConversationUpdated { conversation }).await?;
        Ok(updated)
    })
    .await
}
