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
    /// The session could not be checked because the server is out of reach (offline
    /// start): the app shows its shell, says so, and tries again when the network is back.
    Unreachable,
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
    /// Restoring the session failed for want of a network, not of a login.
    Unreachable,
}

impl Reducible for Session {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        let next = match action {
            SessionAction::LoggedIn(user) => Session::LoggedIn(user),
            SessionAction::LoggedOut => Session::Anonymous,
            // Only a start that is still restoring is unreachable; once known, a session
            // stays what it is while the network comes and goes.
            SessionAction::Unreachable if matches!(*self, Session::Restoring | Session::Unreachable) => {
                Session::Unreachable
            }
            SessionAction::Unreachable => return self,
        };
        if *self == next {
            self
        } else {
            Rc::new(next)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserRef {
        UserRef { id: "1".into(), username: "ada".into(), display_name: "Ada".into(), ..UserRef::default() }
    }

    fn reduce(from: Session, action: SessionAction) -> Session {
        (*Rc::new(from).reduce(action)).clone()
    }

    #[test]
    fn an_unreachable_start_can_still_log_in_or_out_later() {
        assert_eq!(reduce(Session::Restoring, SessionAction::Unreachable), Session::Unreachable);
        assert_eq!(reduce(Session::Unreachable, SessionAction::Unreachable), Session::Unreachable);
        assert_eq!(reduce(Session::Unreachable, SessionAction::LoggedIn(user())), Session::LoggedIn(user()));
        assert_eq!(reduce(Session::Unreachable, SessionAction::LoggedOut), Session::Anonymous);
    }

    #[test]
    fn a_known_session_is_not_lost_to_a_network_failure() {
        assert_eq!(reduce(Session::LoggedIn(user()), SessionAction::Unreachable), Session::LoggedIn(user()));
        assert_eq!(reduce(Session::Anonymous, SessionAction::Unreachable), Session::Anonymous);
    }
}
