//! The only way to change anything: one async function per write. Each checks
//! access, writes in one transaction (appending its events to the log), and
//! rings the broker only after commit.

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
pub mod validate;

use crate::error::{ServiceError, ServiceResult, UserError};
use crate::state::AppState;

/// A pooled connection or an internal error.
pub async fn conn(
    state: &AppState,
) -> ServiceResult<diesel_async::pooled_connection::deadpool::Object<diesel_async::AsyncPgConnection>> {
    state.pool.get().await.map_err(ServiceError::from)
}

/// The viewer's user id, or `UNAUTHENTICATED`.
pub fn require(viewer: Option<crate::auth::Viewer>) -> ServiceResult<i64> {
    viewer.map(|v| v.user_id).ok_or_else(|| UserError::unauthenticated().into())
}
