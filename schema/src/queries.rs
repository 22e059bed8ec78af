//! Named queries. Pagination is keyset-based: callers pass the last seen key
//! and a limit, and get rows in a stable order.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, sql};
use diesel::expression::{AsExpression, SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::models::*;
use crate::schema::{
    blocks, contacts, conversations, login_failures, members, messages, notifications, read_positions,
    sessions, users,
};

/// Loads users by id.
pub async fn users_by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<User>> {
    users::table.filter(users::id.eq_any(ids)).select(User::as_select()).load(conn).await
}

/// Finds a user by username or email, case-insensitively.
pub async fn user_by_login(conn: &mut AsyncPgConnection, login: &str) -> QueryResult<Option<User>> {
    let lower = login.to_lowercase();
    users::table
        .filter(
            sql::<Bool>("lower(users.username) = ")
                .bind::<Text, _>(lower.clone())
                .sql(" OR lower(users.email) = ")
                .bind::<Text, _>(lower),
        )
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Finds a user by username, case-insensitively.
pub async fn user_by_username(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(sql::<Bool>("lower(users.username) = ").bind::<Text, _>(username.to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Inserts a user; `None` when the username or email is taken.
pub async fn insert_user(conn: &mut AsyncPgConnection, new: &NewUser<'_>) -> QueryResult<Option<User>> {
    diesel::insert_into(users::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Inserts a session.
pub async fn insert_session(conn: &mut AsyncPgConnection, new: NewSession) -> QueryResult<Session> {
    diesel::insert_into(sessions::table).values(new).returning(Session::as_returning()).get_result(conn).await
}

/// Loads a session by id.
pub async fn session(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Session>> {
    sessions::table.find(id).select(Session::as_select()).first(conn).await.optional()
}

/// Swaps the refresh secret if `old_hash` is still current; `false` when another
/// refresh won the race or the session is revoked.
pub async fn rotate_session(
    conn: &mut AsyncPgConnection,
    id: i64,
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
        sessions::secret_hash.eq(new_hash),
        sessions::generation.eq(sessions::generation + 1),
        sessions::last_used_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Revokes a session (idempotent).
pub async fn revoke_session(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// The lock-out end for (user, ip), if locked now.
pub async fn locked_until(
    conn: &mut AsyncPgConnection,
    user_id: i64,
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
    user_id: i64,
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
pub async fn clear_login_failures(conn: &mut AsyncPgConnection, user_id: i64, ip: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.find((user_id, ip))).execute(conn).await.map(drop)
}

/// Inserts a conversation; `None` when a room of that name exists.
pub async fn insert_conversation(
    conn: &mut AsyncPgConnection,
    new: &NewConversation<'_>,
) -> QueryResult<Option<Conversation>> {
    diesel::insert_into(conversations::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Loads conversations by id.
pub async fn conversations_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<Conversation>> {
    conversations::table
        .filter(conversations::id.eq_any(ids))
        .select(Conversation::as_select())
        .load(conn)
        .await
}

/// Locks a conversation row for the rest of the transaction (serializes joins,
/// leaves and role changes of one conversation).
pub async fn lock_conversation(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Conversation>> {
    conversations::table.find(id).select(Conversation::as_select()).for_update().first(conn).await.optional()
}

/// Marks new activity (orders the conversation list).
pub async fn touch_conversation(conn: &mut AsyncPgConnection, id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(conversations::table.find(id))
        .set(conversations::last_activity_at.eq(at))
        .execute(conn)
        .await
        .map(drop)
}

/// The user's conversations, most recent activity first, after the keyset
/// `(last_activity_at, id)`.
pub async fn conversations_of(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<Conversation>> {
    let mut q = conversations::table
        .inner_join(members::table)
        .filter(members::user_id.eq(user_id))
        .select(Conversation::as_select())
        .order((conversations::last_activity_at.desc(), conversations::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(keyset::<_, Timestamptz>(
            "conversations.last_activity_at, conversations.id",
            "<",
            at,
            id,
        ));
    }
    q.load(conn).await
}

/// Public rooms by name, optionally filtered by a substring, after the keyset
/// `(lower(name), id)`.
pub async fn public_rooms(
    conn: &mut AsyncPgConnection,
    search: Option<&str>,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<Conversation>> {
    let mut q = conversations::table
        .filter(conversations::visibility.eq("public"))
        .filter(conversations::kind.eq("room"))
        .select(Conversation::as_select())
        .order((sql::<Text>("lower(conversations.name)"), conversations::id))
        .limit(limit)
        .into_boxed();
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&s.to_lowercase()));
        q = q.filter(sql::<Bool>("lower(conversations.name) LIKE ").bind::<Text, _>(pattern));
    }
    if let Some((name, id)) = after {
        q = q.filter(keyset::<_, Text>("lower(conversations.name), conversations.id", ">", name, id));
    }
    q.load(conn).await
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A keyset condition `(<columns>) <op> (key, id)`: the one shape every
/// paginated query here uses to continue after (or before) a cursor.
type Keyset<K, KT> = SqlLiteral<
    Bool,
    UncheckedBind<
        SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, <K as AsExpression<KT>>::Expression>>,
        <i64 as AsExpression<BigInt>>::Expression,
    >,
>;

fn keyset<K, KT>(columns: &str, op: &str, key: K, id: i64) -> Keyset<K, KT>
where
    KT: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType,
    K: AsExpression<KT>,
{
    sql::<Bool>(&format!("({columns}) {op} (")).bind::<KT, K>(key).sql(", ").bind::<BigInt, i64>(id).sql(")")
}

/// Adds a member; `None` when already a member.
pub async fn insert_member(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    user_id: i64,
    role: &str,
) -> QueryResult<Option<Member>> {
    diesel::insert_into(members::table)
        .values((
            members::conversation_id.eq(conversation_id),
            members::user_id.eq(user_id),
            members::role.eq(role),
        ))
        .on_conflict_do_nothing()
        .returning(Member::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Removes a member; the removed row, if there was one.
pub async fn delete_member(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    user_id: i64,
) -> QueryResult<Option<Member>> {
    diesel::delete(members::table.find((conversation_id, user_id)))
        .returning(Member::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Changes a member's role.
pub async fn set_role(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    user_id: i64,
    role: &str,
) -> QueryResult<()> {
    diesel::update(members::table.find((conversation_id, user_id)))
        .set(members::role.eq(role))
        .execute(conn)
        .await
        .map(drop)
}

/// One membership.
pub async fn member(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    user_id: i64,
) -> QueryResult<Option<Member>> {
    members::table.find((conversation_id, user_id)).select(Member::as_select()).first(conn).await.optional()
}

/// Memberships of one user in the given conversations.
pub async fn memberships_of(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    conversation_ids: &[i64],
) -> QueryResult<Vec<Member>> {
    members::table
        .filter(members::user_id.eq(user_id))
        .filter(members::conversation_id.eq_any(conversation_ids))
        .select(Member::as_select())
        .load(conn)
        .await
}

/// Ids of every conversation the user belongs to.
pub async fn conversation_ids_of(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<Vec<i64>> {
    members::table.filter(members::user_id.eq(user_id)).select(members::conversation_id).load(conn).await
}

/// Members of a conversation ordered by join time, after the keyset `(joined_at, user_id)`.
pub async fn members_of(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut q = members::table
        .filter(members::conversation_id.eq(conversation_id))
        .select(Member::as_select())
        .order((members::joined_at, members::user_id))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(keyset::<_, Timestamptz>("members.joined_at, members.user_id", ">", at, id));
    }
    q.load(conn).await
}

/// Member counts of the given conversations.
pub async fn member_counts(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[i64],
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = members::table
        .filter(members::conversation_id.eq_any(conversation_ids))
        .group_by(members::conversation_id)
        .select((members::conversation_id, count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

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
    sender_id: i64,
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
pub async fn messages_by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<Message>> {
    messages::table.filter(messages::id.eq_any(ids)).select(Message::as_select()).load(conn).await
}

/// Which way a timeline page goes.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// Oldest first, after the key.
    Forward,
    /// Newest first, before the key (callers reverse for display).
    Backward,
}

/// A page of a conversation's timeline in log order `(tx, id)`, each message
/// with its sender (one query: a page never loads senders row by row).
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
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
    conversation_ids: &[i64],
) -> QueryResult<Vec<Message>> {
    messages::table
        .filter(messages::conversation_id.eq_any(conversation_ids))
        .distinct_on(messages::conversation_id)
        .order((messages::conversation_id, messages::tx.desc(), messages::id.desc()))
        .select(Message::as_select())
        .load(conn)
        .await
}

/// The direct conversation of a pair, if it exists.
pub async fn direct_conversation(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Option<Conversation>> {
    conversations::table
        .filter(conversations::direct_key.eq(key))
        .select(Conversation::as_select())
        .first(conn)
        .await
        .optional()
}

/// Whether `blocker` blocked `blocked`.
pub async fn is_blocked(conn: &mut AsyncPgConnection, blocker: i64, blocked: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(blocks::table.find((blocker, blocked)))).get_result(conn).await
}

/// Other members of a conversation who blocked `user_id`.
pub async fn blocked_by_members(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    user_id: i64,
) -> QueryResult<Vec<i64>> {
    blocks::table
        .inner_join(members::table.on(members::user_id.eq(blocks::blocker_id)))
        .filter(members::conversation_id.eq(conversation_id))
        .filter(blocks::blocked_id.eq(user_id))
        .select(blocks::blocker_id)
        .load(conn)
        .await
}

/// Whether another member of the conversation deleted their account.
pub async fn has_deleted_member(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    except: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        members::table
            .inner_join(users::table.on(users::id.eq(members::user_id)))
            .filter(members::conversation_id.eq(conversation_id))
            .filter(members::user_id.ne(except))
            .filter(users::deleted_at.is_not_null()),
    ))
    .get_result(conn)
    .await
}

/// Adds a contact (no-op if present).
pub async fn add_contact(conn: &mut AsyncPgConnection, owner: i64, contact: i64) -> QueryResult<()> {
    diesel::insert_into(contacts::table)
        .values((contacts::owner_id.eq(owner), contacts::contact_id.eq(contact)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Removes a contact (no-op if absent).
pub async fn remove_contact(conn: &mut AsyncPgConnection, owner: i64, contact: i64) -> QueryResult<()> {
    diesel::delete(contacts::table.find((owner, contact))).execute(conn).await.map(drop)
}

/// Blocks a user (no-op if already blocked).
pub async fn block(conn: &mut AsyncPgConnection, blocker: i64, blocked: i64) -> QueryResult<()> {
    diesel::insert_into(blocks::table)
        .values((blocks::blocker_id.eq(blocker), blocks::blocked_id.eq(blocked)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Unblocks a user (no-op if not blocked).
pub async fn unblock(conn: &mut AsyncPgConnection, blocker: i64, blocked: i64) -> QueryResult<()> {
    diesel::delete(blocks::table.find((blocker, blocked))).execute(conn).await.map(drop)
}

/// The user's contacts by username, after the keyset `(lower(username), id)`.
pub async fn contacts_of(
    conn: &mut AsyncPgConnection,
    owner: i64,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut q = users::table
        .inner_join(contacts::table.on(contacts::contact_id.eq(users::id)))
        .filter(contacts::owner_id.eq(owner))
        .select(User::as_select())
        .order((sql::<Text>("lower(users.username)"), users::id))
        .limit(limit)
        .into_boxed();
    if let Some((name, id)) = after {
        q = q.filter(keyset::<_, Text>("lower(users.username), users.id", ">", name, id));
    }
    q.load(conn).await
}

/// Users whose username or display name contains `search` (case-insensitive),
/// by username, after the keyset `(lower(username), id)`.
pub async fn search_users(
    conn: &mut AsyncPgConnection,
    search: &str,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let pattern = format!("%{}%", escape_like(&search.trim().to_lowercase()));
    let mut q = users::table
        .filter(
            sql::<Bool>("(lower(users.username) LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR lower(users.display_name) LIKE ")
                .bind::<Text, _>(pattern)
                .sql(")"),
        )
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .order((sql::<Text>("lower(users.username)"), users::id))
        .limit(limit)
        .into_boxed();
    if let Some((name, id)) = after {
        q = q.filter(keyset::<_, Text>("lower(users.username), users.id", ">", name, id));
    }
    q.load(conn).await
}

/// Of `ids`, the users `owner` has as contacts and those `owner` blocked.
pub async fn relations_of(
    conn: &mut AsyncPgConnection,
    owner: i64,
    ids: &[i64],
) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    let contacts = contacts::table
        .filter(contacts::owner_id.eq(owner))
        .filter(contacts::contact_id.eq_any(ids))
        .select(contacts::contact_id)
        .load(conn)
        .await?;
    let blocked = blocks::table
        .filter(blocks::blocker_id.eq(owner))
        .filter(blocks::blocked_id.eq_any(ids))
        .select(blocks::blocked_id)
        .load(conn)
        .await?;
    Ok((contacts, blocked))
}

/// The other member of each given direct conversation (for names and avatars).
pub async fn direct_peers(
    conn: &mut AsyncPgConnection,
    viewer: i64,
    conversation_ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    members::table
        .filter(members::conversation_id.eq_any(conversation_ids))
        .filter(members::user_id.ne(viewer))
        .select((members::conversation_id, members::user_id))
        .load(conn)
        .await
}

/// Moves a reader's position forward to `message` (never backwards); the new
/// position when it moved.
pub async fn advance_read_position(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    message: &Message,
) -> QueryResult<Option<ReadPosition>> {
    diesel::sql_query(
        "INSERT INTO read_positions AS r (conversation_id, user_id, message_id, tx)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation_id, user_id) DO UPDATE
           SET message_id = EXCLUDED.message_id, tx = EXCLUDED.tx, updated_at = now()
           WHERE (r.tx, r.message_id) < (EXCLUDED.tx, EXCLUDED.message_id)
         RETURNING conversation_id, user_id, message_id, tx, updated_at",
    )
    .bind::<BigInt, _>(message.conversation_id)
    .bind::<BigInt, _>(user_id)
    .bind::<BigInt, _>(message.id)
    .bind::<BigInt, _>(message.tx)
    .get_result::<ReadPositionRow>(conn)
    .await
    .optional()
    .map(|r| r.map(ReadPositionRow::into_model))
}

#[derive(QueryableByName)]
struct ReadPositionRow {
    #[diesel(sql_type = BigInt)]
    conversation_id: i64,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = BigInt)]
    message_id: i64,
    #[diesel(sql_type = BigInt)]
    tx: i64,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
}

impl ReadPositionRow {
    fn into_model(self) -> ReadPosition {
        ReadPosition {
            conversation_id: self.conversation_id,
            user_id: self.user_id,
            message_id: self.message_id,
            tx: self.tx,
            updated_at: self.updated_at,
        }
    }
}

/// Read positions of every member of the given conversations, with the readers.
pub async fn read_positions_in(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[i64],
) -> QueryResult<Vec<(ReadPosition, User)>> {
    read_positions::table
        .inner_join(users::table.on(users::id.eq(read_positions::user_id)))
        .filter(read_positions::conversation_id.eq_any(conversation_ids))
        .select((ReadPosition::as_select(), User::as_select()))
        .load(conn)
        .await
}

/// Messages from others after the user's read position, per conversation.
pub async fn unread_counts(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    conversation_ids: &[i64],
) -> QueryResult<HashMap<i64, i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        conversation_id: i64,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT m.conversation_id, count(*) AS n
         FROM messages m
         LEFT JOIN read_positions r ON r.conversation_id = m.conversation_id AND r.user_id = $1
         WHERE m.conversation_id = ANY($2)
           AND m.sender_id <> $1
           AND m.deleted_at IS NULL
           AND (r.tx IS NULL OR (m.tx, m.id) > (r.tx, r.message_id))
         GROUP BY m.conversation_id",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<diesel::sql_types::Array<BigInt>, _>(conversation_ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.conversation_id, r.n)).collect())
}

/// Users the viewer may watch (presence): contacts and co-members, at most `limit`.
pub async fn related_users(conn: &mut AsyncPgConnection, user_id: i64, limit: i64) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id FROM (
           SELECT contact_id AS id FROM contacts WHERE owner_id = $1
           UNION
           SELECT other.user_id FROM members mine
             JOIN members other ON other.conversation_id = mine.conversation_id
            WHERE mine.user_id = $1 AND other.user_id <> $1
         ) related LIMIT $2",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Members of a conversation (other than `except`) whose usernames are among
/// `usernames` (case-insensitive).
pub async fn members_named(
    conn: &mut AsyncPgConnection,
    conversation_id: i64,
    usernames: &[String],
    except: i64,
) -> QueryResult<Vec<i64>> {
    let lowered: Vec<String> = usernames.iter().map(|u| u.to_lowercase()).collect();
    users::table
        .inner_join(members::table.on(members::user_id.eq(users::id)))
        .filter(members::conversation_id.eq(conversation_id))
        .filter(users::id.ne(except))
        .filter(
            sql::<Bool>("lower(users.username) = ANY(")
                .bind::<diesel::sql_types::Array<Text>, _>(lowered)
                .sql(")"),
        )
        .select(users::id)
        .load(conn)
        .await
}

/// Creates notifications of one kind for a message.
pub async fn insert_notifications(
    conn: &mut AsyncPgConnection,
    recipients: &[i64],
    kind: &str,
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
    user_id: i64,
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
    user_id: i64,
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
    user_id: i64,
    ids: Option<&[i64]>,
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
pub async fn unread_notification_count(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// One advanced delivery position.
#[derive(Debug, Clone, QueryableByName)]
pub struct DeliveryMoved {
    /// Conversation.
    #[diesel(sql_type = BigInt)]
    pub conversation_id: i64,
    /// Recipient.
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    /// Newest message delivered.
    #[diesel(sql_type = BigInt)]
    pub message_id: i64,
}

/// Moves delivery positions forward (never back) in one statement; returns
/// the ones that moved. Rows: (conversation, user, message id, message tx).
pub async fn advance_delivered(
    conn: &mut AsyncPgConnection,
    rows: &[(i64, i64, i64, i64)],
) -> QueryResult<Vec<DeliveryMoved>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let pick = |f: fn(&(i64, i64, i64, i64)) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
    diesel::sql_query(
        "INSERT INTO delivered_positions AS d (conversation_id, user_id, message_id, tx)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
         ON CONFLICT (conversation_id, user_id) DO UPDATE
           SET message_id = EXCLUDED.message_id, tx = EXCLUDED.tx, updated_at = now()
           WHERE (d.tx, d.message_id) < (EXCLUDED.tx, EXCLUDED.message_id)
         RETURNING conversation_id, user_id, message_id",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(pick(|r| r.0))
    .bind::<diesel::sql_types::Array<BigInt>, _>(pick(|r| r.1))
    .bind::<diesel::sql_types::Array<BigInt>, _>(pick(|r| r.2))
    .bind::<diesel::sql_types::Array<BigInt>, _>(pick(|r| r.3))
    .load(conn)
    .await
}

/// Delivery positions (conversation, user, message id, tx) in the given conversations.
pub async fn delivered_positions_in(
    conn: &mut AsyncPgConnection,
    conversation_ids: &[i64],
) -> QueryResult<Vec<(i64, i64, i64, i64)>> {
    use crate::schema::delivered_positions as d;
    d::table
        .filter(d::conversation_id.eq_any(conversation_ids))
        .select((d::conversation_id, d::user_id, d::message_id, d::tx))
        .load(conn)
        .await
}

/// Changes a room's name, topic (`Some(None)` clears it) and pin setting;
/// fields left `None` keep their value. A taken name fails with the unique
/// violation of `conversations_room_name_key`.
pub async fn update_room(
    conn: &mut AsyncPgConnection,
    id: i64,
    name: Option<&str>,
    topic: Option<Option<&str>>,
    pins_admin_only: Option<bool>,
) -> QueryResult<Conversation> {
    let current: Conversation =
        conversations::table.find(id).select(Conversation::as_select()).first(conn).await?;
    diesel::update(conversations::table.find(id))
        .set((
            conversations::name.eq(name.or(current.name.as_deref())),
            conversations::topic.eq(topic.unwrap_or(current.topic.as_deref())),
            conversations::pins_admin_only.eq(pins_admin_only.unwrap_or(current.pins_admin_only)),
        ))
        .returning(Conversation::as_returning())
        .get_result(conn)
        .await
}
