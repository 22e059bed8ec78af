//! Shared server state, built once at start-up.

use std::sync::Arc;
use std::time::Duration;

use jeco_schema::PgPool;

use crate::auth::{Authenticator, PasswordHasherPool, TokenKeys};
use crate::config::Config;
use crate::hub::EventHub;
use crate::ratelimit::{ConnCap, Limiter};
use jeco_schema::ids::UserId;

/// Everything a request handler or service needs.
#[derive(Clone)]
pub struct AppState {
    /// Database pool: the request side's, or the fan-out's in a WebSocket
    /// connection's state (see [`AppState::for_fanout`]).
    pub pool: PgPool,
    /// The fan-out's own share of the connections (`Config::pool_split`).
    pub fanout_pool: PgPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// Origins allowed for WebSocket upgrades and browser POSTs.
    pub allowed_origins: Arc<Vec<String>>,
    /// Live event delivery.
    pub hub: EventHub,
    /// Credential checks (bearer tokens, open sessions) and access-token issue.
    pub auth: Authenticator,
    /// The same checks on the fan-out's pool, for WebSocket connections: one
    /// per instance, so their session reads share one batching reader.
    pub fanout_auth: Authenticator,
    /// Password hashing.
    pub hasher: PasswordHasherPool,
    /// sendMessage per user.
    pub send_limiter: Limiter<UserId>,
    /// register/login/refresh per client address.
    pub auth_limiter: Limiter<String>,
    /// setTyping per user.
    pub typing_limiter: Limiter<UserId>,
    /// Any GraphQL request or WebSocket upgrade per client address.
    pub ip_limiter: Limiter<std::net::IpAddr>,
    /// Every other write (edits, reactions, pins, reads, contacts, rooms, profile) per user.
    pub write_limiter: Limiter<UserId>,
    /// Open WebSockets per user.
    pub ws_per_user: ConnCap<UserId>,
    /// Open WebSockets per client address.
    pub ws_per_ip: ConnCap<std::net::IpAddr>,
    /// Flips to `true` when the server shuts down (WebSockets close with 1012).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Who is online.
    pub presence: crate::presence::Presence,
    /// Process counters.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Delivery receipts waiting to be written.
    pub deliveries: Arc<crate::deliveries::Deliveries>,
    /// Outgoing mail (SMTP, or the outbox folder).
    pub mailer: Arc<crate::mail::Mailer>,
    /// Uploads, storage and signed file URLs.
    pub media: Arc<crate::media::Media>,
    /// Persisted queries and trusted operations.
    pub persisted: Arc<crate::persisted::Persisted>,
}

/// The parts of the state that start-up builds before the state itself.
pub struct Parts {
    /// Database pool of requests.
    pub pool: PgPool,
    /// Database pool of the fan-out.
    pub fanout_pool: PgPool,
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
    /// Uploads, storage and signed file URLs.
    pub media: crate::media::Media,
    /// Persisted queries and trusted operations.
    pub persisted: crate::persisted::Persisted,
}

impl AppState {
    /// Builds the state (and the rate limiters from the configuration).
    pub fn new(parts: Parts) -> Self {
        let Parts {
            pool,
            fanout_pool,
            config,
            allowed_origins,
            hub,
            keys,
            hasher,
            shutdown,
            presence,
            metrics,
            mailer,
            media,
            persisted,
        } = parts;
        // Receipts are fan-out work: one flush per tick, whatever the rate.
        let deliveries = crate::deliveries::Deliveries::start(fanout_pool.clone(), hub.clone());
        let auth = Authenticator::new(pool.clone(), keys);
        let fanout_auth = auth.on_pool(fanout_pool.clone(), crate::auth::RECHECK_BATCH);
        let send_limiter = Limiter::new(config.send_rate, Duration::from_secs(1), config.send_rate * 4);
        let auth_limiter = Limiter::new(config.auth_rate, Duration::from_secs(60), config.auth_rate);
        // A client renews "typing" every couple of seconds; 2/s with a burst of 4 is plenty.
        let typing_limiter = Limiter::new(2, Duration::from_secs(1), 4);
        let ip_limiter = Limiter::new(config.ip_rate, Duration::from_secs(1), config.ip_rate * 4);
        let limits = &config.limits;
        let write_limiter =
            Limiter::new(limits.write_rate, Duration::from_secs(1), limits.write_rate.saturating_mul(4));
        let ws_per_user = ConnCap::new(limits.ws_per_user);
        let ws_per_ip = ConnCap::new(limits.ws_per_ip);
        AppState {
            pool,
            fanout_pool,
            config,
            allowed_origins: Arc::new(allowed_origins),
            hub,
            auth,
            fanout_auth,
            hasher,
            send_limiter,
            auth_limiter,
            ip_limiter,
            typing_limiter,
            write_limiter,
            ws_per_user,
            ws_per_ip,
            shutdown,
            presence,
            metrics,
            deliveries,
            mailer: Arc::new(mailer),
            media: Arc::new(media),
            persisted: Arc::new(persisted),
        }
    }

    /// The state a WebSocket connection runs with: everything it does (its
    /// subscriptions' reads, its operations) uses the fan-out's pool.
    pub fn for_fanout(&self) -> AppState {
        AppState { pool: self.fanout_pool.clone(), auth: self.fanout_auth.clone(), ..self.clone() }
    }
}
