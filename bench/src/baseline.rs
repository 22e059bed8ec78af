//! The ceiling: a minimal raw tokio-tungstenite broadcast server.
//!
//! It speaks just enough graphql-transport-ws for the bench's client code:
//! `connection_init` → `connection_ack`, `ping` → `pong`, `subscribe` starts forwarding,
//! and every `next` frame a client sends is forwarded verbatim to every subscribed client.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::server::{free_port, ServerProc};

/// Frames buffered per subscriber before it counts as lagging.
const CHANNEL_CAPACITY: usize = 16 * 1024;
/// The subprotocol echoed back when a client offers it.
const SUBPROTOCOL: &str = "graphql-transport-ws";

/// The `type` field of a client frame.
#[derive(Deserialize)]
struct Kind {
    /// Message type.
    #[serde(rename = "type")]
    kind: String,
}

/// Accepts connections on `bind` until killed.
pub async fn serve(bind: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(bind).await.with_context(|| format!("binding {bind}"))?;
    eprintln!("listening on ws://{}", listener.local_addr()?);
    let (tx, _) = broadcast::channel::<Utf8Bytes>(CHANNEL_CAPACITY);
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
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Err(e) = connection(stream, tx).await {
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
async fn connection(stream: TcpStream, tx: broadcast::Sender<Utf8Bytes>) -> Result<()> {
    stream.set_nodelay(true)?;
    let ws = tokio_tungstenite::accept_hdr_async(stream, |req: &Request, mut resp: Response| {
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
    })
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
            let kind = serde_json::from_str::<Kind>(text.as_str()).map(|k| k.kind);
            let ctl = match kind.as_deref() {
                Ok("connection_init") => Control::Reply(r#"{"type":"connection_ack"}"#),
                Ok("ping") => Control::Reply(r#"{"type":"pong"}"#),
                Ok("subscribe") => Control::Subscribe(tx.subscribe()),
                Ok("next") => {
                    // No subscriber yet is not an error for a broadcast.
                    let _ = tx.send(text);
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
