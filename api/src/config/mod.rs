//! Start-up configuration, read once from the environment. Every variable has
//! a default that makes `make run` work; a bad value names the variable.

mod media;

pub use media::{MediaConfig, MAX_PER_MESSAGE, MAX_WAVEFORM};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

/// Typed configuration of one server instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// PostgreSQL URL.
    pub database_url: String,
    /// Redis URL, if fan-out between instances is wanted.
    pub redis_url: Option<String>,
    /// Listen address.
    pub bind: SocketAddr,
    /// Public base URL (links in mail, default allowed origin).
    pub public_url: String,
    /// Origins allowed for WebSocket upgrades and browser POSTs; empty = derive
    /// from the public URL and the bound port.
    pub allowed_origins: Vec<String>,
    /// Data directory (JWT secret, outbox).
    pub data_dir: PathBuf,
    /// JWT secret, if given; otherwise generated under the data dir.
    pub jwt_secret: Option<String>,
    /// Built web app.
    pub web_dir: PathBuf,
    /// GraphiQL page and its npm assets.
    pub graphiql_dir: PathBuf,
    /// sendMessage per user per second.
    pub send_rate: u32,
    /// register/login/refresh per client address per minute.
    pub auth_rate: u32,
    /// GraphQL requests and WebSocket upgrades per client address per second.
    pub ip_rate: u32,
    /// How often the tailer looks at the log when no doorbell rings.
    pub log_poll: std::time::Duration,
    /// How long a DataLoader waits to gather keys into one batch.
    pub batch_delay: std::time::Duration,
    /// How many live events an instance buffers per subscriber before a slow
    /// one lags and falls back to the log (`JECO_LIVE_BUFFER`).
    pub live_buffer: usize,
    /// Recent events each watched conversation keeps in memory for replays of
    /// lagging or reconnecting subscribers (`JECO_REPLAY_WINDOW`; 0: the log).
    pub replay_window: usize,
    /// How long a presence heartbeat keeps a user online (heartbeats every third of it).
    pub presence_ttl: std::time::Duration,
    /// On SIGTERM, how long in-flight requests may take to finish before the
    /// instance exits anyway.
    pub drain_timeout: std::time::Duration,
    /// Take the client address from the last `X-Forwarded-For` hop (only
    /// behind a reverse proxy that sets it, as in docker-compose).
    pub trust_forwarded_for: bool,
    /// SMTP server for outgoing mail (`smtp://user:pass@host:587`, `smtps://…`);
    /// unset: mail is written to `$JECO_DATA_DIR/outbox/`.
    pub smtp_url: Option<String>,
    /// Sender address of outgoing mail.
    pub mail_from: String,
    /// Print the start of every SQL statement to stderr (`JECO_DEBUG_SQL`, for debugging).
    pub debug_sql: bool,
    /// Most PostgreSQL connections this instance opens (`JECO_DB_POOL`, default
    /// 24): N instances need N × this under the server's `max_connections`.
    pub db_pool: usize,
    /// Longest any one SQL statement of the server may run (`statement_timeout`
    /// of every pooled connection); zero means no limit.
    pub statement_timeout: std::time::Duration,
    /// Abuse limits: WebSocket timeouts and caps, the per-user write rate.
    pub limits: Limits,
    /// How long an access JWT is valid (`JECO_ACCESS_TTL_SECS`, default 15 minutes).
    pub access_ttl: std::time::Duration,
    /// How often an open WebSocket re-checks the credential it was opened with.
    pub credential_check: std::time::Duration,
    /// Uploads: storage, limits, URL lifetimes.
    pub media: MediaConfig,
    /// Persisted queries and trusted operations.
    pub operations: Operations,
}

/// Persisted operations (see `crate::persisted`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operations {
    /// Automatic Persisted Queries kept in memory (`JECO_APQ_CACHE`), least recently used dropped first.
    pub apq_cache: usize,
    /// The manifest of the only operations allowed to run (`JECO_TRUSTED_OPERATIONS`); none: any.
    pub trusted: Option<PathBuf>,
}

impl Default for Operations {
    fn default() -> Self {
        Operations { apq_cache: 10_000, trusted: None }
    }
}

