//! Queries of `users`: lookups, registration, profile and password changes,
//! user search, and anonymising a deleted account.

use diesel::dsl::{now, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::UserId;
use crate::like::contains_pattern;
use crate::models::{NewUser, User};
use crate::paging::keyset;
use crate::schema::{access_tokens, blocks, contacts, password_resets, sessions, users};

/// Loads users by id.
pub async fn users_by_ids(conn: &mut AsyncPgConnection, ids: &[UserId]) -> QueryResult<Vec<User>> {
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

/// The live (not deleted) user with this email, case-insensitively.
pub async fn user_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(users.email) = ")
                .bind::<diesel::sql_types::Text, _>(email.to_lowercase()),
        )
        .filter(users::deleted_at.is_null())
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

/// Sets display name and/or bio (`Some(None)` clears the bio).
pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    display_name: Option<&str>,
    bio: Option<Option<&str>>,
) -> QueryResult<User> {
    let current: User = users::table.find(user_id).select(User::as_select()).first(conn).await?;
    diesel::update(users::table.find(user_id))
        .set((
            users::display_name.eq(display_name.unwrap_or(&current.display_name)),
            users::bio.eq(bio.unwrap_or(current.bio.as_deref())),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Stores a new password hash.
pub async fn set_password_hash(conn: &mut AsyncPgConnection, user_id: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .await
        .map(drop)
}

/// Users whose username or display name contains `search` (case-insensitive),
/// by username, after the keyset `(lower(username), id)`.
pub async fn search_users(
    conn: &mut AsyncPgConnection,
    search: &str,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let pattern = contains_pattern(&search.trim().to_lowercase());
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

/// Anonymises a deleted account: the handle and email are freed, credentials,
/// contacts and blocks go. Memberships are removed by the caller (it writes a
/// `MemberLeft` event for each); messages stay, shown as from a deleted user.
pub async fn anonymise_user(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<User> {
    diesel::update(access_tokens::table.filter(access_tokens::user_id.eq(user_id)))
        .set(access_tokens::revoked_at.eq(now))
        .execute(conn)
        .await?;
    diesel::update(
        sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
    .await?;
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(user_id))).execute(conn).await?;
    diesel::delete(
        contacts::table.filter(contacts::owner_id.eq(user_id).or(contacts::contact_id.eq(user_id))),
    )
    .execute(conn)
    .await?;
    diesel::delete(blocks::table.filter(blocks::blocker_id.eq(user_id).or(blocks::blocked_id.eq(user_id))))
        .execute(conn)
        .await?;
    diesel::update(users::table.find(user_id))
        .set((
            users::username.eq(format!("deleted-{user_id}")),
            users::email.eq(format!("deleted-{user_id}@deleted.invalid")),
            users::display_name.eq("Deleted user"),
            users::password_hash.eq(""),
            users::bio.eq(None::<String>),
            users::deleted_at.eq(now),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}
