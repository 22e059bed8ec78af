//! The ceiling: a minimal raw tokio-tungstenite broadcast server.
//!
//! It speaks just enough graphql-transport-ws for the bench's client code:
//! `connection_init` → `connection_ack`, `ping` → `pong`, `subscribe` starts forwarding,
//! and every `next` frame a client sends is forwarded verbatim to every client subscribed to
//! its room: the `room` field of the frame, or [`DEFAULT_ROOM`] without one (a subscriber's
//! room is its `variables.c`, as in jeco's `conversationEvents(conversationId:)`).
//!
//! `JECO_BENCH_WS_READ_BUFFER` and `JECO_BENCH_WS_WRITE_BUFFER` (bytes) set tungstenite's
//! buffers, so that the `connections` bench can give it the same ones as jeco's.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::server::{free_port, ServerProc};

/// Frames buffered per subscriber of the default room before it counts as lagging.
const CHANNEL_CAPACITY: usize = 16 * 1024;
/// The same for other rooms: they are many and each preallocates its ring.
const ROOM_CAPACITY: usize = 1024;
/// The room of subscribers and frames that name none (the `run` bench's single room).
pub const DEFAULT_ROOM: &str = "baseline";
/// The subprotocol echoed back when a client offers it.
const SUBPROTOCOL: &str = "graphql-transport-ws";

/// The fields of a client frame the server routes by.
#[derive(Deserialize)]
struct Kind {
    /// Message type.
    #[serde(rename = "type")]
    kind: String,
    /// `next`: the room to forward to.
    room: Option<String>,
    /// `subscribe`: `{ variables: { c } }`.
    payload: Option<SubscribePayload>,
}

/// The part of a `subscribe` payload that names the room.
#[derive(Deserialize)]
struct SubscribePayload {
    /// `variables`.
    variables: Option<Variables>,
}

/// `variables` of a subscribe.
#[derive(Deserialize)]
struct Variables {
    /// The room.
    c: Option<String>,
}

/// One broadcast channel per room, made when first used.
#[derive(Clone)]
struct Rooms(Arc<Mutex<HashMap<String, broadcast::Sender<Utf8Bytes>>>>);

impl Rooms {
    /// The channel of `room`.
    fn get(&self, room: &str) -> Option<broadcast::Sender<Utf8Bytes>> {
        let mut map = self.0.lock().ok()?;
        let capacity = if room == DEFAULT_ROOM { CHANNEL_CAPACITY } else { ROOM_CAPACITY };
        Some(map.entry(room.to_string()).or_insert_with(|| broadcast::channel(capacity).0).clone())
    }
}

/// tungstenite's settings: jeco's buffer sizes (`api/src/ws.rs`: a 1 KiB read
/// buffer, none kept for writes), so every mode compares servers tuned the same
/// way, or the sizes from the environment.
fn ws_config() -> Result<WebSocketConfig> {
    let mut config = WebSocketConfig::default().read_buffer_size(1024).write_buffer_size(0);
    let var = |name: &str| -> Result<Option<usize>> {
        match std::env::var(name) {
            Ok(v) => Ok(Some(v.trim().parse().with_context(|| format!("{name}={v:?}"))?)),
            Err(_) => Ok(None),
        }
    };
    if let Some(n) = var("JECO_BENCH_WS_READ_BUFFER")? {
        config = config.read_buffer_size(n);
    }
    if let Some(n) = var("JECO_BENCH_WS_WRITE_BUFFER")? {
        config = config.write_buffer_size(n);
    }
    Ok(config)
}

/// Accepts connections on `bind` until killed.
pub async fn serve(bind: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    let config = ws_config()?;
    eprintln!("listening on ws://{}", listener.local_addr()?);
    let rooms = Rooms(Arc::default());
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let rooms = rooms.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(stream, rooms, config).await {
                if !is_disconnect(&e) {
                    eprintln!("connection ended with an error: {e:#}");
                }
            }
        });
    }
}

