//! Queries behind what people do with a sent message: edit, delete
//! (tombstone), reactions, pins and replies.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::models::Message;
use crate::schema::{messages, reactions};

/// A message, locked for the rest of the transaction (serialises concurrent
/// edits, deletes, pins and reactions of one message).
pub async fn lock_message(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Message>> {
    messages::table.find(id).for_update().select(Message::as_select()).first(conn).await.optional()
}

/// Replaces a message's text and stamps the edit.
pub async fn edit_message(conn: &mut AsyncPgConnection, id: i64, body: &str) -> QueryResult<Message> {
    diesel::update(messages::table.find(id))
        .set((messages::body.eq(body), messages::edited_at.eq(now)))
        .returning(Message::as_returning())
        .get_result(conn)
        .await
}

/// Turns a message into a tombstone: text, pin and reactions go; the row stays
/// so the timeline, replies and cursors keep their places.
pub async fn tombstone_message(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Message> {
    diesel::delete(reactions::table.filter(reactions::message_id.eq(id))).execute(conn).await?;
    diesel::update(messages::table.find(id))
        .set((
            messages::body.eq(None::<String>),
            messages::deleted_at.eq(now),
            messages::pinned_at.eq(None::<DateTime<Utc>>),
            messages::pinned_by.eq(None::<i64>),
        ))
        .returning(Message::as_returning())
        .get_result(conn)
        .await
}

/// Pins (`Some(user)`) or unpins (`None`) a message.
pub async fn set_pin(conn: &mut AsyncPgConnection, id: i64, by: Option<i64>) -> QueryResult<Message> {
    let at = by.map(|_| Utc::now());
    diesel::update(messages::table.find(id))
        .set((messages::pinned_at.eq(at), messages::pinned_by.eq(by)))
        .returning(Message::as_returning())
        .get_result(conn)
        .await
}

/// Pinned messages of the given conversations, newest pin first.
pub async fn pinned_in(conn: &mut AsyncPgConnection, conversation_ids: &[i64]) -> QueryResult<Vec<Message>> {
    messages::table
        .filter(messages::conversation_id.eq_any(conversation_ids))
        .filter(messages::pinned_at.is_not_null())
        .order((messages::conversation_id, messages::pinned_at.desc(), messages::id.desc()))
        .select(Message::as_select())
        .load(conn)
        .await
}

/// Adds a reaction; false when the user already reacted with this emoji.
pub async fn add_reaction(
    conn: &mut AsyncPgConnection,
    message_id: i64,
    user_id: i64,
    emoji: &str,
) -> QueryResult<bool> {
    diesel::insert_into(reactions::table)
        .values((
            reactions::message_id.eq(message_id),
            reactions::user_id.eq(user_id),
            reactions::emoji.eq(emoji),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n > 0)
}

/// Removes a reaction; false when there was none.
pub async fn remove_reaction(
    conn: &mut AsyncPgConnection,
    message_id: i64,
    user_id: i64,
    emoji: &str,
) -> QueryResult<bool> {
    diesel::delete(
        reactions::table
            .filter(reactions::message_id.eq(message_id))
            .filter(reactions::user_id.eq(user_id))
            .filter(reactions::emoji.eq(emoji)),
    )
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Reactions `(message id, emoji, user id)` on the given messages, oldest first.
pub async fn reactions_on(
    conn: &mut AsyncPgConnection,
    message_ids: &[i64],
) -> QueryResult<Vec<(i64, String, i64)>> {
    reactions::table
        .filter(reactions::message_id.eq_any(message_ids))
        .order((reactions::message_id, reactions::created_at, reactions::user_id))
        .select((reactions::message_id, reactions::emoji, reactions::user_id))
        .load(conn)
        .await
}
