//! Queries of the relations between users: `contacts`, `blocks`, and who a
//! user may watch (contacts and co-members).

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{ConversationId, UserId};
use crate::models::User;
use crate::paging::keyset;
use crate::schema::{blocks, contacts, members, users};

/// Adds a contact (no-op if present).
pub async fn add_contact(conn: &mut AsyncPgConnection, owner: UserId, contact: UserId) -> QueryResult<()> {
    diesel::insert_into(contacts::table)
        .values((contacts::owner_id.eq(owner), contacts::contact_id.eq(contact)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Removes a contact (no-op if absent).
pub async fn remove_contact(conn: &mut AsyncPgConnection, owner: UserId, contact: UserId) -> QueryResult<()> {
    diesel::delete(contacts::table.find((owner, contact))).execute(conn).await.map(drop)
}

/// Blocks a user (no-op if already blocked).
pub async fn block(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<()> {
    diesel::insert_into(blocks::table)
        .values((blocks::blocker_id.eq(blocker), blocks::blocked_id.eq(blocked)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Unblocks a user (no-op if not blocked).
pub async fn unblock(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<()> {
    diesel::delete(blocks::table.find((blocker, blocked))).execute(conn).await.map(drop)
}

/// Whether `blocker` blocked `blocked`.
pub async fn is_blocked(conn: &mut AsyncPgConnection, blocker: UserId, blocked: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(blocks::table.find((blocker, blocked)))).get_result(conn).await
}

/// Of `among`, the users who blocked `user_id`.
pub async fn blockers_among(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    among: &[UserId],
) -> QueryResult<Vec<UserId>> {
    blocks::table
        .filter(blocks::blocked_id.eq(user_id))
        .filter(blocks::blocker_id.eq_any(among))
        .select(blocks::blocker_id)
        .load(conn)
        .await
}

/// Other members of a conversation who blocked `user_id`.
pub async fn blocked_by_members(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    user_id: UserId,
) -> QueryResult<Vec<UserId>> {
    blocks::table
        .inner_join(members::table.on(members::user_id.eq(blocks::blocker_id)))
        .filter(members::conversation_id.eq(conversation_id))
        .filter(blocks::blocked_id.eq(user_id))
        .select(blocks::blocker_id)
        .load(conn)
        .await
}

/// The user's contacts by username, after the keyset `(lower(username), id)`.
pub async fn contacts_of(
    conn: &mut AsyncPgConnection,
    owner: UserId,
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

/// Of `ids`, the users `owner` has as contacts and those `owner` blocked.
pub async fn relations_of(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    ids: &[UserId],
) -> QueryResult<(Vec<UserId>, Vec<UserId>)> {
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

/// Users the viewer may watch (presence): contacts and co-members, except
/// anyone who blocked the viewer (adding someone as a contact is one-sided, so
/// it must not let the viewer watch a person who blocked them), at most `limit`.
pub async fn related_users(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    limit: i64,
) -> QueryResult<Vec<UserId>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: UserId,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id FROM (
           SELECT contact_id AS id FROM contacts WHERE owner_id = $1
           UNION
           SELECT other.user_id FROM members mine
             JOIN members other ON other.conversation_id = mine.conversation_id
            WHERE mine.user_id = $1 AND other.user_id <> $1
         ) related
         WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = related.id AND blocked_id = $1)
         LIMIT $2",
    )
    .bind::<BigInt, _>(user_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
