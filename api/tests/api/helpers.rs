//! Test harness: `spawn_app()` starts the real server on a free port against a
//! fresh database cloned from the migrated template (see `test_db`), with typed
//! helpers for GraphQL over HTTP and WebSocket.

use std::time::Duration;

use diesel::sql_types::BigInt;
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use jeco_api::config::{Config, Limits};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::ops::op;

pub use crate::test_db::{data_dir_for, redis_url, TestDb};
pub use crate::ws_client::{log_start, Ws, WsEvent};

/// Options for a test server.
pub struct Opts {
    /// sendMessage per user per second.
    pub send_rate: u32,
    /// Auth calls per address per minute.
    pub auth_rate: u32,
    /// Requests per address per second.
    pub ip_rate: u32,
    /// Redis URL (cross-instance doorbell).
    pub redis_url: Option<String>,
    /// Tailer poll when no doorbell rings.
    pub log_poll_ms: u64,
    /// Honour X-Forwarded-For.
    pub trust_forwarded_for: bool,
    /// Presence heartbeat lifetime.
    pub presence_ttl_ms: u64,
    /// DataLoader batching window.
    pub batch_delay_ms: u64,
    /// Access JWT lifetime.
    pub access_ttl_secs: u64,
    /// How often an open WebSocket re-checks its credential.
    pub credential_check_ms: u64,
    /// Live events buffered per subscriber before it lags.
    pub live_buffer: usize,
    /// Recent events each conversation keeps for replays.
    pub replay_window: usize,
    /// `statement_timeout` of the server's connections.
    pub statement_timeout_ms: u64,
    /// Abuse limits (tests default to caps no test reaches by accident).
    pub limits: Limits,
    /// The built web app served at `/` (none by default).
    pub web_dir: std::path::PathBuf,
    /// Uploads (tests: no access-answer cache; a sweeper that stays out of
    /// statement counts, which the sweep tests shorten).
    pub media: jeco_api::media::MediaConfig,
    /// Persisted queries and trusted operations.
    pub operations: jeco_api::config::Operations,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            send_rate: 10_000,
            auth_rate: 10_000,
            ip_rate: 100_000,
            redis_url: None,
            log_poll_ms: 500,
            trust_forwarded_for: false,
            presence_ttl_ms: 30_000,
            batch_delay_ms: 1,
            access_ttl_secs: 900,
            credential_check_ms: 500,
            live_buffer: 4096,
            replay_window: 1024,
            statement_timeout_ms: 5_000,
            limits: Limits {
                ws_per_user: 10_000,
                ws_per_ip: 10_000,
                write_rate: 10_000,
                ..Limits::default()
            },
            web_dir: "/nonexistent".into(),
            media: jeco_api::media::MediaConfig {
                access_cache: Duration::ZERO,
                sweep_every: Duration::from_secs(3600),
                ..Default::default()
            },
            operations: Default::default(),
        }
    }
}

/// A running server plus a client.
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub db_url: String,
    pub http: reqwest::Client,
    pub running: Option<jeco_api::Running>,
    /// `JECO_DATA_DIR` of this server (its `outbox/` holds sent mail).
    pub data_dir: std::path::PathBuf,
    /// The database, if this server created it: dropped (with the data dir) when this app is.
    pub db: Option<TestDb>,
}

/// Starts a server with default options.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Opts::default()).await
}

/// A server with alice, who made the public room "General", and bob, who
/// joined it: (app, alice's token, bob's token, room id).
pub async fn room_of_two() -> (TestApp, String, String, String) {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    (app, alice, bob, room)
}

/// Starts a server.
pub async fn spawn_app_with(opts: Opts) -> TestApp {
    let db = TestDb::create().await;
    let mut app = start_on(db.url.clone(), "127.0.0.1:0".parse().unwrap(), opts).await;
    app.db = Some(db);
    app
}

