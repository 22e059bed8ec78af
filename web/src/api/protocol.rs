//! The graphql-transport-ws message format and the reconnect backoff, kept free of
//! browser calls so they are tested on the host.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// WebSocket sub-protocol name.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// Close codes after which the connection must be re-authenticated.
pub const AUTH_CLOSE_CODES: [u16; 2] = [4401, 4403];

/// A message from client to server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// First message; carries the access token.
    ConnectionInit {
        /// `{"authToken": "..."}`.
        payload: Value,
    },
    /// Starts an operation.
    Subscribe {
        /// Operation id chosen by us.
        id: String,
        /// `{query, variables, operationName}`.
        payload: Value,
    },
    /// Stops an operation.
    Complete {
        /// Operation id.
        id: String,
    },
    /// Keep-alive probe.
    Ping,
    /// Answer to the server's ping.
    Pong,
}

impl ClientMsg {
    /// The init message for an access token.
    pub fn init(token: &str) -> ClientMsg {
        ClientMsg::ConnectionInit { payload: serde_json::json!({ "authToken": token }) }
    }

    /// JSON text to send.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A message from server to client.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMsg {
    /// The init was accepted.
    ConnectionAck,
    /// A result of an operation.
    Next {
        /// Operation id.
        id: String,
        /// `{data, errors}`.
        payload: Value,
    },
    /// The operation failed; the payload is a list of GraphQL errors.
    Error {
        /// Operation id.
        id: String,
        /// Errors.
        payload: Value,
    },
    /// The operation ended.
    Complete {
        /// Operation id.
        id: String,
    },
    /// Keep-alive probe; answer with pong.
    Ping,
    /// Answer to our ping.
    Pong,
}

#[derive(Deserialize)]
struct RawServerMsg {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    payload: Option<Value>,
}

impl ServerMsg {
    /// Parses a text frame; `None` for anything that is not a known message.
    pub fn parse(text: &str) -> Option<ServerMsg> {
        let raw: RawServerMsg = serde_json::from_str(text).ok()?;
        let id = || raw.id.clone();
        let payload = || raw.payload.clone().unwrap_or(Value::Null);
        Some(match raw.kind.as_str() {
            "connection_ack" => ServerMsg::ConnectionAck,
            "next" => ServerMsg::Next { id: id()?, payload: payload() },
            "error" => ServerMsg::Error { id: id()?, payload: payload() },
            "complete" => ServerMsg::Complete { id: id()? },
            "ping" => ServerMsg::Ping,
            "pong" => ServerMsg::Pong,
            _ => return None,
        })
    }
}

/// Readable text of an `error` message's payload (a list of GraphQL errors).
pub fn error_text(payload: &Value) -> String {
    let messages: Vec<&str> = payload
        .as_array()
        .map(|list| list.iter().filter_map(|e| e.get("message")?.as_str()).collect())
        .unwrap_or_default();
    if messages.is_empty() {
        "subscription failed".to_owned()
    } else {
        messages.join(" ")
    }
}

/// Reconnect delays: 0.5 s doubling up to 10 s, back to 0.5 s after a good connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    next_ms: u32,
}

impl Backoff {
    /// First delay.
    pub const MIN_MS: u32 = 500;
    /// Largest delay.
    pub const MAX_MS: u32 = 10_000;

    /// A fresh backoff.
    pub fn new() -> Backoff {
        Backoff { next_ms: Self::MIN_MS }
    }

    /// The delay to wait now; the following one doubles.
    pub fn next_delay_ms(&mut self) -> u32 {
        let delay = self.next_ms;
        self.next_ms = (self.next_ms.saturating_mul(2)).min(Self::MAX_MS);
        delay
    }

    /// Called when a connection was acknowledged.
    pub fn reset(&mut self) {
        self.next_ms = Self::MIN_MS;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_messages_match_the_protocol() {
        assert_eq!(
            ClientMsg::init("tok").to_text(),
            r#"{"type":"connection_init","payload":{"authToken":"tok"}}"#
        );
        assert_eq!(ClientMsg::Pong.to_text(), r#"{"type":"pong"}"#);
        let sub =
            ClientMsg::Subscribe { id: "1".to_owned(), payload: json!({"query": "subscription { x }"}) };
        let value: Value = serde_json::from_str(&sub.to_text()).unwrap_or_default();
        assert_eq!(
            value,
            json!({"type": "subscribe", "id": "1", "payload": {"query": "subscription { x }"}})
        );
        assert_eq!(ClientMsg::Complete { id: "1".to_owned() }.to_text(), r#"{"type":"complete","id":"1"}"#);
    }

    #[test]
    fn server_messages_parse() {
        assert_eq!(
            ServerMsg::parse(r#"{"type":"connection_ack","payload":{}}"#),
            Some(ServerMsg::ConnectionAck)
        );
        assert_eq!(
            ServerMsg::parse(r#"{"type":"next","id":"e","payload":{"data":1}}"#),
            Some(ServerMsg::Next { id: "e".to_owned(), payload: json!({"data": 1}) })
        );
        assert_eq!(ServerMsg::parse(r#"{"type":"ping"}"#), Some(ServerMsg::Ping));
        assert_eq!(ServerMsg::parse(r#"{"type":"next"}"#), None);
        assert_eq!(ServerMsg::parse("not json"), None);
        let err = json!([{"message": "bad cursor"}, {"message": "really"}]);
        assert_eq!(error_text(&err), "bad cursor really");
    }

    #[test]
    fn backoff_doubles_caps_and_resets() {
        let mut b = Backoff::new();
        let delays: Vec<u32> = (0..8).map(|_| b.next_delay_ms()).collect();
        assert_eq!(delays, vec![500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
        b.reset();
        assert_eq!(b.next_delay_ms(), 500);
    }
}
