//! Named access checks and the public-user mapping, shared by every service
//! (and the GraphQL reads): a conversation or message the viewer may not see is
//! the same `NOT_FOUND` a stranger gets for an id that does not exist.

use diesel_async::AsyncPgConnection;
use jeco_schema as db;
use jeco_schema::enums::{ConversationKind, Visibility};
use jeco_schema::models::{Conversation, Member, Message};

use crate::error::{ServiceError, ServiceResult, UserError};
use crate::events::PublicUser;
use jeco_schema::ids::{ConversationId, MessageId, UserId};

/// The conversation if `user_id` is a member, else the same `NOT_FOUND` a
/// stranger gets for an id that does not exist.
pub async fn access_conversation(
    c: &mut AsyncPgConnection,
    user_id: UserId,
    conversation_id: ConversationId,
) -> ServiceResult<(Conversation, Member)> {
    db::members::membership_with_conversation(c, conversation_id, user_id)
        .await?
        .ok_or_else(|| UserError::not_found("conversationId", "conversation").into())
}

/// Visible without membership: public rooms only.
pub async fn visible_conversation(
    c: &mut AsyncPgConnection,
    user_id: Option<UserId>,
    conversation_id: ConversationId,
) -> ServiceResult<Option<Conversation>> {
    let Some(conv) = db::conversations::conversations_by_ids(c, &[conversation_id]).await?.into_iter().next()
    else {
        return Ok(None);
    };
    if conv.visibility == Visibility::Public && conv.kind == ConversationKind::Room {
        return Ok(Some(conv));
    }
    match user_id {
        Some(u) if db::members::member(c, conversation_id, u).await?.is_some() => Ok(Some(conv)),
        _ => Ok(None),
    }
}

/// The message, locked for the caller's transaction, with its conversation and
/// the viewer's membership; a message in a conversation the viewer is not in
/// is `NOT_FOUND`, like one that does not exist.
pub async fn access_message(
    c: &mut AsyncPgConnection,
    user_id: UserId,
    message_id: MessageId,
) -> ServiceResult<(Message, Conversation, Member)> {
    let not_found = || ServiceError::from(UserError::not_found("messageId", "message"));
    let message = db::messages::lock_message(c, message_id).await?.ok_or_else(not_found)?;
    let (conv, me) =
        access_conversation(c, user_id, message.conversation_id).await.map_err(|_| not_found())?;
    Ok((message, conv, me))
}

/// Like [`access_conversation`], for moderation: the conversation row is
/// locked (`FOR UPDATE`) first and the viewer's membership and role are read
/// after the lock, in the caller's transaction. Role changes take the same
/// lock, so an admin demoted by a transaction that committed first is seen
/// as demoted here, never acting on a role read before the lock.
pub async fn lock_membership(
    c: &mut AsyncPgConnection,
    user_id: UserId,
    conversation_id: ConversationId,
) -> ServiceResult<(Conversation, Member)> {
    let conversation = db::conversations::lock_conversation(c, conversation_id).await?;
    let member = match &conversation {
        Some(_) => db::members::member(c, conversation_id, user_id).await?,
        None => None,
    };
    match (conversation, member) {
        (Some(conv), Some(m)) => Ok((conv, m)),
        _ => Err(UserError::not_found("conversationId", "conversation").into()),
    }
}

/// Like [`access_message`], for moderation (deleting others' messages,
/// admins-only pins): locks the conversation, then the message, and reads the
/// viewer's role after both locks (see [`lock_membership`]). The lock order
/// (conversation before message) is the one every moderation path takes.
pub async fn moderate_message(
    c: &mut AsyncPgConnection,
    user_id: UserId,
    message_id: MessageId,
) -> ServiceResult<(Message, Conversation, Member)> {
    let not_found = || ServiceError::from(UserError::not_found("messageId", "message"));
    let peek =
        db::messages::messages_by_ids(c, &[message_id]).await?.into_iter().next().ok_or_else(not_found)?;
    let (conv, me) = lock_membership(c, user_id, peek.conversation_id).await.map_err(|_| not_found())?;
    let message = db::messages::lock_message(c, message_id).await?.ok_or_else(not_found)?;
    Ok((message, conv, me))
}

/// A user's public face (as events carry it); a missing row is internal, since
/// callers only ask for users they just saw.
pub async fn public_user(c: &mut AsyncPgConnection, user_id: UserId) -> ServiceResult<PublicUser> {
    db::users::users_by_ids(c, &[user_id])
        .await?
        .first()
        .map(PublicUser::from)
        .ok_or_else(|| ServiceError::Internal(format!("user {user_id} vanished")))
}