/// Starts a server on a given database and address (used for restarts).
pub async fn start_on(db_url: String, bind: std::net::SocketAddr, opts: Opts) -> TestApp {
    let data_dir = data_dir_for(&db_url);
    let config = Config {
        database_url: db_url.clone(),
        redis_url: opts.redis_url,
        bind,
        public_url: "http://localhost:8080".into(),
        allowed_origins: vec!["http://localhost:8080".into()],
        data_dir: data_dir.clone(),
        jwt_secret: Some("test-secret-test-secret-test-secret-1234".into()),
        web_dir: opts.web_dir,
        graphiql_dir: "/nonexistent".into(),
        send_rate: opts.send_rate,
        auth_rate: opts.auth_rate,
        ip_rate: opts.ip_rate,
        log_poll: Duration::from_millis(opts.log_poll_ms),
        trust_forwarded_for: opts.trust_forwarded_for,
        presence_ttl: Duration::from_millis(opts.presence_ttl_ms),
        drain_timeout: Duration::from_secs(5),
        batch_delay: Duration::from_millis(opts.batch_delay_ms),
        live_buffer: opts.live_buffer,
        replay_window: opts.replay_window,
        smtp_url: None,
        mail_from: "Jeco Chat <no-reply@localhost>".into(),
        debug_sql: std::env::var("JECO_TEST_DEBUG_SQL").is_ok(),
        db_pool: 24,
        statement_timeout: Duration::from_millis(opts.statement_timeout_ms),
        limits: opts.limits,
        access_ttl: Duration::from_secs(opts.access_ttl_secs),
        credential_check: Duration::from_millis(opts.credential_check_ms),
        media: opts.media,
        operations: opts.operations,
    };
    let running = jeco_api::start(config).await.expect("server starts");
    TestApp {
        addr: running.addr,
        db_url,
        http: reqwest::Client::new(),
        running: Some(running),
        data_dir,
        db: None,
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server (the database stays until this app is dropped).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Rows in a table (for "nothing was written" assertions).
    pub async fn count(&self, table: &str) -> i64 {
        let mut c = AsyncPgConnection::establish(&self.db_url).await.unwrap();
        let row: Count =
            diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result(&mut c).await.unwrap();
        row.n
    }

    /// Counts of every table that a write could touch.
    pub async fn snapshot(&self) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for t in [
            "users",
            "sessions",
            "conversations",
            "members",
            "messages",
            "events",
            "contacts",
            "blocks",
            "read_positions",
            "notifications",
            "reactions",
            "password_resets",
            "access_tokens",
            "attachments",
        ] {
            out.push((t.to_string(), self.count(t).await));
        }
        out
    }

    /// Runs SQL returning one bigint `n`.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let mut c = AsyncPgConnection::establish(&self.db_url).await.unwrap();
        let row: Count = diesel::sql_query(sql).get_result(&mut c).await.unwrap();
        row.n
    }

    /// POSTs a GraphQL request; returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req =
            self.http.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    /// Registers `name` (password "password-<name>"); returns (access token, user id).
    pub async fn register(&self, name: &str) -> (String, String) {
        let r = self
            .gql(
                None,
                op("Register"),
                json!({ "input": { "username": name, "email": format!("{name}@example.com"), "password": format!("password-{name}") } }),
            )
            .await;
        let p = &r["data"]["register"];
        assert_eq!(p["userErrors"], json!([]), "register {name}: {r}");
        (p["accessToken"].as_str().unwrap().to_string(), p["user"]["id"].as_str().unwrap().to_string())
    }

    /// Creates a public room; returns its id.
    pub async fn create_room(&self, token: &str, name: &str) -> String {
        let r = self.gql(Some(token), op("CreateRoom"), json!({ "input": { "name": name } })).await;
        assert_eq!(r["data"]["createRoom"]["userErrors"], json!([]), "{r}");
        r["data"]["createRoom"]["conversation"]["id"].as_str().unwrap().to_string()
    }

    /// Joins a room, asserting success.
    pub async fn join(&self, token: &str, room: &str) {
        let r = self.gql(Some(token), op("JoinRoom"), json!({ "input": { "conversationId": room } })).await;
        assert_eq!(r["data"]["joinRoom"]["userErrors"], json!([]), "{r}");
    }

    /// Sends a message; returns the sendMessage payload.
    pub async fn send(&self, token: &str, room: &str, body: &str, client_id: &str) -> Value {
        let r = self
            .gql(
                Some(token),
                op("SendMessage"),
                json!({ "input": { "conversationId": room, "body": body, "clientId": client_id } }),
            )
            .await;
        r["data"]["sendMessage"].clone()
    }

    /// Runs a mutation `name(input: $i)` selecting `fields`; returns its payload.
    pub async fn mutate(
        &self,
        token: Option<&str>,
        name: &str,
        input_type: &str,
        input: Value,
        fields: &str,
    ) -> Value {
        let q = format!("mutation($i: {input_type}!){{ {name}(input:$i){{ {fields} userErrors{{ field code message }} }} }}");
        let r = self.gql(token, &q, json!({ "i": input })).await;
        assert!(r["errors"].is_null(), "{name}: {r}");
        r["data"][name].clone()
    }

    /// Opens a graphql-transport-ws connection (no init yet).
    pub async fn ws_raw(&self, origin: Option<&str>) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let mut req = format!("ws://{}/graphql/ws", self.addr).into_client_request().unwrap();
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        let (stream, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(Ws { stream })
    }

    /// Opens a connection and completes `connection_init` with the token.
    pub async fn ws(&self, token: &str) -> Ws {
        let mut ws = self.ws_raw(None).await.unwrap();
        ws.send(json!({ "type": "connection_init", "payload": { "authToken": token } })).await;
        let ack = ws.recv().await.expect("ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }
}
