//! The raw graphql-transport-ws client of the tests (frames as sent, close
//! codes as received), and the event selection they subscribe with.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// A raw graphql-transport-ws client.
pub struct Ws {
    pub stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

/// What the server did next.
#[derive(Debug)]
pub enum WsEvent {
    Json(Value),
    Closed(Option<u16>),
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        self.stream.send(Message::Text(v.to_string().into())).await.unwrap();
    }

    pub async fn send_text(&mut self, t: &str) {
        self.stream.send(Message::Text(t.to_string().into())).await.unwrap();
    }

    /// Next protocol message or close (pings are answered and skipped), within 10 s.
    pub async fn next(&mut self) -> WsEvent {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(15), self.stream.next())
                .await
                .expect("websocket message within 15 s");
            match frame {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return WsEvent::Json(v);
                }
                Some(Ok(Message::Close(frame))) => return WsEvent::Closed(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return WsEvent::Closed(None),
            }
        }
    }

    /// Next JSON message (panics on close).
    pub async fn recv(&mut self) -> Option<Value> {
        match self.next().await {
            WsEvent::Json(v) => Some(v),
            WsEvent::Closed(_) => None,
        }
    }

    /// The close code the server sends next.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            if let WsEvent::Closed(code) = self.next().await {
                return code;
            }
        }
    }

    /// Writes bytes straight to the TCP stream (hand-made frames).
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        match self.stream.get_mut() {
            tokio_tungstenite::MaybeTlsStream::Plain(tcp) => tcp.write_all(bytes).await.unwrap(),
            _ => panic!("plain TCP expected"),
        }
    }

    /// The close code the server sends next, never answering its pings.
    pub async fn close_code_without_pongs(&mut self) -> Option<u16> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(15), self.stream.next())
                .await
                .expect("websocket message within 15 s");
            match frame {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Whether anything arrives within `ms` (pings excluded).
    pub async fn quiet_for(&mut self, ms: u64) -> bool {
        tokio::time::timeout(Duration::from_millis(ms), self.next()).await.is_err()
    }

    /// Subscribes to conversationEvents.
    pub async fn subscribe_events(&mut self, id: &str, conversation: Option<&str>, after: Option<&str>) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": {
            "query": EVENTS_QUERY,
            "variables": { "c": conversation, "after": after }
        }}))
        .await;
    }

    /// The first event matching `pred`, skipping events from the test's setup:
    /// a stream started at the log head may begin with events committed just
    /// before it while other transactions were open (the head is conservative,
    /// never lossy).
    pub async fn event_where(&mut self, id: &str, pred: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..20 {
            let ev = self.event(id).await;
            if pred(&ev) {
                return ev;
            }
        }
        panic!("no matching event among the first 20");
    }

    /// Next `next` payload's event for subscription `id`.
    pub async fn event(&mut self, id: &str) -> Value {
        let m = self.recv().await.expect("event, not close");
        assert!(m["id"] == id && m["type"] == "next", "unexpected message {m}");
        m["payload"]["data"]["conversationEvents"].clone()
    }
}

/// A cursor before every event (replays the whole log the viewer may see).
pub fn log_start() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("e:0:0")
}

/// The event selection used by the tests.
pub const EVENTS_QUERY: &str = "subscription($c: ID, $after: String){ conversationEvents(conversationId: $c, after: $after){ cursor conversationId payload { __typename ... on MessageCreated { message { id body clientId sender { username } } } ... on MemberJoined { member { role user { username } } } ... on MemberLeft { user { username } } ... on DeliveryMoved { messageId user { username } } ... on ReadReceiptMoved { messageId user { username } } ... on MessageEdited { message { id body editedAt } } ... on MessageDeleted { message { id body deletedAt } } ... on ReactionsChanged { messageId reactions { emoji count users { username } } } ... on MessagePinned { message { id pinned } by { username } } ... on MessageUnpinned { message { id pinned } by { username } } ... on ConversationUpdated { conversation { id name topic pinsAdminOnly } } } } }";
