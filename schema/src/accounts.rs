//! Queries of the account life cycle after registration: profile, password
//! changes and resets, personal access tokens, deletion.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::models::{AccessToken, User};
use crate::schema::{access_tokens, blocks, contacts, password_resets, sessions, users};

/// Sets display name and/or bio (`Some(None)` clears the bio).
pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    user_id: i64,
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
pub async fn set_password_hash(conn: &mut AsyncPgConnection, user_id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .await
        .map(drop)
}

/// Revokes every open session of a user but `keep`; the revoked ids.
pub async fn revoke_sessions(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    keep: Option<i64>,
) -> QueryResult<Vec<i64>> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep.unwrap_or(0))),
    )
    .set(sessions::revoked_at.eq(now))
    .returning(sessions::id)
    .get_results(conn)
    .await
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

/// Records a reset token (its hash); earlier unused tokens of the user stay valid
/// until they expire, so two quick requests do not race each other.
pub async fn insert_password_reset(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(token_hash),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Uses up a reset token: its user when it was unused and unexpired. Atomic, so
/// a token works exactly once however many requests race. The user's other
/// outstanding tokens are used up with it.
pub async fn take_password_reset(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<i64>> {
    let user: Option<i64> = diesel::update(
        password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(now))
    .returning(password_resets::user_id)
    .get_result(conn)
    .await
    .optional()?;
    if let Some(user_id) = user {
        diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user_id))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(now))
        .execute(conn)
        .await?;
    }
    Ok(user)
}

/// Creates an access token row.
pub async fn insert_access_token(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    name: &str,
    secret_hash: &[u8],
    expires_at: Option<DateTime<Utc>>,
) -> QueryResult<AccessToken> {
    diesel::insert_into(access_tokens::table)
        .values((
            access_tokens::user_id.eq(user_id),
            access_tokens::name.eq(name),
            access_tokens::secret_hash.eq(secret_hash),
            access_tokens::expires_at.eq(expires_at),
        ))
        .returning(AccessToken::as_returning())
        .get_result(conn)
        .await
}

/// One access token by id.
pub async fn access_token(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<AccessToken>> {
    access_tokens::table.find(id).select(AccessToken::as_select()).first(conn).await.optional()
}

/// A user's unrevoked access tokens, newest first.
pub async fn access_tokens_of(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<Vec<AccessToken>> {
    access_tokens::table
        .filter(access_tokens::user_id.eq(user_id))
        .filter(access_tokens::revoked_at.is_null())
        .order(access_tokens::id.desc())
        .select(AccessToken::as_select())
        .load(conn)
        .await
}

/// Revokes a user's token; false when there was no such unrevoked token.
pub async fn revoke_access_token(conn: &mut AsyncPgConnection, user_id: i64, id: i64) -> QueryResult<bool> {
    diesel::update(
        access_tokens::table
            .filter(access_tokens::id.eq(id))
            .filter(access_tokens::user_id.eq(user_id))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(now))
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Stamps a token's use (callers throttle this).
pub async fn touch_access_token(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(access_tokens::table.find(id))
        .set(access_tokens::last_used_at.eq(now))
        .execute(conn)
        .await
        .map(drop)
}

/// Anonymises a deleted account: the handle and email are freed, credentials,
/// contacts and blocks go. Memberships are removed by the caller (it writes a
/// `MemberLeft` event for each); messages stay, shown as from a deleted user.
pub async fn anonymise_user(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<User> {
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
