//! Errors. Expected failures are `UserError`s with a stable code and end up in
//! a payload's `userErrors`; anything else is `Internal`, logged with a request
//! id and shown to the client only as "internal error".

use async_graphql::{Enum, SimpleObject};

/// Stable machine-readable codes of expected failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// A value is malformed or out of range.
    Invalid,
    /// A text is longer than allowed.
    TooLong,
    /// A unique value (username, email, room name) is already used.
    Taken,
    /// Wrong username/email or password.
    InvalidCredentials,
    /// Too many failed logins from this address for this account.
    LockedOut,
    /// The operation needs a logged-in user.
    Unauthenticated,
    /// The object does not exist or is not visible to the viewer.
    NotFound,
    /// The viewer may see the object but not do this.
    Forbidden,
    /// Too many requests; slow down.
    RateLimited,
    /// The session was revoked or expired; log in again.
    SessionRevoked,
}

/// An expected failure, shown to the user.
#[derive(Debug, Clone, PartialEq, SimpleObject)]
pub struct UserError {
    /// The input field at fault (e.g. `body`), if any.
    pub field: Option<String>,
    /// Human-readable explanation.
    pub message: String,
    /// Stable code.
    pub code: UserErrorCode,
}

impl UserError {
    /// A user error about one input field.
    pub fn on_field(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError { field: Some(field.to_string()), message: message.into(), code }
    }

    /// A user error about the whole operation.
    pub fn general(code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError { field: None, message: message.into(), code }
    }

    /// The answer for anything the viewer may not see.
    pub fn not_found(field: &str, what: &str) -> Self {
        Self::on_field(field, UserErrorCode::NotFound, format!("{what} not found"))
    }

    /// The answer for anonymous callers.
    pub fn unauthenticated() -> Self {
        Self::general(UserErrorCode::Unauthenticated, "log in first")
    }
}

/// The error of every service function.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Expected; goes to `userErrors`.
    #[error("{}", .0.message)]
    User(UserError),
    /// Unexpected; logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<UserError> for ServiceError {
    fn from(e: UserError) -> Self {
        ServiceError::User(e)
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Internal(format!("database: {e}"))
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ServiceError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        ServiceError::Internal(format!("database pool: {e}"))
    }
}

/// Result of a service function.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Logs an unexpected error with a fresh id and returns the generic GraphQL
/// error that names only that id.
pub fn internal(detail: impl std::fmt::Display) -> async_graphql::Error {
    let id = crate::auth::random_token(9);
    tracing::error!(error_id = %id, "internal error: {detail}");
    async_graphql::Error::new(format!("internal error (id {id})"))
}

/// A top-level GraphQL error for a malformed request (bad id, bad cursor, limits).
pub fn bad_request(message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into())
}
