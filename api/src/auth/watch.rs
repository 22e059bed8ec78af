//! Credentials of long-lived connections. A WebSocket authenticates once, at
//! `connection_init`; its credential can end later (logout, password change or
//! reset, account deletion, token revocation, the access JWT's expiry). The
//! connection keeps a [`CredentialWatch`] that checks the token again before
//! every operation, through the same [`Authenticator`] as a new request, and
//! between operations ends with it: an access JWT at its expiry or when the
//! instance's periodic check of the open sockets' sessions finds its session
//! ended (`session_watch`), a personal access token on a timer of its own.
//! So a socket ends within the same bound as a request: at once on the
//! instance that ended the credential, within [`super::FRESHNESS`] plus one
//! period on the others.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::{Fuse, FutureExt};

use super::Authenticator;

type Ended = Fuse<Pin<Box<dyn Future<Output = ()> + Send>>>;

/// The credential a connection was opened with, re-checked as it runs.
pub struct CredentialWatch {
    auth: Authenticator,
    /// Shared with the timer: a JWT is several hundred bytes, per socket.
    token: Arc<str>,
    ended: Ended,
}

impl CredentialWatch {
    /// Watches `token` (valid now), checking it every `every`. An access JWT
    /// of a session needs no timer of its own: it ends at its expiry, or when
    /// the instance's check of the watched sessions finds its session ended
    /// (`session_watch`). Anything else (a personal access token) is checked
    /// in full every period.
    pub fn new(auth: &Authenticator, token: String, every: Duration) -> Self {
        let token: Arc<str> = token.into();
        let session_jwt = auth.access_jwt(&token).and_then(|(v, expires)| Some((v.session_id?, expires)));
        let ended: Pin<Box<dyn Future<Output = ()> + Send>> = match session_jwt {
            Some((session, expires)) => {
                let ended = super::session_watch::session_ended(auth.watchers.watch(auth, session, every));
                // Valid while the clock's second is at most `expires`.
                let until = DateTime::<Utc>::from_timestamp(expires.saturating_add(1), 0).unwrap_or_default();
                let left = (until - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                Box::pin(async move {
                    tokio::select! {
                        _ = tokio::time::sleep(left) => {}
                        _ = ended => {}
                    }
                })
            }
            None => {
                let (timer_auth, timer_token) = (auth.clone(), token.clone());
                Box::pin(async move {
                    let mut tick = tokio::time::interval(every);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tick.tick().await;
                        // Boxed per check: the timer lives as long as the socket, and the
                        // check's future (a pooled database query) is most of its size.
                        if !Box::pin(timer_auth.still_valid(&timer_token, None)).await {
                            return;
                        }
                    }
                })
            }
        };
        CredentialWatch { auth: auth.clone(), token, ended: ended.fuse() }
    }

    /// Whether the credential is still valid (checked before each operation).
    /// Owns what it needs, so the watch itself need not be `Sync`.
    pub fn valid(&self) -> impl Future<Output = bool> + Send + 'static {
        let (auth, token) = (self.auth.clone(), self.token.clone());
        async move { auth.authenticate(&token).await.is_some() }
    }
}

/// Resolves when the watched credential has ended; never for `None` (an
/// anonymous connection has nothing to end). Cancel-safe, for `select!`.
pub async fn ended(watch: &mut Option<CredentialWatch>) {
    match watch {
        Some(w) => (&mut w.ended).await,
        None => std::future::pending().await,
    }
}
