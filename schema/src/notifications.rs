//! Queries of `notifications`: creating them for a message, the inbox pages,
//! the gapless stream after a position, marking read.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::enums::NotificationKind;
use crate::ids::{NotificationId, UserId};
use crate::models::{Message, Notification};
use crate::paging::keyset;
use crate::schema::notifications;

/// Creates notifications of one kind for a message.
pub async fn insert_notifications(
    conn: &mut AsyncPgConnection,
    recipients: &[UserId],
    kind: NotificationKind,
    message: &Message,
) -> QueryResult<()> {
    let rows: Vec<_> = recipients
        .iter()
        .map(|r| {
            (
                notifications::user_id.eq(*r),
                notifications::kind.eq(kind),
                notifications::conversation_id.eq(message.conversation_id),
                notifications::message_id.eq(message.id),
                notifications::actor_id.eq(message.sender_id),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(notifications::table).values(rows).execute(conn).await.map(drop)
}

/// A user's notifications, newest first, before the keyset `(tx, id)`.
pub async fn notifications_of(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    unread_only: bool,
    before: Option<(i64, i64)>,
    limit: i64,
) -> QueryResult<Vec<Notification>> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(Notification::as_select())
        .order((notifications::tx.desc(), notifications::id.desc()))
        .limit(limit)
        .into_boxed();
    if unread_only {
        q = q.filter(notifications::read_at.is_null());
    }
    if let Some((tx, id)) = before {
        q = q.filter(keyset::<_, BigInt>("notifications.tx, notifications.id", "<", tx, id));
    }
    q.load(conn).await
}

/// Final notifications of a user after `(tx, id)`, oldest first (gapless, as
/// the event log: only transactions below the horizon).
pub async fn notifications_after(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    after: (i64, i64),
    limit: i64,
) -> QueryResult<Vec<Notification>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(
            sql::<Bool>("(notifications.tx, notifications.id) > (")
                .bind::<BigInt, _>(after.0)
                .sql(", ")
                .bind::<BigInt, _>(after.1)
                .sql(") AND notifications.tx < jeco_log_horizon()"),
        )
        .select(Notification::as_select())
        .order((notifications::tx, notifications::id))
        .limit(limit)
        .load(conn)
        .await
}

/// Marks notifications read (all of the user's, or the given ones); returns how many changed.
pub async fn mark_notifications_read(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    ids: Option<&[NotificationId]>,
) -> QueryResult<usize> {
    let base = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .into_boxed();
    let target = match ids {
        Some(ids) => base.filter(notifications::id.eq_any(ids.to_vec())),
        None => base,
    };
    diesel::update(notifications::table)
        .filter(notifications::id.eq_any(target.select(notifications::id)))
        .set(notifications::read_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
}

/// How many unread notifications a user has.
pub async fn unread_notification_count(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
        .await
}
