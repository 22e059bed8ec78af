//! A connection's sending half, shared by its loop and its operations.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::Mutex;

/// How long the connection's own messages (pings, acks, its Close) may wait for
/// the socket: a peer that stopped reading must not hold the connection open.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Each message goes to the socket as it is sent, by whoever sends it, in the
/// order the lock is taken: no queue and no writer task between, which would
/// cost every connection a task and a channel, and every delivery a wake-up.
#[derive(Clone)]
pub(super) struct Out(Arc<Mutex<SplitSink<WebSocket, Message>>>);

/// The socket is gone, or the peer stopped reading.
#[derive(Debug)]
pub(super) struct Gone;

impl Out {
    /// Wraps the sending half.
    pub(super) fn new(sink: SplitSink<WebSocket, Message>) -> Self {
        Out(Arc::new(Mutex::new(sink)))
    }

    /// Sends and flushes `m`, waiting as long as the peer takes to read
    /// (operations: their backlog is the peer's).
    pub(super) async fn send(&self, m: Message) -> Result<(), Gone> {
        self.0.lock().await.send(m).await.map_err(|_| Gone)
    }

    /// Sends `m` within [`SEND_TIMEOUT`] (the connection loop's own messages).
    /// Boxed: the loop's future lives as long as the connection, and its size
    /// is that of its largest await; these sends are rare.
    pub(super) fn send_soon(
        &self,
        m: Message,
    ) -> Pin<Box<dyn Future<Output = Result<(), Gone>> + Send + '_>> {
        Box::pin(async move { tokio::time::timeout(SEND_TIMEOUT, self.send(m)).await.map_err(|_| Gone)? })
    }

    /// Sends the Close frame, if any, and closes, within [`SEND_TIMEOUT`] each.
    /// After a client's Close, tungstenite has queued the echo (RFC 6455
    /// §5.5.1) but sends it only when the socket is next flushed or read;
    /// without the close the client would see its TCP dropped (1006).
    pub(super) async fn finish(self, close: Option<Message>) {
        if let Some(m) = close {
            let _ = self.send_soon(m).await;
        }
        let _ = tokio::time::timeout(SEND_TIMEOUT, async { self.0.lock().await.close().await }).await;
    }
}
