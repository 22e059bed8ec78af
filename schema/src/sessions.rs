//! Queries of login sessions (refresh-token rotation) and of failed logins
//! (`login_failures`, the per-address lock-out).

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{SessionId, UserId};
use crate::models::{NewSession, Session};
use crate::schema::{login_failures, sessions};

/// Inserts a session.
pub async fn insert_session(conn: &mut AsyncPgConnection, new: NewSession) -> QueryResult<Session> {
    diesel::insert_into(sessions::table).values(new).returning(Session::as_returning()).get_result(conn).await
}

/// Loads a session by id.
pub async fn session(conn: &mut AsyncPgConnection, id: SessionId) -> QueryResult<Option<Session>> {
    sessions::table.find(id).select(Session::as_select()).first(conn).await.optional()
}

/// Loads the sessions with these ids (unknown ids are left out), in one statement.
pub async fn sessions_by_ids(conn: &mut AsyncPgConnection, ids: &[SessionId]) -> QueryResult<Vec<Session>> {
    sessions::table.filter(sessions::id.eq_any(ids)).select(Session::as_select()).load(conn).await
}

/// Loads a session by the public handle of its refresh token.
pub async fn session_by_handle(conn: &mut AsyncPgConnection, handle: &str) -> QueryResult<Option<Session>> {
    sessions::table
        .filter(sessions::handle.eq(handle))
        .select(Session::as_select())
        .first(conn)
        .await
        .optional()
}

/// Swaps the refresh secret if `old_hash` is still current, keeping it as the
/// previous one (so its replay is recognised as reuse); `false` when another
/// refresh won the race or the session is revoked.
pub async fn rotate_session(
    conn: &mut AsyncPgConnection,
    id: SessionId,
    old_hash: &[u8],
    new_hash: &[u8],
) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::secret_hash.eq(old_hash))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::previous_secret_hash.eq(old_hash),
        sessions::secret_hash.eq(new_hash),
        sessions::generation.eq(sessions::generation + 1),
        sessions::last_used_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Revokes a session (idempotent).
pub async fn revoke_session(conn: &mut AsyncPgConnection, id: SessionId) -> QueryResult<()> {
    diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// Revokes every open session of a user but `keep`; the revoked ids.
pub async fn revoke_sessions(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    keep: Option<SessionId>,
) -> QueryResult<Vec<SessionId>> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep.unwrap_or(SessionId(0)))),
    )
    .set(sessions::revoked_at.eq(now))
    .returning(sessions::id)
    .get_results(conn)
    .await
}

/// The lock-out end for (user, ip), if locked now.
pub async fn locked_until(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    ip: &str,
) -> QueryResult<Option<DateTime<Utc>>> {
    let until: Option<Option<DateTime<Utc>>> = login_failures::table
        .find((user_id, ip))
        .select(login_failures::locked_until)
        .first(conn)
        .await
        .optional()?;
    Ok(until.flatten().filter(|t| *t > Utc::now()))
}

/// Counts a failed login in the current window; locks (user, ip) for
/// `lock_secs` once `max_failures` is reached. Returns the failures so far.
pub async fn record_login_failure(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    ip: &str,
    window_secs: i64,
    max_failures: i32,
    lock_secs: i64,
) -> QueryResult<i32> {
    // One statement, so concurrent failures from one address cannot undercount.
    diesel::sql_query(
        "INSERT INTO login_failures AS f (user_id, ip, failures, window_start)
         VALUES ($1, $2, 1, now())
         ON CONFLICT (user_id, ip) DO UPDATE SET
           failures = CASE WHEN f.window_start < now() - make_interval(secs => $3)
                           THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start < now() - make_interval(secs => $3)
                               THEN now() ELSE f.window_start END,
           locked_until = CASE WHEN f.window_start >= now() - make_interval(secs => $3)
                                AND f.failures + 1 >= $4
                               THEN now() + make_interval(secs => $5) ELSE f.locked_until END
         RETURNING failures",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<Text, _>(ip)
    .bind::<diesel::sql_types::Double, _>(window_secs as f64)
    .bind::<diesel::sql_types::Integer, _>(max_failures)
    .bind::<diesel::sql_types::Double, _>(lock_secs as f64)
    .get_result::<FailureCount>(conn)
    .await
    .map(|r| r.failures)
}

#[derive(QueryableByName)]
struct FailureCount {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    failures: i32,
}

/// Forgets failed logins of (user, ip) after a success.
pub async fn clear_login_failures(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    ip: &str,
) -> QueryResult<()> {
    diesel::delete(login_failures::table.find((user_id, ip))).execute(conn).await.map(drop)
}