/// Abuse limits (per instance), each with a `JECO_*` variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Time a WebSocket has to send `connection_init` before it closes with 4408.
    pub ws_init_timeout: Duration,
    /// A WebSocket that runs no operation for this long closes (1001).
    pub ws_idle_timeout: Duration,
    /// Server ping interval; a peer silent for three of them is closed (1001).
    pub ws_ping_every: Duration,
    /// Open WebSockets per user (over it `connection_init` is answered with close 1008).
    pub ws_per_user: usize,
    /// Open WebSockets per client address (over it the upgrade is refused with 429).
    pub ws_per_ip: usize,
    /// Writes (every mutation but sends, typing and sign-in) per user per second, burst 4×.
    pub write_rate: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            ws_init_timeout: Duration::from_secs(10),
            ws_idle_timeout: Duration::from_secs(600),
            ws_ping_every: Duration::from_secs(20),
            ws_per_user: 16,
            ws_per_ip: 64,
            write_rate: 10,
        }
    }
}

impl Limits {
    /// Reads the limits from the environment (defaults as in [`Limits::default`]).
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Limits::default();
        let ms = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            let v: u64 = parsed(name, default.as_millis() as u64)?;
            if v == 0 {
                bail!("{name} must be at least 1");
            }
            Ok(Duration::from_millis(v))
        };
        fn at_least_one<T: std::str::FromStr + Default + PartialEq>(
            name: &str,
            default: T,
        ) -> anyhow::Result<T>
        where
            T::Err: std::fmt::Display,
        {
            let v: T = parsed(name, default)?;
            if v == T::default() {
                bail!("{name} must be at least 1");
            }
            Ok(v)
        }
        Ok(Limits {
            ws_init_timeout: ms("JECO_WS_INIT_TIMEOUT_MS", d.ws_init_timeout)?,
            ws_idle_timeout: ms("JECO_WS_IDLE_TIMEOUT_MS", d.ws_idle_timeout)?,
            ws_ping_every: ms("JECO_WS_PING_MS", d.ws_ping_every)?,
            ws_per_user: at_least_one("JECO_WS_PER_USER", d.ws_per_user)?,
            ws_per_ip: at_least_one("JECO_WS_PER_IP", d.ws_per_ip)?,
            write_rate: at_least_one("JECO_WRITE_RATE", d.write_rate)?,
        })
    }
}

