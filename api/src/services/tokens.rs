//! Personal access tokens for integrations: created and revoked by their
//! owner, shown once, stored only as a SHA-256 hash, accepted wherever an
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

/// Creates a token; returns the row and the token text (shown only now).
pub async fn create(
    state: &AppState,
    viewer: Option<Viewer>,
    name: &str,
    expires_in_days: Option<i32>,
) -> ServiceResult<(AccessToken, String)> {
    let user_id = writer(state, viewer)?;
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
