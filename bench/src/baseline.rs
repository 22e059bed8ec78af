//! The ceiling: a minimal raw tokio-tungstenite broadcast server.
//!
//! It speaks just enough graphql-transport-ws for the bench's client code:
//! `connection_init` → `connection_ack`, `ping` → `pong`, `subscribe` starts forwarding,
//! and every `next` frame a client sends is forwarded verbatim to every subscribed client.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

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
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
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

/// Whether `e` is just a peer going away (readiness probes, clients dropped at the end of a run).
fn is_disconnect(e: &anyhow::Error) -> bool {
    use tokio_tungstenite::tungstenite::error::{Error, ProtocolError};
    match e.downcast_ref::<Error>() {
        Some(Error::ConnectionClosed | Error::AlreadyClosed | Error::Io(_)) => true,
        Some(Error::Protocol(
            ProtocolError::ResetWithoutClosingHandshake | ProtocolError::HandshakeIncomplete,
        )) => true,
        _ => false,
    }
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
            resp.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_static(SUBPROTOCOL),
            );
        }
        Ok(resp)
    })
    .await
    .context("WebSocket handshake")?;
    let (mut sink, mut source) = ws.split();
    let mut rx: Option<broadcast::Receiver<Utf8Bytes>> = None;
    loop {
        tokio::select! {
            frame = source.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let kind = serde_json::from_str::<Kind>(text.as_str()).map(|k| k.kind);
                    match kind.as_deref() {
                        Ok("connection_init") => {
                            sink.send(Message::text(r#"{"type":"connection_ack"}"#)).await?;
                        }
                        Ok("ping") => sink.send(Message::text(r#"{"type":"pong"}"#)).await?,
                        Ok("subscribe") => rx = Some(tx.subscribe()),
                        Ok("next") => {
                            // No subscriber yet is not an error for a broadcast.
                            let _ = tx.send(text);
                        }
                        _ => {}
                    }
                }
                Some(Ok(Message::Close(_))) | None => return Ok(()),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
            },
            frame = next_broadcast(&mut rx) => match frame {
                Ok(text) => sink.send(Message::Text(text)).await?,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("subscriber lagged, {n} frames dropped");
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}
