//! Queries of `access_tokens`, the personal access tokens of integrations (the
//! secret itself is never stored, only its hash).

use chrono::{DateTime, Utc};
use diesel::dsl::now;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::ids::{AccessTokenId, UserId};
use crate::models::AccessToken;
use crate::schema::access_tokens;

/// Creates an access token row.
pub async fn insert_access_token(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
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
pub async fn access_token(
    conn: &mut AsyncPgConnection,
    id: AccessTokenId,
) -> QueryResult<Option<AccessToken>> {
    access_tokens::table.find(id).select(AccessToken::as_select()).first(conn).await.optional()
}

/// A user's unrevoked access tokens, newest first.
pub async fn access_tokens_of(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<AccessToken>> {
    access_tokens::table
        .filter(access_tokens::user_id.eq(user_id))
        .filter(access_tokens::revoked_at.is_null())
        .order(access_tokens::id.desc())
        .select(AccessToken::as_select())
        .load(conn)
        .await
}

/// Revokes a user's token; false when there was no such unrevoked token.
pub async fn revoke_access_token(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    id: AccessTokenId,
) -> QueryResult<bool> {
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

/// Revokes every unrevoked token of a user; the revoked ids.
pub async fn revoke_access_tokens_of(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<AccessTokenId>> {
    diesel::update(
        access_tokens::table
            .filter(access_tokens::user_id.eq(user_id))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(now))
    .returning(access_tokens::id)
    .get_results(conn)
    .await
}

/// Stamps a token's use (callers throttle this).
pub async fn touch_access_token(conn: &mut AsyncPgConnection, id: AccessTokenId) -> QueryResult<()> {
    diesel::update(access_tokens::table.find(id))
        .set(access_tokens::last_used_at.eq(now))
        .execute(conn)
        .await
        .map(drop)
}
