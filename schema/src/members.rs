//! Queries of `members`: joining, leaving, roles, member lists and counts, and
//! the member lookups behind notifications and direct conversations.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::enums::Role;
use crate::ids::{ConversationId, UserId};
use crate::models::{Conversation, Member};
use crate::paging::keyset;
use crate::schema::{conversations, members, users};

/// Adds a member; `None` when already a member.
pub async fn insert_member(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    user_id: UserId,
    role: Role,
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
    conversation_id: ConversationId,
    user_id: UserId,
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
    conversation_id: ConversationId,
    user_id: UserId,
    role: Role,
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
    conversation_id: ConversationId,
    user_id: UserId,
) -> QueryResult<Option<Member>> {
    members::table.find((conversation_id, user_id)).select(Member::as_select()).first(conn).await.optional()
}

/// A member's row with its conversation, in one query (every write checks it).
pub async fn membership_with_conversation(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    user_id: UserId,
) -> QueryResult<Option<(Conversation, Member)>> {
    members::table
        .inner_join(conversations::table)
        .filter(members::conversation_id.eq(conversation_id))
        .filter(members::user_id.eq(user_id))
        .select((Conversation::as_select(), Member::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Memberships of one user in the given conversations.
pub async fn memberships_of(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    conversation_ids: &[ConversationId],
) -> QueryResult<Vec<Member>> {
    members::table
        .filter(members::user_id.eq(user_id))
        .filter(members::conversation_id.eq_any(conversation_ids))
        .select(Member::as_select())
        .load(conn)
        .await
}

/// Ids of every conversation the user belongs to.
pub async fn conversation_ids_of(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<ConversationId>> {
    members::table.filter(members::user_id.eq(user_id)).select(members::conversation_id).load(conn).await
}

/// Members of a conversation ordered by join time, after the keyset `(joined_at, user_id)`.
pub async fn members_of(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
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
    conversation_ids: &[ConversationId],
) -> QueryResult<HashMap<ConversationId, i64>> {
    let rows: Vec<(ConversationId, i64)> = members::table
        .filter(members::conversation_id.eq_any(conversation_ids))
        .group_by(members::conversation_id)
        .select((members::conversation_id, count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The other member of each given direct conversation (for names and avatars).
pub async fn direct_peers(
    conn: &mut AsyncPgConnection,
    viewer: UserId,
    conversation_ids: &[ConversationId],
) -> QueryResult<Vec<(ConversationId, UserId)>> {
    members::table
        .filter(members::conversation_id.eq_any(conversation_ids))
        .filter(members::user_id.ne(viewer))
        .select((members::conversation_id, members::user_id))
        .load(conn)
        .await
}

/// Members of a conversation (other than `except`) whose usernames are among
/// `usernames` (case-insensitive).
pub async fn members_named(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    usernames: &[String],
    except: UserId,
) -> QueryResult<Vec<UserId>> {
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

/// Whether another member of the conversation deleted their account.
pub async fn has_deleted_member(
    conn: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    except: UserId,
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
