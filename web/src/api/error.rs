//! Errors of server calls, worded for the user.

use std::fmt;

/// Why a server call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request did not reach the server or the answer did not arrive.
    Network(String),
    /// The server answered with an HTTP error status.
    Http(u16),
    /// The answer was not the JSON we expected.
    Decode(String),
    /// Top-level GraphQL `errors`.
    Graphql(Vec<String>),
    /// Expected failures from a payload's `userErrors` (message, code).
    User(Vec<(String, String)>),
    /// The call needs a login and there is none.
    NotLoggedIn,
}

impl ApiError {
    /// Builds a `User` error from a payload's `userErrors`, or `None` if it is empty.
    pub fn from_user_errors<I>(errors: I) -> Option<ApiError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let list: Vec<(String, String)> = errors.into_iter().collect();
        (!list.is_empty()).then_some(ApiError::User(list))
    }

    /// Whether the server could not be reached (no network, or a proxy in front of
    /// a server that is down): nothing is known about the session.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Network(_) | ApiError::Http(502..=504))
    }

    /// Whether the server rejected our credentials (so the session is gone).
    pub fn is_auth(&self) -> bool {
        match self {
            ApiError::Http(401) | ApiError::NotLoggedIn => true,
            ApiError::User(list) => {
                list.iter().any(|(_, code)| matches!(code.as_str(), "UNAUTHENTICATED" | "SESSION_REVOKED"))
            }
            _ => false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(detail) => {
                write!(f, "Could not reach the server ({detail}). Check your connection.")
            }
            ApiError::Http(429) => write!(f, "Too many requests; wait a moment and try again."),
            ApiError::Http(status) => write!(f, "The server answered with HTTP {status}."),
            ApiError::Decode(detail) => write!(f, "Unexpected answer from the server: {detail}"),
            ApiError::Graphql(messages) => write!(f, "{}", messages.join(" ")),
            ApiError::User(list) => {
                let messages: Vec<&str> = list.iter().map(|(m, _)| m.as_str()).collect();
                write!(f, "{}", messages.join(" "))
            }
            ApiError::NotLoggedIn => write!(f, "You are not logged in."),
        }
    }
}

impl std::error::Error for ApiError {}

/// A generated `UserErrorCode` as its GraphQL name (e.g. `TAKEN`).
pub fn code_name<T: serde::Serialize>(code: &T) -> String {
    serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Collects a payload's `userErrors` into an error, if there are any.
#[macro_export]
#[doc(hidden)]
macro_rules! user_errors {
    ($errors:expr) => {
        $crate::api::error::ApiError::from_user_errors(
            $errors.iter().map(|e| (e.message.clone(), $crate::api::error::code_name(&e.code))),
        )
    };
}
