//! Shared server state, built once at start-up.

use std::sync::Arc;
use std::time::Duration;

use jeco_schema::PgPool;

use crate::auth::{PasswordHasherPool, TokenKeys};
use crate::config::Config;
use crate::hub::EventHub;
use crate::ratelimit::Limiter;

/// Everything a request handler or service needs.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// Origins allowed for WebSocket upgrades and browser POSTs.
    pub allowed_origins: Arc<Vec<String>>,
    /// Live event delivery.
    pub hub: EventHub,
    /// Access-token keys.
    pub keys: TokenKeys,
    /// Password hashing.
    pub hasher: PasswordHasherPool,
    /// sendMessage per user.
    pub send_limiter: Limiter<i64>,
    /// register/login/refresh per client address.
    pub auth_limiter: Limiter<String>,
    /// setTyping per user.
    pub typing_limiter: Limiter<i64>,
    /// Any GraphQL request or WebSocket upgrade per client address.
    pub ip_limiter: Limiter<std::net::IpAddr>,
    /// Flips to `true` when the server shuts down (WebSockets close with 1012).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Who is online.
    pub presence: crate::presence::Presence,
    /// Process counters.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Delivery receipts waiting to be written.
    pub deliveries: Arc<crate::deliveries::Deliveries>,
    /// Which sessions are still open.
    pub sessions: Arc<crate::auth::SessionCache>,
    /// Personal access tokens recently checked.
    pub access_tokens: Arc<crate::auth::AccessTokenCache>,
    /// Outgoing mail (SMTP, or the outbox folder).
    pub mailer: Arc<crate::mail::Mailer>,
}

/// The parts of the state that start-up builds before the state itself.
pub struct Parts {
    /// Database pool.
    pub pool: PgPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// Origins allowed for WebSocket upgrades and browser POSTs.
    pub allowed_origins: Vec<String>,
    /// Live event delivery.
    pub hub: EventHub,
    /// Access-token keys.
    pub keys: TokenKeys,
    /// Password hashing.
    pub hasher: PasswordHasherPool,
    /// Shutdown signal.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Who is online.
    pub presence: crate::presence::Presence,
    /// Process counters.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Outgoing mail.
    pub mailer: crate::mail::Mailer,
}

impl AppState {
    /// Builds the state (and the rate limiters from the configuration).
    pub fn new(parts: Parts) -> Self {
        let Parts { pool, config, allowed_origins, hub, keys, hasher, shutdown, presence, metrics, mailer } =
            parts;
        let deliveries = crate::deliveries::Deliveries::start(pool.clone(), hub.clone());
        let send_limiter = Limiter::new(config.send_rate, Duration::from_secs(1), config.send_rate * 4);
        let auth_limiter = Limiter::new(config.auth_rate, Duration::from_secs(60), config.auth_rate);
        // A client renews "typing" every couple of seconds; 2/s with a burst of 4 is plenty.
        let typing_limiter = Limiter::new(2, Duration::from_secs(1), 4);
        let ip_limiter = Limiter::new(config.ip_rate, Duration::from_secs(1), config.ip_rate * 4);
        AppState {
            pool,
            config,
            allowed_origins: Arc::new(allowed_origins),
            hub,
            keys,
            hasher,
            send_limiter,
            auth_limiter,
            ip_limiter,
            typing_limiter,
            shutdown,
            presence,
            metrics,
            deliveries,
            sessions: Arc::new(crate::auth::SessionCache::default()),
            access_tokens: Arc::new(crate::auth::AccessTokenCache::default()),
            mailer: Arc::new(mailer),
        }
    }
}

impl AppState {
    /// The viewer a bearer token stands for: an access JWT of an open session,
    /// or an unrevoked, unexpired personal access token. `None` for anything
    /// else (a database failure counts as invalid).
    pub async fn authenticate(&self, token: &str) -> Option<crate::auth::Viewer> {
        let token = token.trim();
        if let Some((id, secret)) = crate::auth::parse_access_token(token) {
            return crate::services::tokens::check(self, id, secret).await;
        }
        let viewer = self.keys.verify(token)?;
        self.session_open(viewer.session_id?).await.then_some(viewer)
    }

    /// Whether the session behind an access token is still open (cached; a
    /// database failure counts as closed).
    pub async fn session_open(&self, session_id: i64) -> bool {
        if let Some(open) = self.sessions.cached(session_id) {
            return open;
        }
        let open = match self.pool.get().await {
            Ok(mut c) => jeco_schema::sessions::session(&mut c, session_id)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.revoked_at.is_none() && s.expires_at > chrono::Utc::now()),
            Err(_) => return false,
        };
        self.sessions.remember(session_id, open);
        open
    }
}
