//! Who is logged in. The access token itself lives in `api::auth` (memory only).

use std::rc::Rc;

use yew::Reducible;

use super::model::UserRef;

/// Authentication state of the app.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Session {
    /// Trying to restore the session from the refresh cookie.
    #[default]
    Restoring,
    /// Nobody is logged in.
    Anonymous,
    /// A user is logged in.
    LoggedIn(UserRef),
}

impl Session {
    /// The logged-in user, if any.
    pub fn viewer(&self) -> Option<&UserRef> {
        match self {
            Session::LoggedIn(user) => Some(user),
            _ => None,
        }
    }
}

/// A change of session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionAction {
    /// Logged in (or restored) as this user.
    LoggedIn(UserRef),
    /// Logged out, or the session could not be restored.
    LoggedOut,
}

impl Reducible for Session {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        let next = match action {
            SessionAction::LoggedIn(user) => Session::LoggedIn(user),
            SessionAction::LoggedOut => Session::Anonymous,
        };
        if *self == next {
            self
        } else {
            Rc::new(next)
        }
    }
}
