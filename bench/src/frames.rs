//! The bench's wire formats: the message bodies that carry a sequence number and a send
//! time, and the graphql-transport-ws frames a receiver classifies.

use anyhow::Result;
use serde::Deserialize;

/// The subscription each jeco receiver runs.
const SUBSCRIPTION: &str = "subscription($c: ID!){ conversationEvents(conversationId: $c){ cursor payload { __typename ... on MessageCreated { message { id body } } } } }";

/// Kinds of bench message bodies.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum BodyKind {
    /// A measured message.
    Measured,
    /// A warm-up message (ignored by the measurement).
    WarmUp,
}

/// Formats a body: `b:SEQ:TS` (measured) or `w:SEQ:TS` (warm-up), TS in µs since start.
pub fn format_body(kind: BodyKind, seq: u64, ts_us: u64) -> String {
    let tag = match kind {
        BodyKind::Measured => 'b',
        BodyKind::WarmUp => 'w',
    };
    format!("{tag}:{seq}:{ts_us}")
}

/// Parses a body made by [`format_body`].
pub fn parse_body(body: &str) -> Option<(BodyKind, u64, u64)> {
    let mut parts = body.split(':');
    let kind = match parts.next()? {
        "b" => BodyKind::Measured,
        "w" => BodyKind::WarmUp,
        _ => return None,
    };
    let seq = parts.next()?.parse().ok()?;
    let ts = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((kind, seq, ts))
}

/// The `type` of a server frame.
#[derive(Deserialize)]
struct FrameKind {
    /// graphql-transport-ws message type.
    #[serde(rename = "type")]
    kind: String,
}

/// A `next` frame, reduced to what the bench reads.
#[derive(Deserialize)]
struct NextFrame {
    /// The execution result.
    payload: NextPayload,
}

/// A GraphQL execution result.
#[derive(Deserialize)]
struct NextPayload {
    /// `data`.
    data: Option<NextData>,
    /// `errors`.
    errors: Option<serde_json::Value>,
}

/// `data` of the subscription.
#[derive(Deserialize)]
struct NextData {
    /// The event.
    #[serde(rename = "conversationEvents")]
    event: Option<NextEvent>,
}

/// A ConversationEvent.
#[derive(Deserialize)]
struct NextEvent {
    /// Its union payload.
    payload: Option<NextEventPayload>,
}

/// The union payload; only MessageCreated has `message`.
#[derive(Deserialize)]
struct NextEventPayload {
    /// The message.
    message: Option<NextMessage>,
}

/// A message.
#[derive(Deserialize)]
struct NextMessage {
    /// Its body.
    body: Option<String>,
}

/// What a text frame means to a receiver.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A message body (from a `next` frame).
    Body(String),
    /// A `next` frame with errors.
    GraphqlError(String),
    /// Some other event (member joined, ...).
    OtherEvent,
    /// `ping`: answer `pong`.
    Ping,
    /// `connection_ack`.
    Ack,
    /// `error` or `complete`: the subscription is over.
    End(String),
    /// Anything else (`pong`, `connection_ack`, ...).
    Ignore,
}

/// Classifies one server text frame.
pub fn classify(text: &str) -> Result<Incoming> {
    let kind: FrameKind = serde_json::from_str(text)?;
    Ok(match kind.kind.as_str() {
        "next" => {
            let frame: NextFrame = serde_json::from_str(text)?;
            if let Some(errors) = frame.payload.errors {
                Incoming::GraphqlError(errors.to_string())
            } else {
                match frame
                    .payload
                    .data
                    .and_then(|d| d.event)
                    .and_then(|e| e.payload)
                    .and_then(|p| p.message)
                    .and_then(|m| m.body)
                {
                    Some(body) => Incoming::Body(body),
                    None => Incoming::OtherEvent,
                }
            }
        }
        "ping" => Incoming::Ping,
        "connection_ack" => Incoming::Ack,
        "error" | "complete" => Incoming::End(text.chars().take(300).collect()),
        _ => Incoming::Ignore,
    })
}

/// The graphql-transport-ws `subscribe` frame for room `room_id`.
pub fn subscribe_frame(room_id: &str) -> String {
    serde_json::json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": SUBSCRIPTION, "variables": { "c": room_id } }
    })
    .to_string()
}

/// A `next` frame shaped like jeco's, carrying `body` (what the baseline's sender sends).
pub fn baseline_next_frame(seq: u64, body: &str) -> String {
    serde_json::json!({
        "id": "1",
        "type": "next",
        "payload": { "data": { "conversationEvents": {
            "cursor": format!("c{seq}"),
            "payload": { "__typename": "MessageCreated", "message": { "id": format!("m{seq}"), "body": body } }
        } } }
    })
    .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip() {
        let b = format_body(BodyKind::Measured, 42, 123_456);
        assert_eq!(b, "b:42:123456");
        assert_eq!(parse_body(&b), Some((BodyKind::Measured, 42, 123_456)));
        assert_eq!(parse_body("w:1:2"), Some((BodyKind::WarmUp, 1, 2)));
        assert_eq!(parse_body("hello"), None);
        assert_eq!(parse_body("b:1:2:3"), None);
        assert_eq!(parse_body("b:x:2"), None);
    }

    #[test]
    fn classifies_frames() {
        let next = baseline_next_frame(3, "b:3:99");
        assert_eq!(classify(&next).unwrap(), Incoming::Body("b:3:99".into()));
        let jeco_like = r#"{"id":"1","type":"next","payload":{"data":{"conversationEvents":{"cursor":"x","payload":{"__typename":"MemberJoined"}}}}}"#;
        assert_eq!(classify(jeco_like).unwrap(), Incoming::OtherEvent);
        let err = r#"{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"nope"}]}}"#;
        assert!(matches!(classify(err).unwrap(), Incoming::GraphqlError(_)));
        assert_eq!(classify(r#"{"type":"ping"}"#).unwrap(), Incoming::Ping);
        assert!(matches!(classify(r#"{"id":"1","type":"complete"}"#).unwrap(), Incoming::End(_)));
        assert_eq!(classify(r#"{"type":"connection_ack"}"#).unwrap(), Incoming::Ack);
        assert_eq!(classify(r#"{"type":"pong"}"#).unwrap(), Incoming::Ignore);
        assert!(classify("not json").is_err());
    }
}