fn var(name: &str) -> anyhow::Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{name} is not valid UTF-8"),
    }
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name)? {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

impl Config {
    /// `JECO_DB_POOL` split between requests and the fan-out: (requests,
    /// fan-out). The fan-out (subscribers' reads and replays, delivery
    /// receipts) gets a quarter, at least one, and can never take the
    /// connections a `sendMessage` needs, however far subscribers fall behind.
    pub fn pool_split(&self) -> (usize, usize) {
        let fanout = (self.db_pool / 4).max(1);
        (self.db_pool.saturating_sub(fanout).max(1), fanout)
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url =
            var("DATABASE_URL")?.unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/jeco".into());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            bail!("DATABASE_URL must start with postgres:// or postgresql://");
        }
        let redis_url = var("REDIS_URL")?;
        if let Some(url) = &redis_url {
            // A comma-separated list of seed nodes names a Redis Cluster.
            let seeds = crate::redis_conn::seeds(url);
            if seeds.is_empty()
                || seeds.iter().any(|s| !s.starts_with("redis://") && !s.starts_with("rediss://"))
            {
                bail!("REDIS_URL must be a redis:// or rediss:// URL, or a comma-separated list of them (Redis Cluster seeds)");
            }
        }
        let bind: SocketAddr = parsed("JECO_BIND", SocketAddr::from(([0, 0, 0, 0], 8080)))?;
        let public_url = var("JECO_PUBLIC_URL")?
            .unwrap_or_else(|| "http://localhost:8080".into())
            .trim_end_matches('/')
            .to_string();
        if !public_url.starts_with("http://") && !public_url.starts_with("https://") {
            bail!("JECO_PUBLIC_URL must start with http:// or https://");
        }
        let allowed_origins = match var("JECO_ALLOWED_ORIGINS")? {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .map(|o| {
                    if o.starts_with("http://") || o.starts_with("https://") {
                        Ok(o)
                    } else {
                        bail!("JECO_ALLOWED_ORIGINS: {o:?} is not an http(s) origin")
                    }
                })
                .collect::<anyhow::Result<_>>()?,
        };
        let send_rate = parsed("JECO_SEND_RATE", 5u32)?;
        let auth_rate = parsed("JECO_AUTH_RATE", 30u32)?;
        let ip_rate = parsed("JECO_IP_RATE", 100u32)?;
        if send_rate == 0 || auth_rate == 0 || ip_rate == 0 {
            bail!("JECO_SEND_RATE, JECO_AUTH_RATE and JECO_IP_RATE must be at least 1");
        }
        Ok(Config {
            database_url,
            redis_url,
            bind,
            public_url,
            allowed_origins,
            data_dir: var("JECO_DATA_DIR")?.unwrap_or_else(|| "data".into()).into(),
            jwt_secret: var("JECO_JWT_SECRET")?,
            web_dir: var("JECO_WEB_DIR")?.unwrap_or_else(|| "web/dist".into()).into(),
            graphiql_dir: var("JECO_GRAPHIQL_DIR")?.unwrap_or_else(|| "api/graphiql".into()).into(),
            send_rate,
            auth_rate,
            ip_rate,
            log_poll: std::time::Duration::from_millis(parsed("JECO_LOG_POLL_MS", 500u64)?.max(10)),
            trust_forwarded_for: parsed("JECO_TRUST_FORWARDED_FOR", false)?,
            smtp_url: var("SMTP_URL")?,
            mail_from: var("JECO_MAIL_FROM")?.unwrap_or_else(|| "Jeco Chat <no-reply@localhost>".into()),
            batch_delay: std::time::Duration::from_millis(parsed("JECO_BATCH_DELAY_MS", 1u64)?),
            live_buffer: parsed("JECO_LIVE_BUFFER", 4096usize)?.max(1),
            replay_window: parsed("JECO_REPLAY_WINDOW", 1024usize)?,
            presence_ttl: std::time::Duration::from_millis(
                parsed("JECO_PRESENCE_TTL_MS", 30_000u64)?.max(300),
            ),
            drain_timeout: std::time::Duration::from_millis(parsed("JECO_DRAIN_TIMEOUT_MS", 10_000u64)?),
            // Any value turns it on (`1`, `yes`), except the obvious "off" spellings.
            debug_sql: var("JECO_DEBUG_SQL")?.is_some_and(|v| !matches!(v.trim(), "0" | "false")),
            db_pool: parsed("JECO_DB_POOL", 24usize)?.clamp(2, 1000),
            statement_timeout: std::time::Duration::from_millis(parsed(
                "JECO_STATEMENT_TIMEOUT_MS",
                5_000u64,
            )?),
            limits: Limits::from_env()?,
            access_ttl: std::time::Duration::from_secs(
                parsed("JECO_ACCESS_TTL_SECS", 900u64)?.clamp(1, 86_400),
            ),
            credential_check: std::time::Duration::from_millis(
                parsed("JECO_CREDENTIAL_CHECK_MS", 2_000u64)?.clamp(100, 60_000),
            ),
            media: MediaConfig::from_env()?,
            operations: Operations {
                apq_cache: parsed("JECO_APQ_CACHE", Operations::default().apq_cache)?.max(1),
                trusted: var("JECO_TRUSTED_OPERATIONS")?.map(PathBuf::from),
            },
        })
    }

    /// The allowed origins once the real port is known.
    pub fn origins_for(&self, port: u16) -> Vec<String> {
        if !self.allowed_origins.is_empty() {
            return self.allowed_origins.clone();
        }
        let mut origins = vec![
            origin_of(&self.public_url),
            format!("http://localhost:{port}"),
            format!("http://127.0.0.1:{port}"),
        ];
        origins.dedup();
        origins
    }

    /// The JWT secret: configured, or read from (or created in) the data dir.
    pub fn load_jwt_secret(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(s) = &self.jwt_secret {
            if s.len() < 32 {
                bail!("JECO_JWT_SECRET must be at least 32 characters");
            }
            return Ok(s.as_bytes().to_vec());
        }
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            if existing.trim().len() >= 32 {
                return Ok(existing.trim().as_bytes().to_vec());
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("JECO_DATA_DIR {:?} cannot be created", self.data_dir))?;
        let secret = crate::auth::random_token(48);
        write_private(&path, &secret).with_context(|| format!("cannot write {path:?} (JECO_DATA_DIR)"))?;
        Ok(secret.into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> String {
    let rest_start = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[rest_start..].find('/') {
        Some(i) => url[..rest_start + i].to_string(),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_strips_path() {
        assert_eq!(origin_of("https://chat.example.com/app"), "https://chat.example.com");
        assert_eq!(origin_of("http://localhost:8080"), "http://localhost:8080");
    }
}
