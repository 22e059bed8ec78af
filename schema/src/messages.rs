//! Queries of `messages`: sending (idempotent by client id), the timeline, and
//! what people do with a sent message: edit, delete (tombstone) and pin.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{ConversationId, MessageId, UserId};
use crate::models::{Message, NewMessage, User};
use crate::paging::{keyset, Direction};
use crate::schema::{messages, reactions, users};

/// Inserts a message unless the sender already used this client id; `None` then.
pub async fn insert_message(
    conn: &mut AsyncPgConnection,
    new: &NewMessage<'_>,
) -> QueryResult<Option<Message>> {
    diesel::insert_into(messages::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Message::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The message a sender stored under a client id.
pub async fn message_by_client_id(
    conn: &mut AsyncPgConnection,
    sender_id: UserId,
    client_id: &str,
) -> QueryResult<Option<Message>> {
    messages::table
        .filter(messages::sender_id.eq(sender_id))
        .filter(messages::client_id.eq(client_id))
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()
}

/// Loads messages by id.
pub async fn messages_by_ids(conn: &mut AsyncPgConnection, ids: &[MessageId]) -> QueryResult<Vec<Message>> {
    messages::table.filter(messages::id.eq_any(ids)).select(Message::as_select()).load(conn).await
}

/// Messages by id, each with its sender (one query for a page's reply targets).
pub async fn messages_with_senders_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[MessageId],
) -> QueryResult<Vec<(Message, User)>> {
    messages::table
        .inner_join(users::table.on(users::id.eq(messages::sender_id)))
        .filter(messages::id.eq_any(ids))
        .select((Message::as_select(), User::as_select()))
        .load(conn)
        .await
}

/// A page of a conversation's timeline in log order `(tx, id)`, each message
/// with its sender (one query: a page never loads senders row by row).
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    key: Option<(i64, i64)>,
    direction: Direction,
    limit: i64,
) -> QueryResult<Vec<(Message, User)>> {
    let mut q = messages::table
        .inner_join(users::table.on(users::id.eq(messages::sender_id)))
        .filter(messages::conversation_id.eq(conversation_id))
        .select((Message::as_select(), User::as_select()))
        .limit(limit)
        .into_boxed();
    let op = match direction {
        Direction::Forward => {
            q = q.order((messages::tx, messages::id));
            ">"
        }
        Direction::Backward => {
            q = q.order((messages::tx.desc(), messages::id.desc()));
            "<"
        }
    };
    if let Some((tx, id)) = key {
        q = q.filter(keyset::<_, BigInt>("messages.tx, messages.id", op, tx, id));
    }
    q.load(conn).await
}

/// The newest message of each given conversation.
pub async fn last_messages(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[ConversationId],
) -> QueryResult<Vec<Message>> {
    messages::table
        .filter(messages::conversation_id.eq_any(conversation_ids))
        .distinct_on(messages::conversation_id)
        .order((messages::conversation_id, messages::tx.desc(), messages::id.desc()))
        .select(Message::as_select())
        .load(conn)
        .await
}

/// A message, locked for the rest of the transaction (serialises concurrent
/// edits, deletes, pins and reactions of one message).
pub async fn lock_message(conn: &mut AsyncPgConnection, id: MessageId) -> QueryResult<Option<Message>> {
    messages::table.find(id).for_update().select(Message::as_select()).first(conn).await.optional()
}

/// Replaces a message's text and stamps the edit.
pub async fn edit_message(conn: &mut AsyncPgConnection, id: MessageId, body: &str) -> QueryResult<Message> {
    diesel::update(messages::table.find(id))
        .set((messages::body.eq(body), messages::edited_at.eq(now)))
        .returning(Message::as_returning())
        .get_result(conn)
        .await
}

/// Turns a message into a tombstone: text, pin and reactions go; the row stays
/// so the timeline, replies and cursors keep their places.
pub async fn tombstone_message(conn: &mut AsyncPgConnection, id: MessageId) -> QueryResult<Message> {
    diesel::delete(reactions::table.filter(reactions::message_id.eq(id))).execute(conn).await?;
    diesel::update(messages::table.find(id))
        .set((
            messages::body.eq(None::<String>),
            messages::deleted_at.eq(now),
            messages::pinned_at.eq(None::<DateTime<Utc>>),
            messages::pinned_by.eq(None::<UserId>),
        ))
        .returning(Message::as_returning())
        .get_result(conn)
        .await
}

/// Pins (`Some(user)`) or unpins (`None`) a message.
pub async fn set_pin(
    conn: &mut AsyncPgConnection,
    id: MessageId,
    by: Option<UserId>,
) -> QueryResult<Message> {
    let at = by.map(|_| Utc::now());
    diesel::update(messages::table.find(id))
        .set((messages::pinned_at.eq(at), messages::pinned_by.eq(by)))
        .returning(Message::as_returning())
        .get_result(conn)
        .await
}

/// Pinned messages of the given conversations with their senders, newest pin first.
pub async fn pinned_in(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[ConversationId],
) -> QueryResult<Vec<(Message, User)>> {
    messages::table
        .inner_join(users::table.on(users::id.eq(messages::sender_id)))
        .filter(messages::conversation_id.eq_any(conversation_ids))
        .filter(messages::pinned_at.is_not_null())
        .order((messages::conversation_id, messages::pinned_at.desc(), messages::id.desc()))
        .select((Message::as_select(), User::as_select()))
        .load(conn)
        .await
}
