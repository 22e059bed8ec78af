//! `jeco-bench conn-client` (hidden): one client process of the `connections` bench. It opens
//! the connections of its plan (each bound to one of the plan's loopback source addresses),
//! subscribes each to its room, and records deliveries; the coordinator asks it for `status`
//! and `report` on stdin and reads one JSON line back. EOF or `quit` ends it.
//!
//! Lean on purpose: one task per connection, a 4 KiB read buffer and no write buffer, and
//! frames parsed into borrowed strings (no allocation per delivery).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::conns_proto::{unix_us, Histogram, Kind, NextBody, Plan, Report, Status};
use crate::frames::{parse_body, BodyKind};

/// A client connection (plain TCP: loopback only).
type Ws = WebSocketStream<TcpStream>;

/// Time allowed for one connection's TCP + upgrade + `connection_ack`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// The client's WebSocket read buffer: server frames here are a few hundred bytes (a bigger
/// one grows the buffer while it is read).
pub const READ_BUFFER: usize = 4 * 1024;

/// The client's WebSocket settings: small read buffer, every frame written at once.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_BUFFER).write_buffer_size(0)
}

/// What all connections of this process share.
struct Shared {
    /// Measured messages (sequence numbers `0..total`).
    total: usize,
    /// Rooms: message `seq` is for room `seq % rooms`.
    rooms: usize,
    /// Counters reported in [`Status`].
    opened: AtomicUsize,
    /// See [`Status::failed`].
    failed: AtomicUsize,
    /// See [`Status::alive`].
    alive: AtomicUsize,
    /// See [`Status::warm`].
    warm: AtomicUsize,
    /// See [`Status::subscribed`].
    subscribed: AtomicUsize,
    /// See [`Status::received`].
    received: AtomicU64,
    /// See [`Status::ended`].
    ended: AtomicUsize,
    /// See [`Status::first_error`].
    first_error: Mutex<Option<String>>,
    /// See [`Report::warm_per_room`].
    warm_per_room: Vec<AtomicU32>,
    /// See [`Report::per_seq`].
    per_seq: Vec<AtomicU32>,
    /// See [`Report::doubled`].
    doubled: AtomicU64,
    /// See [`Report::misrouted`].
    misrouted: AtomicU64,
    /// See [`Report::graphql_errors`].
    graphql_errors: AtomicU64,
    /// See [`Report::first_graphql_error`].
    first_graphql_error: Mutex<Option<String>>,
    /// See [`Report::unparsed`].
    unparsed: AtomicU64,
    /// Delivery latencies, µs.
    latency: Histogram,
}

impl Shared {
    /// Keeps the first error message.
    fn note_error(&self, e: String) {
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert(e);
        }
    }

    /// The current counters.
    fn status(&self) -> Status {
        Status {
            opened: self.opened.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            alive: self.alive.load(Ordering::Relaxed),
            warm: self.warm.load(Ordering::Relaxed),
            subscribed: self.subscribed.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            ended: self.ended.load(Ordering::Relaxed),
            first_error: self.first_error.lock().ok().and_then(|e| e.clone()),
        }
    }

    /// Everything, for the coordinator.
    fn report(&self) -> Report {
        let load32 = |v: &[AtomicU32]| v.iter().map(|a| a.load(Ordering::Relaxed)).collect();
        Report {
            status: self.status(),
            warm_per_room: load32(&self.warm_per_room),
            per_seq: load32(&self.per_seq),
            doubled: self.doubled.load(Ordering::Relaxed),
            misrouted: self.misrouted.load(Ordering::Relaxed),
            graphql_errors: self.graphql_errors.load(Ordering::Relaxed),
            first_graphql_error: self.first_graphql_error.lock().ok().and_then(|e| e.clone()),
            unparsed: self.unparsed.load(Ordering::Relaxed),
            latency_buckets: self.latency.snapshot(),
        }
    }
}

