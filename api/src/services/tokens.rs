//! Personal access tokens for integrations: created by their owner with the
//! current password from a login session (never by another token), revoked by
//! the owner (or all at once by a password change, a reset or deleting the
//! account), shown once, stored only as a SHA-256 hash, accepted wherever an
//! access JWT is (HTTP bearer and the WebSocket `connection_init`; checking a
//! presented token is `auth`'s job).

use chrono::{Duration, Utc};
use jeco_schema as db;
use jeco_schema::models::AccessToken;

use super::{conn, require, validate, writer};
use crate::auth::{self, Viewer};
use crate::error::{ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;
use jeco_schema::ids::AccessTokenId;

/// Most unrevoked tokens one user may hold.
pub const MAX_TOKENS: usize = 50;

/// What a new token is: its name, its lifetime, and the owner's current
/// password (a token outlives sessions, so it takes re-authentication).
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// What it is for.
    pub name: &'a str,
    /// 1–3650 days; `None` for no expiry.
    pub expires_in_days: Option<i32>,
    /// The owner's current password.
    pub password: &'a str,
}

/// Creates a token; returns the row and the token text (shown only now).
/// Only a login session may, with the current password: a stolen access JWT
/// or a token can't mint a credential that outlives it.
pub async fn create(
    state: &AppState,
    ip: &str,
    viewer: Option<Viewer>,
    new: NewToken<'_>,
) -> ServiceResult<(AccessToken, String)> {
    let user_id = writer(state, viewer)?;
    if viewer.is_some_and(|v| v.session_id.is_none()) {
        return Err(UserError::general(
            UserErrorCode::Forbidden,
            "an access token cannot create access tokens; log in with your password",
        )
        .into());
    }
    let NewToken { name, expires_in_days, password } = new;
    let name = validate::text("name", name, 64, false)?;
    let expires_at = match expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(Utc::now() + Duration::days(i64::from(d))),
        Some(_) => {
            return Err(UserError::on_field(
                "expiresInDays",
                UserErrorCode::Invalid,
                "expiresInDays must be between 1 and 3650",
            )
            .into())
        }
    };
    if !state.auth_limiter.check(&ip.to_string()) {
        return Err(UserError::general(UserErrorCode::RateLimited, "too many attempts; wait a minute").into());
    }
    let user = super::profile::current_user(state, user_id).await?;
    super::profile::check_password(state, &user, password, "password").await?;
    let mut c = conn(state).await?;
    if db::access_tokens::access_tokens_of(&mut c, user_id).await?.len() >= MAX_TOKENS {
        return Err(UserError::general(
            UserErrorCode::Invalid,
            format!("at most {MAX_TOKENS} access tokens; revoke one first"),
        )
        .into());
    }
    let secret = auth::random_token(32);
    let row =
        db::access_tokens::insert_access_token(&mut c, user_id, &name, &auth::sha256(&secret), expires_at)
            .await?;
    let token = format!("{}{}_{secret}", auth::PAT_PREFIX, row.id);
    Ok((row, token))
}

/// Revokes one of the viewer's tokens.
pub async fn revoke(state: &AppState, viewer: Option<Viewer>, id: AccessTokenId) -> ServiceResult<()> {
    let user_id = writer(state, viewer)?;
    let mut c = conn(state).await?;
    if !db::access_tokens::revoke_access_token(&mut c, user_id, id).await? {
        return Err(UserError::not_found("id", "access token").into());
    }
    state.auth.access_token_revoked(id);
    Ok(())
}

/// The viewer's unrevoked tokens, newest first.
pub async fn list(state: &AppState, viewer: Option<Viewer>) -> ServiceResult<Vec<AccessToken>> {
    let user_id = require(viewer)?;
    let mut c = conn(state).await?;
    Ok(db::access_tokens::access_tokens_of(&mut c, user_id).await?)
}
