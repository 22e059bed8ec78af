//! Queries of `reactions`: one row per (message, user, emoji).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{MessageId, UserId};
use crate::models::User;
use crate::schema::{reactions, users};

/// Adds a reaction; false when the user already reacted with this emoji.
pub async fn add_reaction(
    conn: &mut AsyncPgConnection,
    message_id: MessageId,
    user_id: UserId,
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
    message_id: MessageId,
    user_id: UserId,
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
    message_ids: &[MessageId],
) -> QueryResult<Vec<(MessageId, String, UserId)>> {
    reactions::table
        .filter(reactions::message_id.eq_any(message_ids))
        .order((reactions::message_id, reactions::created_at, reactions::user_id))
        .select((reactions::message_id, reactions::emoji, reactions::user_id))
        .load(conn)
        .await
}

/// Reactions on the given messages with each reactor's row, in the same order
/// as [`reactions_on`] (one query: a page's reactions need no user loads).
pub async fn reactions_with_users_on(
    conn: &mut AsyncPgConnection,
    message_ids: &[MessageId],
) -> QueryResult<Vec<(MessageId, String, User)>> {
    reactions::table
        .inner_join(users::table.on(users::id.eq(reactions::user_id)))
        .filter(reactions::message_id.eq_any(message_ids))
        .order((reactions::message_id, reactions::created_at, reactions::user_id))
        .select((reactions::message_id, reactions::emoji, User::as_select()))
        .load(conn)
        .await
}
