//! The outcome of a credential check: who is calling.

use jeco_schema::ids::{SessionId, UserId};

/// Who is calling: established from an access JWT or a personal access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The user.
    pub user_id: UserId,
    /// The login session an access JWT belongs to; `None` for a personal
    /// access token (integrations have no login session).
    pub session_id: Option<SessionId>,
}
