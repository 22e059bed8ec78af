//! Jeco Chat server: GraphQL over HTTP and WebSocket on axum, with services
//! that own every write and an event hub that delivers them live.

pub mod auth;
pub mod config;
pub mod cors;
pub mod csp;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod fanout;
pub mod graphiql;
pub mod graphql;
pub mod guards;
pub mod http;
pub mod hub;
pub mod ids;
pub mod mail;
pub mod media;
pub mod media_routes;
pub mod metrics;
pub mod persisted;
pub mod presence;
pub mod ratelimit;
pub mod redis_broker;
pub mod redis_conn;
pub mod services;
pub mod state;
pub mod tx;
pub mod webapp;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use jeco_schema::PgPool;

use crate::auth::{PasswordHasherPool, TokenKeys};
use crate::config::Config;
use crate::hub::{EventHub, InProcessBroker};
use crate::state::AppState;

/// Runs pending migrations (off the async runtime; see `jeco_schema::migrate`).
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || jeco_schema::migrate(&url)).await?.map_err(|e| anyhow::anyhow!("{e}"))
}

/// A connection pool for the URL; every statement is counted in `metrics` (and,
/// with `debug_sql`, its start printed to stderr) and cancelled by PostgreSQL
/// after `statement_timeout` (zero: never), so no request can keep the
/// database busy for long. Connections are opened on the runtime that builds
/// the pool (see below), whichever task asks for one.
pub fn pool(
    database_url: &str,
    size: usize,
    metrics: Arc<metrics::Metrics>,
    debug_sql: bool,
    statement_timeout: std::time::Duration,
) -> anyhow::Result<PgPool> {
    use diesel::connection::InstrumentationEvent;
    use diesel_async::pooled_connection::{ManagerConfig, RecyclingMethod};
    use diesel_async::AsyncConnection;
    use futures_util::FutureExt;
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // `Verified` would send a `SELECT 1` on every checkout; a dead connection
    // fails its first real query instead, which the caller reports.
    config.recycling_method = RecyclingMethod::Fast;
    // A connection's socket and the task that drives it belong to the runtime
    // that opens it. Opened lazily from a subscriber's task, they would live on
    // the fan-out runtime (`fanout`, lower priority, busy under load), and every
    // later query on that connection, a `sendMessage`'s included, would wait
    // for fan-out threads to read its replies: sends slowed with deliveries.
    // So every connection is opened on the pool's home runtime.
    let home = tokio::runtime::Handle::try_current().ok();
    config.custom_setup = Box::new(move |url| {
        let metrics = metrics.clone();
        let url = url.to_owned();
        let open = async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            let set = format!("SET statement_timeout = {}", statement_timeout.as_millis());
            diesel_async::RunQueryDsl::execute(diesel::sql_query(set), &mut conn)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            let counter = move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { query, .. } = event {
                    if debug_sql {
                        eprintln!("SQL {}", query.to_string().chars().take(90).collect::<String>());
                    }
                    metrics.sql_statements.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            };
            conn.set_instrumentation(counter);
            Ok(conn)
        };
        match home.clone() {
            Some(home) => async move {
                home.spawn(open).await.map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?
            }
            .boxed(),
            None => open.boxed(),
        }
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager).max_size(size).build().context("cannot build the database pool")
}

/// A started server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// Shared state (tests use it to inspect the database).
    pub state: AppState,
    shutdown: tokio::sync::oneshot::Sender<()>,
    stopping: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Drains and stops: `/readyz` answers 503 and every WebSocket closes with
    /// 1012 (clients resume elsewhere from their cursor), no new connection is
    /// accepted, and requests already in flight finish and every socket has
    /// sent its close frame — for at most
    /// `JECO_DRAIN_TIMEOUT_MS`, after which the server task is aborted.
    pub async fn stop(mut self) {
        let _ = self.stopping.send(true);
        let _ = self.shutdown.send(());
        let bound = self.state.config.drain_timeout;
        let metrics = self.state.metrics.clone();
        let task = &mut self.task;
        let drained = async move {
            let _ = task.await;
            // The HTTP server does not wait for upgraded connections: wait
            // until every WebSocket has sent its 1012 close frame.
            while metrics.websocket_connections.load(std::sync::atomic::Ordering::Relaxed) > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        };
        if tokio::time::timeout(bound, drained).await.is_err() {
            tracing::warn!("requests still running after the {bound:?} drain bound; stopping anyway");
            self.task.abort();
            let _ = self.task.await;
        }
    }
}

/// Migrates, binds and starts serving in the background.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    // Everything that can be wrong in the configuration fails before the database is touched.
    let secret = config.load_jwt_secret()?;
    let keys = TokenKeys::new(&secret).with_ttl(config.access_ttl);
    let media = media::Media::new(config.media.clone(), &config.data_dir, &secret)?;
    let trusted =
        config.operations.trusted.as_deref().map(persisted::manifest::Manifest::load).transpose()?;
    migrate(&config.database_url).await?;
    let metrics = Arc::new(metrics::Metrics::default());
    let (request_share, fanout_share) = config.pool_split();
    let open =
        |size| pool(&config.database_url, size, metrics.clone(), config.debug_sql, config.statement_timeout);
    let (pool, fanout_pool) = (open(request_share)?, open(fanout_share)?);
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on JECO_BIND={}", config.bind))?;
    let addr = listener.local_addr()?;
    let (broker, shared): (Arc<dyn hub::Broker>, _) = match &config.redis_url {
        Some(url) => {
            let redis = redis_broker::RedisBroker::connect(url).await?;
            let conn = redis.connection();
            (redis, Some(conn))
        }
        None => (Arc::new(InProcessBroker::default()), None),
    };
    let hub = EventHub::new(
        pool.clone(),
        fanout_pool.clone(),
        broker,
        config.log_poll,
        config.live_buffer,
        config.replay_window,
        metrics.clone(),
    );
    let timing = presence::PresenceTiming { ttl: config.presence_ttl, every: config.presence_ttl / 3 };
    let apq_cache =
        std::num::NonZeroUsize::new(config.operations.apq_cache).unwrap_or(std::num::NonZeroUsize::MIN);
    let persisted = persisted::Persisted::new(apq_cache, http::MAX_BODY_BYTES, shared.clone(), trusted);
    let presence = presence::Presence::new(hub.clone(), shared, timing);
    let hasher = PasswordHasherPool::new()?;
    let mailer = mail::Mailer::new(&config)?;
    let origins = config.origins_for(addr.port());
    let (stopping, shutdown) = tokio::sync::watch::channel(false);
    let state = AppState::new(state::Parts {
        pool,
        fanout_pool,
        config: Arc::new(config),
        allowed_origins: origins,
        hub: hub.clone(),
        keys,
        hasher,
        shutdown,
        presence,
        metrics,
        mailer,
        media,
        persisted,
    });
    let tailer = tokio::spawn(hub.run_tailer());
    media_routes::spawn_sweeper(state.clone());
    let app = http::router(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("server stopped: {e}");
        }
        tailer.abort();
    });
    Ok(Running { addr, state, shutdown: tx, stopping, task })
}