/// Starts this same binary as `baseline-server` on a free loopback port, logging to `log`,
/// and waits until it accepts connections.
pub async fn start(log: &Path) -> Result<ServerProc> {
    let exe = std::env::current_exe().context("locating the bench binary")?;
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let bind = addr.to_string();
    let mut server =
        ServerProc::spawn("baseline server", &exe, &["baseline-server", "--bind", &bind], &[], addr, log)?;
    if let Err(e) = server.wait_ready(None, Duration::from_secs(20)).await {
        server.stop().await;
        return Err(e);
    }
    Ok(server)
}

/// Whether `e` is just a peer going away (readiness probes, clients dropped at the end of a run).
fn is_disconnect(e: &anyhow::Error) -> bool {
    use tokio_tungstenite::tungstenite::error::{Error, ProtocolError};
    matches!(
        e.downcast_ref::<Error>(),
        Some(
            Error::ConnectionClosed
                | Error::AlreadyClosed
                | Error::Io(_)
                | Error::Protocol(
                    ProtocolError::ResetWithoutClosingHandshake | ProtocolError::HandshakeIncomplete
                )
        )
    )
}

/// What the reader asks the writer to do.
enum Control {
    /// Send this text frame.
    Reply(&'static str),
    /// Start forwarding broadcasts.
    Subscribe(broadcast::Receiver<Utf8Bytes>),
}

/// Waits for the next broadcast frame, or forever when not subscribed.
async fn next_broadcast(
    rx: &mut Option<broadcast::Receiver<Utf8Bytes>>,
) -> Result<Utf8Bytes, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Serves one WebSocket connection.
// The handshake callback's error type is fixed by tungstenite.
#[allow(clippy::result_large_err)]
async fn connection(stream: TcpStream, rooms: Rooms, config: WebSocketConfig) -> Result<()> {
    stream.set_nodelay(true)?;
    let callback = |req: &Request, mut resp: Response| {
        let offered = req
            .headers()
            .get_all("sec-websocket-protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|p| p.trim() == SUBPROTOCOL));
        if offered {
            resp.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(SUBPROTOCOL));
        }
        Ok(resp)
    };
    let ws = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config))
        .await
        .context("WebSocket handshake")?;
    // Reader (this task) and writer (spawned) are separate, as in a typical server:
    // the reader answers control frames through the writer and publishes `next` frames.
    let (mut sink, mut source) = ws.split();
    let (ctl_tx, mut ctl_rx) = mpsc::channel::<Control>(16);
    let writer = tokio::spawn(async move {
        let mut rx: Option<broadcast::Receiver<Utf8Bytes>> = None;
        loop {
            let out = tokio::select! {
                ctl = ctl_rx.recv() => match ctl {
                    Some(Control::Reply(text)) => Message::text(text),
                    Some(Control::Subscribe(new_rx)) => {
                        rx = Some(new_rx);
                        continue;
                    }
                    None => return Ok::<_, anyhow::Error>(()),
                },
                frame = next_broadcast(&mut rx) => match frame {
                    Ok(text) => Message::Text(text),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        eprintln!("subscriber lagged, {n} frames dropped");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
            };
            sink.send(out).await?;
        }
    });
    let read = async {
        while let Some(frame) = source.next().await {
            let text = match frame? {
                Message::Text(text) => text,
                Message::Close(_) => break,
                _ => continue,
            };
            let Ok(frame) = serde_json::from_str::<Kind>(text.as_str()) else { continue };
            let ctl = match frame.kind.as_str() {
                "connection_init" => Control::Reply(r#"{"type":"connection_ack"}"#),
                "ping" => Control::Reply(r#"{"type":"pong"}"#),
                "subscribe" => {
                    let room = frame.payload.and_then(|p| p.variables).and_then(|v| v.c);
                    match rooms.get(room.as_deref().unwrap_or(DEFAULT_ROOM)) {
                        Some(tx) => Control::Subscribe(tx.subscribe()),
                        None => continue,
                    }
                }
                "next" => {
                    // No subscriber yet is not an error for a broadcast.
                    if let Some(tx) = rooms.get(frame.room.as_deref().unwrap_or(DEFAULT_ROOM)) {
                        let _ = tx.send(text);
                    }
                    continue;
                }
                _ => continue,
            };
            if ctl_tx.send(ctl).await.is_err() {
                break;
            }
        }
        Ok::<_, anyhow::Error>(())
    };
    let read_result = read.await;
    drop(ctl_tx);
    writer.abort();
    read_result
}
