//! Credential checking: who a bearer token stands for (an access JWT of an
//! open session, or a personal access token), with the per-instance caches
//! that keep that off the database, plus the secrets and password hashing the
//! account services use, and the re-check of a long-lived connection's
//! credential ([`CredentialWatch`]). Creating and revoking credentials are
//! user actions and stay in `services`; they tell the [`Authenticator`] what
//! they ended.

mod access_tokens;
mod cache;
mod passwords;
mod secrets;
mod session_watch;
mod sessions;
mod tokens;
mod viewer;
mod watch;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use jeco_schema::PgPool;

use access_tokens::AccessTokens;
pub use access_tokens::PAT_PREFIX;
pub use cache::{FreshCache, FRESHNESS};
use jeco_schema::ids::{AccessTokenId, SessionId, UserId};
pub use passwords::PasswordHasherPool;
pub use secrets::{random_token, sha256};
pub use sessions::{parse_refresh_token, HANDLE_BYTES, REFRESH_COOKIE, SESSION_TTL};
use sessions::{session_reader, SessionReader, Sessions};
pub use tokens::{TokenKeys, ACCESS_TTL};
pub use viewer::Viewer;
pub use watch::{ended as credential_ended, CredentialWatch};

/// How long the fan-out's session reads wait for others to share their
/// statement (a request's do not wait).
pub const RECHECK_BATCH: std::time::Duration = std::time::Duration::from_millis(20);

/// Checks bearer tokens and issues access JWTs. Cheap to clone: the caches
/// are shared, so what one request ends, the next one here sees at once.
#[derive(Clone)]
pub struct Authenticator {
    pool: PgPool,
    keys: TokenKeys,
    sessions: Arc<Sessions>,
    /// Session reads that miss the cache, batched (per pool).
    session_reader: Arc<SessionReader>,
    /// The sessions of open sockets, re-checked together (per instance).
    watchers: session_watch::Watchers,
    access_tokens: Arc<AccessTokens>,
}

impl Authenticator {
    /// An authenticator reading sessions and tokens from `pool`.
    pub fn new(pool: PgPool, keys: TokenKeys) -> Self {
        Authenticator {
            session_reader: Arc::new(session_reader(pool.clone(), std::time::Duration::ZERO)),
            pool,
            keys,
            sessions: Arc::new(Sessions::default()),
            watchers: Arc::default(),
            access_tokens: Arc::new(AccessTokens::default()),
        }
    }

    /// The same authenticator (the same caches: what one ends, the other sees
    /// at once) reading from `pool` instead, its session reads that miss the
    /// cache batched over `batch`. The fan-out's sockets re-check their
    /// credentials on the fan-out's pool: a lower-priority task must not hold,
    /// or queue for, a connection a request is waiting for; and their timers,
    /// thousands per instance, can wait [`RECHECK_BATCH`] to share a statement.
    pub fn on_pool(&self, pool: PgPool, batch: std::time::Duration) -> Self {
        Authenticator { session_reader: Arc::new(session_reader(pool.clone(), batch)), pool, ..self.clone() }
    }

    /// The viewer a bearer token stands for: an access JWT of an open session,
    /// or an unrevoked, unexpired personal access token. `None` for anything
    /// else (a database failure counts as invalid).
    pub async fn authenticate(&self, token: &str) -> Option<Viewer> {
        let token = token.trim();
        if let Some((id, secret)) = access_tokens::parse_access_token(token) {
            return self.access_tokens.check(&self.pool, id, secret).await;
        }
        let viewer = self.keys.verify(token)?;
        self.session_open(viewer.session_id?).await.then_some(viewer)
    }

    /// A re-check of a token already authenticated: for an access JWT, only its
    /// expiry and its session (cached), not the signature again; anything else
    /// in full. Long-lived connections re-check this way on their timer. A
    /// database that cannot answer leaves an open connection open (a logout
    /// here is remembered without it, and elsewhere is seen once it answers):
    /// a database hiccup must not sign every connected user out.
    pub async fn still_valid(&self, token: &str, jwt: Option<&(Viewer, i64)>) -> bool {
        match jwt {
            Some((viewer, expires)) => match viewer.session_id {
                Some(session) => {
                    Utc::now().timestamp() <= *expires
                        && self.sessions.check(&self.session_reader, session).await.unwrap_or(true)
                }
                None => false,
            },
            None => self.authenticate(token).await.is_some(),
        }
    }

    /// The access JWT behind a bearer token, with its expiry (see [`Self::still_valid`]).
    pub fn access_jwt(&self, token: &str) -> Option<(Viewer, i64)> {
        self.keys.verify_expiring(token)
    }

    /// Whether the session is open (cached); `None` when the database could
    /// not say.
    async fn session_check(&self, session_id: SessionId) -> Option<bool> {
        self.sessions.check(&self.session_reader, session_id).await
    }

    /// Whether the session behind an access token is still open (cached; a
    /// database failure counts as closed).
    pub async fn session_open(&self, session_id: SessionId) -> bool {
        self.sessions.open(&self.session_reader, session_id).await
    }

    /// Issues an access JWT for a login session; returns it with its expiry.
    pub fn issue(&self, user_id: UserId, session_id: SessionId) -> Result<(String, DateTime<Utc>), String> {
        self.keys.issue(user_id, session_id)
    }

    /// A session was revoked here: its access JWTs stop working on this
    /// instance at once (on the others within [`FRESHNESS`]).
    pub fn session_ended(&self, session_id: SessionId) {
        self.sessions.ended(session_id);
        self.watchers.end(session_id);
    }

    /// A personal access token was revoked here: its next use on this
    /// instance reads it again (on the others within [`FRESHNESS`]).
    pub fn access_token_revoked(&self, id: AccessTokenId) {
        self.access_tokens.revoked(id);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// An authenticator whose database never answers (nothing listens on port 1).
    fn without_database() -> (Authenticator, TokenKeys) {
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let pool =
            crate::pool("postgres://postgres@127.0.0.1:1/none", 2, metrics, false, std::time::Duration::ZERO)
                .unwrap();
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        (Authenticator::new(pool, keys.clone()), keys)
    }

    #[tokio::test]
    async fn a_database_that_cannot_answer_refuses_new_requests_but_keeps_open_sockets() {
        let (auth, keys) = without_database();
        let (token, _) = keys.issue(UserId(7), SessionId(3)).unwrap();
        // A new request fails closed.
        assert_eq!(auth.authenticate(&token).await, None);
        // An open socket's re-check keeps it open while the database cannot say.
        let jwt = auth.access_jwt(&token).unwrap();
        assert!(auth.still_valid(&token, Some(&jwt)).await);
        // But its expiry is checked without the database, and a logout here ends it.
        let (viewer, _) = jwt;
        assert!(!auth.still_valid(&token, Some(&(viewer, Utc::now().timestamp() - 1))).await);
        auth.session_ended(SessionId(3));
        assert!(!auth.still_valid(&token, Some(&jwt)).await);
        // Garbage is never valid.
        assert!(auth.access_jwt("garbage").is_none());
        assert!(!auth.still_valid("garbage", None).await);
    }
}
