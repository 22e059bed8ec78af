//! Every change a user asks for: one async function per write, called by the
//! GraphQL resolvers and HTTP handlers. Each checks access ([`access`]) and
//! writes in one transaction through [`crate::tx`], which appends its events to the
//! log and rings the broker only after the commit. Writes nobody asks for
//! directly are made where they are recorded: delivery receipts
//! (`crate::deliveries`, through the same helper) and the last-use stamp
//! of a personal access token, made when the token is checked. Sign-in flows
//! that must keep a write although they answer with an error (a reused refresh
//! token revokes its session) write outside a transaction on purpose.

pub mod access;
pub mod accounts;
pub mod contacts;
pub mod conversations;
pub mod direct;
pub mod message_actions;
pub mod messages;
pub mod notifications;
pub mod profile;
pub mod reads;
pub mod search;
pub mod tokens;
pub mod typing;
pub mod uploads;
pub mod validate;

use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;
use jeco_schema::ids::UserId;

/// A pooled connection or an internal error.
pub async fn conn(
    state: &AppState,
) -> ServiceResult<diesel_async::pooled_connection::deadpool::Object<diesel_async::AsyncPgConnection>> {
    state.pool.get().await.map_err(ServiceError::from)
}

/// The viewer's user id for a write: `UNAUTHENTICATED`, or `RATE_LIMITED` when
/// the user is over the write rate. Every write service starts with it (sends,
/// typing and sign-in have limits of their own).
pub fn writer(state: &AppState, viewer: Option<crate::auth::Viewer>) -> ServiceResult<UserId> {
    let user_id = require(viewer)?;
    if !state.write_limiter.check(&user_id) {
        return Err(UserError::general(UserErrorCode::RateLimited, "too many changes; slow down").into());
    }
    Ok(user_id)
}

/// The viewer's user id, or `UNAUTHENTICATED`.
pub fn require(viewer: Option<crate::auth::Viewer>) -> ServiceResult<UserId> {
    viewer.map(|v| v.user_id).ok_or_else(|| UserError::unauthenticated().into())
}