/// Runs the client with the plan in `plan_path` until stdin says `quit` or ends.
pub async fn main(plan_path: PathBuf) -> Result<()> {
    let text =
        std::fs::read_to_string(&plan_path).with_context(|| format!("reading {}", plan_path.display()))?;
    let plan: Plan = serde_json::from_str(&text).context("parsing the plan")?;
    if plan.sources.is_empty() || plan.rooms == 0 {
        bail!("the plan has no source addresses or no rooms");
    }
    let shared = Arc::new(Shared {
        total: plan.total,
        rooms: plan.rooms,
        opened: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        alive: AtomicUsize::new(0),
        warm: AtomicUsize::new(0),
        subscribed: AtomicUsize::new(0),
        received: AtomicU64::new(0),
        ended: AtomicUsize::new(0),
        first_error: Mutex::new(None),
        warm_per_room: (0..plan.rooms).map(|_| AtomicU32::new(0)).collect(),
        per_seq: (0..plan.total).map(|_| AtomicU32::new(0)).collect(),
        doubled: AtomicU64::new(0),
        misrouted: AtomicU64::new(0),
        graphql_errors: AtomicU64::new(0),
        first_graphql_error: Mutex::new(None),
        unparsed: AtomicU64::new(0),
        latency: Histogram::new(),
    });
    tokio::spawn(open_all(plan, shared.clone()));

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    while let Some(line) = lines.next_line().await? {
        let answer = match line.trim() {
            "status" => serde_json::to_string(&shared.status())?,
            "report" => serde_json::to_string(&shared.report())?,
            "quit" => break,
            other => bail!("unknown command {other:?}"),
        };
        stdout.write_all(answer.as_bytes()).await?;
        stdout.write_all(b"\n").await?;
        stdout.flush().await?;
    }
    // Exiting closes every socket at once; nothing needs a clean close here.
    std::process::exit(0)
}

/// Opens every connection of the plan, `concurrency` at a time, groups interleaved so that
/// every user and room fills up evenly.
async fn open_all(plan: Plan, shared: Arc<Shared>) {
    let Plan { url, origin, sources, concurrency, groups, .. } = plan;
    let mut order = Vec::new();
    let mut left: Vec<usize> = groups.iter().map(|g| g.count).collect();
    while left.iter().any(|&n| n > 0) {
        for (g, n) in left.iter_mut().enumerate() {
            if *n > 0 {
                *n -= 1;
                order.push(g);
            }
        }
    }
    let sources: Vec<SocketAddr> = sources
        .iter()
        .filter_map(|s| s.parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 0))
        .collect();
    let (url, origin, groups) = (&url, origin.as_deref(), &groups);
    futures_util::stream::iter(order.into_iter().enumerate())
        .for_each_concurrent(concurrency.max(1), |(j, g)| {
            let shared = shared.clone();
            let source = sources.get(j % sources.len().max(1)).copied();
            async move {
                let Some(group) = groups.get(g) else { return };
                let subscribe = subscribe_frame(&group.room);
                let opened = async {
                    let source = source.context("no usable source address")?;
                    let mut ws = connect(url, origin, source, group.token.as_deref()).await?;
                    ws.send(Message::text(subscribe)).await?;
                    Ok::<_, anyhow::Error>(ws)
                };
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, opened).await {
                    Ok(Ok(ws)) => {
                        shared.opened.fetch_add(1, Ordering::Relaxed);
                        shared.alive.fetch_add(1, Ordering::Relaxed);
                        tokio::spawn(receive(ws, group.room_index, shared));
                    }
                    Ok(Err(e)) => {
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                        shared.note_error(format!("opening: {e:#}"));
                    }
                    Err(_) => {
                        shared.failed.fetch_add(1, Ordering::Relaxed);
                        shared.note_error(format!("opening: timed out after {HANDSHAKE_TIMEOUT:?}"));
                    }
                }
            }
        })
        .await;
}

/// The subscription every connection runs (the same selection as the `run` bench's).
const SUBSCRIPTION: &str = "subscription($c: ID!){ conversationEvents(conversationId: $c){ cursor payload { __typename ... on MessageCreated { message { id body } } } } }";

/// The graphql-transport-ws `subscribe` frame for room `room`.
fn subscribe_frame(room: &str) -> String {
    serde_json::json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": SUBSCRIPTION, "variables": { "c": room } }
    })
    .to_string()
}

