//! Credentials of long-lived connections. A WebSocket authenticates once, at
//! `connection_init`; its credential can end later (logout, password change or
//! reset, account deletion, token revocation, the access JWT's expiry). The
//! connection keeps a [`CredentialWatch`] that checks the token again before
//! every operation and on a timer, through the same [`Authenticator`] as a new
//! request, so a socket ends within the same bound: at once on the instance
//! that ended the credential, within [`super::FRESHNESS`] plus one period on
//! the others.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

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
    /// Watches `token` (valid now), checking it every `every`.
    pub fn new(auth: &Authenticator, token: String, every: Duration) -> Self {
        let token: Arc<str> = token.into();
        let (timer_auth, timer_token) = (auth.clone(), token.clone());
        // The signature was verified at connection_init: the timer checks only
        // the expiry and the session (cached), which is what can change. At
        // 20,000 sockets per instance, verifying each JWT every period was most
        // of an idle instance's CPU.
        let jwt = auth.access_jwt(&token);
        let timer: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // Boxed per check: the timer lives as long as the socket, and the
                // check's future (a pooled database query) is most of its size.
                if !Box::pin(timer_auth.still_valid(&timer_token, jwt.as_ref())).await {
                    return;
                }
            }
        });
        CredentialWatch { auth: auth.clone(), token, ended: timer.fuse() }
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
