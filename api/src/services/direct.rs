//! Direct conversations: exactly one per pair of users.

use jeco_schema as db;
use jeco_schema::enums::{ConversationKind, Role, Visibility};
use jeco_schema::models::{Conversation, NewConversation};

use super::{conn, writer};
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{EventPayload, MemberV1, PublicUser};
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::UserId;

/// The pair key: the same whoever opens it.
pub fn direct_key(a: UserId, b: UserId) -> String {
    format!("{}:{}", a.min(b), a.max(b))
}

fn refused() -> ServiceError {
    UserError::on_field("userId", UserErrorCode::Forbidden, "this user does not accept your messages").into()
}

/// Opens (or returns) the direct conversation between the viewer and `other`.
/// Concurrent opens from both sides meet on one conversation.
pub async fn open(state: &AppState, viewer: Option<Viewer>, other: UserId) -> ServiceResult<Conversation> {
    let me = writer(state, viewer)?;
    if other == me {
        return Err(
            UserError::on_field("userId", UserErrorCode::Invalid, "you cannot message yourself").into()
        );
    }
    let key = direct_key(me, other);
    let mut c = conn(state).await?;
    let users = db::users::users_by_ids(&mut c, &[me, other]).await?;
    let (Some(me_row), Some(other_row)) =
        (users.iter().find(|u| u.id == me), users.iter().find(|u| u.id == other))
    else {
        return Err(UserError::not_found("userId", "user").into());
    };
    if db::contacts::is_blocked(&mut c, other, me).await? {
        return Err(refused());
    }
    if let Some(existing) = db::conversations::direct_conversation(&mut c, &key).await? {
        return Ok(existing);
    }
    // A deleted account keeps its old conversations readable, but no new ones.
    if other_row.deleted_at.is_some() {
        return Err(UserError::not_found("userId", "user").into());
    }
    let (me_user, other_user) = (PublicUser::from(me_row), PublicUser::from(other_row));
    tx::write_on(&mut c, &state.hub, async |tx| {
        let new = NewConversation {
            kind: ConversationKind::Direct,
            name: None,
            topic: None,
            visibility: Visibility::Private,
            created_by: Some(me),
            direct_key: Some(&key),
        };
        let Some(conv) = db::conversations::insert_conversation(tx, &new).await? else {
            // The other side opened it at the same moment.
            return db::conversations::direct_conversation(tx, &key)
                .await?
                .ok_or_else(|| ServiceError::Internal("direct key conflict without a row".into()));
        };
        for user in [&me_user, &other_user] {
            let member = db::members::insert_member(tx, conv.id, user.id, Role::Member)
                .await?
                .ok_or_else(|| ServiceError::Internal("new conversation had members".into()))?;
            let member = MemberV1::from(&member);
            tx.append(conv.id, &EventPayload::MemberJoined { member, user: user.clone() }).await?;
        }
        Ok(conv)
    })
    .await
}

/// `FORBIDDEN` when a member of this direct conversation blocked the sender.
pub async fn check_not_blocked(
    c: &mut diesel_async::AsyncPgConnection,
    conversation: &Conversation,
    sender: UserId,
) -> ServiceResult<()> {
    if conversation.kind != ConversationKind::Direct {
        return Ok(());
    }
    if !db::contacts::blocked_by_members(c, conversation.id, sender).await?.is_empty() {
        return Err(refused());
    }
    // Nobody would read a message to a deleted account.
    if db::members::has_deleted_member(c, conversation.id, sender).await? {
        return Err(UserError::on_field(
            "conversationId",
            UserErrorCode::Forbidden,
            "this account was deleted; it cannot receive messages",
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_symmetric() {
        assert_eq!(direct_key(UserId(7), UserId(3)), "3:7");
        assert_eq!(direct_key(UserId(3), UserId(7)), "3:7");
    }
}
