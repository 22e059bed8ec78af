//! The event log: every change a client can observe is one row of `events`,
//! written in the same transaction as the change itself.
//!
//! Why the cursor is gapless: a row's position is `(tx, id)` where `tx` is the
//! id of the transaction that wrote it. Readers only return rows whose `tx` is
//! below `pg_snapshot_xmin` of the reading statement's own snapshot, i.e. rows of
//! transactions that have all finished. A transaction that has not finished yet
//! has `tx >= xmin`, and any transaction that starts writing later gets a larger
//! id. So once a reader has seen position P, no row at or before P can ever
//! appear later: resuming "after P" misses nothing and repeats nothing, whatever
//! the number of concurrent writers. (A plain sequence would not do: ids are
//! taken before commit, and commits land out of id order.)

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{ConversationId, UserId};
use crate::schema::{events, members};

/// A position in the event log, ordered like the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPos {
    /// Writing transaction's id.
    pub tx: i64,
    /// Row id within the log.
    pub id: i64,
}

impl LogPos {
    /// Before every event.
    pub const START: LogPos = LogPos { tx: 0, id: 0 };
}

/// One committed event as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    /// Row id.
    pub id: i64,
    /// Writing transaction.
    pub tx: i64,
    /// Conversation the event belongs to.
    pub conversation_id: ConversationId,
    /// The typed event, as JSON (written once, read once per server instance).
    pub payload: serde_json::Value,
    /// Commit-ish time.
    pub created_at: DateTime<Utc>,
}

impl EventRow {
    /// This row's log position.
    pub fn pos(&self) -> LogPos {
        LogPos { tx: self.tx, id: self.id }
    }
}

/// Which conversations a read covers.
#[derive(Debug, Clone, Copy)]
pub enum LogFilter<'a> {
    /// Every conversation (the per-instance tailer).
    All,
    /// One conversation.
    Conversation(ConversationId),
    /// Every conversation this user is a member of now, and also the given
    /// ones: a stream that still follows a room the user has since left must
    /// replay that room up to (and including) the user's own `MemberLeft`.
    MemberOf(UserId, &'a [ConversationId]),
}

/// Appends an event to the log inside the caller's transaction.
pub async fn append(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(events::table)
        .values((events::conversation_id.eq(conversation_id), events::payload.eq(payload)))
        .execute(conn)
        .await
        .map(drop)
}

/// The head of the log: every position at or before it is final.
pub async fn head(conn: &mut AsyncPgConnection) -> QueryResult<LogPos> {
    let horizon: i64 = diesel::select(sql::<BigInt>("jeco_log_horizon()")).get_result(conn).await?;
    Ok(LogPos { tx: horizon - 1, id: i64::MAX })
}

/// Up to `limit` final events after `after`, in log order.
pub async fn read_after(
    conn: &mut AsyncPgConnection,
    after: LogPos,
    filter: LogFilter<'_>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let past_cursor = sql::<Bool>("(events.tx, events.id) > (")
        .bind::<BigInt, _>(after.tx)
        .sql(", ")
        .bind::<BigInt, _>(after.id)
        .sql(") AND events.tx < jeco_log_horizon()");
    let mut query = events::table
        .filter(past_cursor)
        .select(EventRow::as_select())
        .order((events::tx, events::id))
        .limit(limit)
        .into_boxed();
    match filter {
        LogFilter::All => {}
        LogFilter::Conversation(id) => query = query.filter(events::conversation_id.eq(id)),
        LogFilter::MemberOf(user_id, also) => {
            let member_of = events::conversation_id
                .eq_any(members::table.filter(members::user_id.eq(user_id)).select(members::conversation_id));
            query = query.filter(member_of.or(events::conversation_id.eq_any(also.to_vec())))
        }
    }
    query.load(conn).await
}
