//! Errors. Expected failures are `UserError`s with a stable code and end up in
//! a payload's `userErrors`; anything else is `Internal`, logged with a request
//! id and shown to the client only as "internal error".

use async_graphql::{Enum, ErrorExtensions, SimpleObject};

/// Stable machine-readable codes of expected failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// A value is malformed or out of range.
    Invalid,
    /// A text is longer than allowed.
    TooLong,
    /// A file is larger than allowed.
    TooLarge,
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

/// The conventional `extensions.code` of a top-level GraphQL error: the names
/// Apollo Server uses, which Apollo Client, urql and schemathesis understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopLevelCode {
    /// The request's arguments are wrong (bad id, bad cursor, out of range).
    BadUserInput,
    /// The operation needs a logged-in user.
    Unauthenticated,
    /// The viewer may not do or see this.
    Forbidden,
    /// Too many requests; slow down.
    RateLimited,
    /// Something failed on our side; the message names only a log id.
    InternalServerError,
    /// The document does not parse.
    ParseFailed,
    /// The document does not validate against the schema (or is too costly).
    ValidationFailed,
    /// The HTTP request is not a GraphQL request (body, method, content type).
    BadRequest,
    /// An Automatic Persisted Query's hash that is not registered (send the text).
    PersistedQueryNotFound,
    /// A persisted query's text does not have the hash sent with it.
    PersistedQueryHashMismatch,
    /// `extensions.persistedQuery` is malformed or of another version.
    PersistedQueryNotSupported,
    /// The server runs only its trusted operations and this is not one.
    OperationNotTrusted,
}

impl TopLevelCode {
    /// The code as it appears in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            TopLevelCode::BadUserInput => "BAD_USER_INPUT",
            TopLevelCode::Unauthenticated => "UNAUTHENTICATED",
            TopLevelCode::Forbidden => "FORBIDDEN",
            TopLevelCode::RateLimited => "RATE_LIMITED",
            TopLevelCode::InternalServerError => "INTERNAL_SERVER_ERROR",
            TopLevelCode::ParseFailed => "GRAPHQL_PARSE_FAILED",
            TopLevelCode::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            TopLevelCode::BadRequest => "BAD_REQUEST",
            TopLevelCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            TopLevelCode::PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            TopLevelCode::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            TopLevelCode::OperationNotTrusted => "OPERATION_NOT_TRUSTED",
        }
    }

    /// The code of a refusal made before GraphQL runs, by its HTTP status.
    pub fn for_status(status: u16) -> Self {
        match status {
            401 => TopLevelCode::Unauthenticated,
            403 => TopLevelCode::Forbidden,
            429 => TopLevelCode::RateLimited,
            500..=599 => TopLevelCode::InternalServerError,
            _ => TopLevelCode::BadRequest,
        }
    }

    /// The code a user error has when a query (which has no `userErrors`) reports it.
    pub fn for_user_error(code: UserErrorCode) -> Self {
        match code {
            UserErrorCode::Unauthenticated | UserErrorCode::SessionRevoked => TopLevelCode::Unauthenticated,
            UserErrorCode::Forbidden => TopLevelCode::Forbidden,
            UserErrorCode::RateLimited | UserErrorCode::LockedOut => TopLevelCode::RateLimited,
            // A hidden object is reported like a made-up id: the caller's input is wrong.
            UserErrorCode::Invalid
            | UserErrorCode::TooLong
            | UserErrorCode::TooLarge
            | UserErrorCode::Taken
            | UserErrorCode::InvalidCredentials
            | UserErrorCode::NotFound => TopLevelCode::BadUserInput,
        }
    }
}

/// A top-level GraphQL error with its `extensions.code`.
pub fn top_level(code: TopLevelCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, e| e.set("code", code.as_str()))
}

/// Logs an unexpected error with a fresh id and returns the generic GraphQL
/// error that names only that id.
pub fn internal(detail: impl std::fmt::Display) -> async_graphql::Error {
    let id = crate::auth::random_token(9);
    tracing::error!(error_id = %id, "internal error: {detail}");
    top_level(TopLevelCode::InternalServerError, format!("internal error (id {id})"))
}

/// A top-level GraphQL error for a malformed request (bad id, bad cursor, limits).
pub fn bad_request(message: impl Into<String>) -> async_graphql::Error {
    top_level(TopLevelCode::BadUserInput, message)
}
