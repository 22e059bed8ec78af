//! The receiving side of a load run: graphql-transport-ws connections, their subscriptions,
//! and what each receiver measured (the send phase is in `sender`, the wire formats in `frames`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::frames::{classify, parse_body, BodyKind, Incoming};

/// A client WebSocket.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Time allowed for one connection's TCP + upgrade + `connection_ack`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// WebSocket connections opened concurrently during setup.
pub const CONNECT_CONCURRENCY: usize = 32;

/// Counters shared by the receivers and the coordinator.
pub struct Shared {
    /// The bench's clock origin; timestamps in message bodies are µs since this.
    pub start: Instant,
    /// Unique measured deliveries so far, all receivers together.
    pub received: AtomicU64,
    /// Receivers that have seen at least one warm-up message.
    pub warm: AtomicUsize,
    /// Number of measured messages the sender will send (sequence numbers
    /// `first_seq..first_seq + total`).
    pub total: usize,
    /// Sequence number of the first measured message: receivers that live through several
    /// send phases (the saturation ramp) tell a late message of an earlier phase by it.
    pub first_seq: u64,
}

impl Shared {
    /// Microseconds since `start`.
    pub fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }
}

/// What one receiver saw.
#[derive(Debug, Default)]
pub struct ReceiverStats {
    /// Latency of each first delivery, µs.
    pub latencies_us: Vec<u64>,
    /// `seen[seq]`: the measured message `seq` arrived.
    pub seen: Vec<bool>,
    /// Deliveries of an already-seen message.
    pub doubled: u64,
    /// When the first measured message arrived, µs since start.
    pub first_recv_us: Option<u64>,
    /// When the last measured message arrived, µs since start.
    pub last_recv_us: u64,
    /// Deliveries of messages from an earlier send phase (sequence number below `first_seq`).
    pub stale: u64,
    /// Why the connection ended before the bench stopped it.
    pub error: Option<String>,
    /// `next` frames carrying GraphQL errors.
    pub graphql_errors: u64,
    /// The first such error.
    pub first_graphql_error: Option<String>,
    /// Frames that could not be understood.
    pub unparsed: u64,
}

/// Opens a graphql-transport-ws connection: upgrade, `connection_init`, wait for the ack.
pub async fn connect(url: &str, origin: Option<&str>, token: Option<&str>) -> Result<Ws> {
    tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
        let mut req = url.into_client_request()?;
        req.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
        if let Some(origin) = origin {
            req.headers_mut().insert("origin", HeaderValue::from_str(origin)?);
        }
        let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true)
            .await
            .with_context(|| format!("WebSocket upgrade at {url}"))?;
        let payload = match token {
            Some(t) => serde_json::json!({ "authToken": t }),
            None => serde_json::json!({}),
        };
        let init = serde_json::json!({ "type": "connection_init", "payload": payload });
        ws.send(Message::text(init.to_string())).await?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => match classify(t.as_str())? {
                    Incoming::Ack => return Ok(ws),
                    Incoming::Ping => ws.send(Message::text(r#"{"type":"pong"}"#)).await?,
                    other => bail!("expected connection_ack, got {other:?} ({t})"),
                },
                Some(Ok(Message::Close(f))) => bail!("closed during connection_init: {f:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => bail!("connection ended during connection_init"),
            }
        }
    })
    .await
    .context("WebSocket handshake timed out")?
}

/// Opens one subscribed receiver connection per token, [`CONNECT_CONCURRENCY`] at a time;
/// fails with the first error and how many failed.
pub async fn open_receivers(
    url: &str,
    origin: Option<&str>,
    tokens: Vec<Option<String>>,
    subscribe_frame: &str,
) -> Result<Vec<Ws>> {
    let n = tokens.len();
    let opened: Vec<Result<Ws>> = futures_util::stream::iter(tokens.into_iter().enumerate())
        .map(|(i, token)| async move {
            let mut ws =
                connect(url, origin, token.as_deref()).await.with_context(|| format!("receiver {i}"))?;
            ws.send(Message::text(subscribe_frame))
                .await
                .with_context(|| format!("receiver {i} subscribe"))?;
            Ok(ws)
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let mut sockets = Vec::with_capacity(n);
    let mut errors = Vec::new();
    for r in opened {
        match r {
            Ok(ws) => sockets.push(ws),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if let Some(first) = errors.first() {
        bail!("{} of {n} receivers failed to connect/subscribe; first: {first}", errors.len());
    }
    Ok(sockets)
}

/// Spawns the task that records deliveries on a subscribed connection until `stop`; it hands
/// the connection back so that the next send phase can read on.
pub fn spawn_receiver(
    ws: Ws,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) -> JoinHandle<(Ws, ReceiverStats)> {
    tokio::spawn(receive(ws, shared, stop))
}

/// A receiver's loop.
async fn receive(mut ws: Ws, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) -> (Ws, ReceiverStats) {
    let mut stats = ReceiverStats { seen: vec![false; shared.total], ..ReceiverStats::default() };
    let mut warm = false;
    loop {
        let frame = tokio::select! {
            _ = stop.changed() => break,
            frame = ws.next() => frame,
        };
        let text = match frame {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(f))) => {
                stats.error = Some(format!("server closed the connection: {f:?}"));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                stats.error = Some(format!("WebSocket error: {e}"));
                break;
            }
            None => {
                stats.error = Some("connection ended".into());
                break;
            }
        };
        let now = shared.now_us();
        match classify(text.as_str()) {
            Ok(Incoming::Body(body)) => match parse_body(&body) {
                Some((BodyKind::Measured, seq, ts)) => {
                    let index = seq.checked_sub(shared.first_seq).and_then(|i| usize::try_from(i).ok());
                    match index.and_then(|i| stats.seen.get_mut(i)) {
                        Some(seen) if *seen => stats.doubled += 1,
                        Some(seen) => {
                            *seen = true;
                            stats.latencies_us.push(now.saturating_sub(ts));
                            stats.first_recv_us.get_or_insert(now);
                            stats.last_recv_us = stats.last_recv_us.max(now);
                            shared.received.fetch_add(1, Ordering::Relaxed);
                        }
                        None if index.is_none() => stats.stale += 1,
                        None => stats.unparsed += 1,
                    }
                }
                Some((BodyKind::WarmUp, _, _)) => {
                    if !warm {
                        warm = true;
                        shared.warm.fetch_add(1, Ordering::Relaxed);
                    }
                }
                None => stats.unparsed += 1,
            },
            Ok(Incoming::Ping) => {
                if let Err(e) = ws.send(Message::text(r#"{"type":"pong"}"#)).await {
                    stats.error = Some(format!("sending pong: {e}"));
                    break;
                }
            }
            Ok(Incoming::GraphqlError(e)) => {
                stats.graphql_errors += 1;
                stats.first_graphql_error.get_or_insert(e);
            }
            Ok(Incoming::End(frame)) => {
                stats.error = Some(format!("subscription ended: {frame}"));
                break;
            }
            Ok(Incoming::OtherEvent | Incoming::Ack | Incoming::Ignore) => {}
            Err(_) => stats.unparsed += 1,
        }
    }
    (ws, stats)
}