/// TCP from `source`, WebSocket upgrade, `connection_init`, `connection_ack`.
async fn connect(url: &str, origin: Option<&str>, source: SocketAddr, token: Option<&str>) -> Result<Ws> {
    let mut req = url.into_client_request()?;
    let host = req.uri().authority().map(|a| a.as_str().to_string()).context("URL without host")?;
    let addr: SocketAddr = host.parse().with_context(|| format!("{host} is not an IP:port"))?;
    req.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    if let Some(origin) = origin {
        req.headers_mut().insert("origin", HeaderValue::from_str(origin)?);
    }
    let socket = TcpSocket::new_v4()?;
    // Ports of a previous run's connections may still be in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(source).with_context(|| format!("binding {source}"))?;
    let stream = socket.connect(addr).await.with_context(|| format!("connecting {source} → {addr}"))?;
    stream.set_nodelay(true)?;
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(req, stream, Some(ws_config()))
        .await
        .context("WebSocket upgrade")?;
    let init = match token {
        Some(t) => serde_json::json!({ "type": "connection_init", "payload": { "authToken": t } }),
        None => serde_json::json!({ "type": "connection_init", "payload": {} }),
    };
    ws.send(Message::text(init.to_string())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => match serde_json::from_str::<Kind>(t.as_str())?.kind.as_ref() {
                "connection_ack" => return Ok(ws),
                "ping" => ws.send(Message::text(PONG)).await?,
                _ => bail!("expected connection_ack, got {}", t.as_str()),
            },
            Some(Ok(Message::Close(f))) => bail!("closed during connection_init: {f:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.into()),
            None => bail!("connection ended during connection_init"),
        }
    }
}

/// The graphql-transport-ws pong.
const PONG: &str = r#"{"type":"pong"}"#;

/// One connection's loop: records deliveries until the connection ends.
async fn receive(mut ws: Ws, room: usize, shared: Arc<Shared>) {
    let mut warm = false;
    // Bit k: measured message `room + k * rooms` arrived (allocated at the first one).
    let mut seen: Vec<u64> = Vec::new();
    let end = loop {
        let text = match ws.next().await {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(f))) => break format!("server closed the connection: {f:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => break format!("WebSocket error: {e}"),
            None => break "connection ended".to_string(),
        };
        let now = unix_us();
        let kind = match serde_json::from_str::<Kind>(text.as_str()) {
            Ok(k) => k.kind,
            Err(_) => {
                shared.unparsed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        match kind.as_ref() {
            "next" => {}
            "ping" => {
                if let Err(e) = ws.send(Message::text(PONG)).await {
                    break format!("sending pong: {e}");
                }
                continue;
            }
            "error" | "complete" => break format!("subscription ended: {}", text.as_str()),
            _ => continue,
        }
        let next = match NextBody::parse(text.as_str()) {
            Ok(n) => n,
            Err(_) => {
                shared.unparsed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        if next.has_errors {
            shared.graphql_errors.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = shared.first_graphql_error.lock() {
                first.get_or_insert_with(|| text.as_str().chars().take(300).collect());
            }
            continue;
        }
        let Some(body) = next.body else { continue };
        match parse_body(&body) {
            Some((BodyKind::WarmUp, _, _)) if !warm => {
                warm = true;
                shared.warm.fetch_add(1, Ordering::Relaxed);
                shared.subscribed.fetch_add(1, Ordering::Relaxed);
                if let Some(c) = shared.warm_per_room.get(room) {
                    c.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some((BodyKind::WarmUp, _, _)) => {}
            Some((BodyKind::Measured, seq, ts)) => record(&shared, room, &mut seen, seq as usize, now, ts),
            None => {
                shared.unparsed.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
    shared.alive.fetch_sub(1, Ordering::Relaxed);
    if warm {
        shared.subscribed.fetch_sub(1, Ordering::Relaxed);
    }
    shared.ended.fetch_add(1, Ordering::Relaxed);
    shared.note_error(end);
}

/// Records a measured delivery of message `seq` sent at `ts` and received at `now` (µs).
fn record(shared: &Shared, room: usize, seen: &mut Vec<u64>, seq: usize, now: u64, ts: u64) {
    if seq >= shared.total || seq % shared.rooms != room {
        shared.misrouted.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let k = seq / shared.rooms;
    if seen.is_empty() {
        seen.resize(shared.total / shared.rooms / 64 + 1, 0);
    }
    let (word, bit) = (k / 64, 1u64 << (k % 64));
    let Some(w) = seen.get_mut(word) else { return };
    if *w & bit != 0 {
        shared.doubled.fetch_add(1, Ordering::Relaxed);
        return;
    }
    *w |= bit;
    shared.latency.record(now.saturating_sub(ts));
    shared.received.fetch_add(1, Ordering::Relaxed);
    if let Some(c) = shared.per_seq.get(seq) {
        c.fetch_add(1, Ordering::Relaxed);
    }
}
