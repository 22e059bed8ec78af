//! The sessions of an instance's open sockets, re-checked together. A socket
//! of an access JWT does not run a timer of its own: it registers its session
//! here and waits for word that it ended. One task per instance checks every
//! watched session once a period (through the session cache, whose misses are
//! read in batches), so a period costs one check per distinct session and
//! wakes no socket whose session is still open; at 16,000 sockets an
//! instance used to wake each of them every period for a check of its own.
//! A logout on this instance ends the session's sockets at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use super::Authenticator;
use jeco_schema::ids::SessionId;

/// Watched sessions: each with the channel its sockets wait on (`true` once
/// it ended), and whether the checking task runs.
#[derive(Default)]
pub struct SessionWatchers {
    state: Mutex<Watched>,
}

#[derive(Default)]
struct Watched {
    sessions: HashMap<SessionId, watch::Sender<bool>>,
    checking: bool,
}

impl SessionWatchers {
    /// A receiver that turns `true` when `session` ends; starts the checking
    /// task (on this runtime, reading through `auth`) if none runs.
    pub fn watch(&self, auth: &Authenticator, session: SessionId, every: Duration) -> watch::Receiver<bool> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let rx = state.sessions.entry(session).or_insert_with(|| watch::channel(false).0).subscribe();
        if !state.checking {
            state.checking = true;
            tokio::spawn(check_forever(auth.clone(), every));
        }
        rx
    }

    /// Ends `session`'s sockets now (it ended on this instance).
    pub fn end(&self, session: SessionId) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = state.sessions.get(&session) {
            tx.send_replace(true);
        }
    }

    /// The sessions some socket still waits on, forgetting the others; `None`
    /// (and the task stops) when there are none.
    fn watched(&self) -> Option<Vec<SessionId>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.sessions.retain(|_, tx| tx.receiver_count() > 0 && !*tx.borrow());
        if state.sessions.is_empty() {
            state.checking = false;
            return None;
        }
        Some(state.sessions.keys().copied().collect())
    }
}

/// Checks every watched session once per `every`, all at once (the cache
/// answers most; its misses share statements), until none is watched.
async fn check_forever(auth: Authenticator, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(sessions) = auth.watchers.watched() else { return };
        let auth = &auth;
        let checks = sessions.iter().map(|&s| async move { (s, auth.session_check(s).await) });
        for (session, open) in futures_util::future::join_all(checks).await {
            // A database that cannot say (`None`) leaves the sockets open.
            if open == Some(false) {
                auth.watchers.end(session);
            }
        }
    }
}

/// Resolves once `rx` says its session ended (never if the watch is gone).
pub async fn session_ended(mut rx: watch::Receiver<bool>) {
    if rx.wait_for(|ended| *ended).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Shared by every clone of an [`Authenticator`] of one instance.
pub type Watchers = Arc<SessionWatchers>;
