//! Queries of `password_resets`: one-use tokens (stored as hashes) that let a
//! user set a new password.

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::UserId;
use crate::schema::password_resets;

/// Records a reset token (its hash); earlier unused tokens of the user stay valid
/// until they expire, so two quick requests do not race each other.
pub async fn insert_password_reset(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
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
) -> QueryResult<Option<UserId>> {
    let user: Option<UserId> = diesel::update(
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
