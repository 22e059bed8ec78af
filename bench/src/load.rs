//! Load generation: subscribed receivers, a fixed-rate sender, and the measurements they yield.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::http;

/// A client WebSocket.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Time allowed for one connection's TCP + upgrade + `connection_ack`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// Most sendMessage requests in flight at once.
const MAX_IN_FLIGHT: usize = 256;
/// How long the warm-up may take before the run is declared broken.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between warm-up messages.
const WARM_UP_EVERY: Duration = Duration::from_millis(500);
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
    /// Number of measured messages the sender will send (sequence numbers 0..total).
    pub total: usize,
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
    /// When the last measured message arrived, µs since start.
    pub last_recv_us: u64,
    /// Why the connection ended before the bench stopped it.
    pub error: Option<String>,
    /// `next` frames carrying GraphQL errors.
    pub graphql_errors: u64,
    /// The first such error.
    pub first_graphql_error: Option<String>,
    /// Frames that could not be understood.
    pub unparsed: u64,
}

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

/// Sends the `subscribe` frame and spawns the task that records deliveries until `stop`.
pub async fn subscribe_and_spawn(
    mut ws: Ws,
    subscribe_frame: String,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) -> Result<JoinHandle<ReceiverStats>> {
    ws.send(Message::text(subscribe_frame)).await?;
    Ok(tokio::spawn(receive(ws, shared, stop)))
}

/// A receiver's loop.
async fn receive(mut ws: Ws, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) -> ReceiverStats {
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
                Some((BodyKind::Measured, seq, ts)) => match stats.seen.get_mut(seq as usize) {
                    Some(seen) if *seen => stats.doubled += 1,
                    Some(seen) => {
                        *seen = true;
                        stats.latencies_us.push(now.saturating_sub(ts));
                        stats.last_recv_us = stats.last_recv_us.max(now);
                        shared.received.fetch_add(1, Ordering::Relaxed);
                    }
                    None => stats.unparsed += 1,
                },
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
    stats
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

/// Sends jeco `sendMessage` mutations over HTTP.
#[derive(Clone)]
pub struct HttpSender {
    /// Server address.
    pub addr: SocketAddr,
    /// The sender's access token.
    pub token: Arc<str>,
    /// The room.
    pub conversation_id: Arc<str>,
}

/// The sendMessage mutation.
const SEND_MESSAGE: &str =
    "mutation($i: SendMessageInput!){ sendMessage(input: $i){ message { id } userErrors { code message } } }";

impl HttpSender {
    /// Sends one message; returns the HTTP round trip in µs.
    pub async fn send(&self, body: &str, client_id: &str) -> Result<u64> {
        let started = Instant::now();
        let req = serde_json::json!({
            "query": SEND_MESSAGE,
            "variables": { "i": {
                "conversationId": &*self.conversation_id, "body": body, "clientId": client_id
            } }
        });
        let (status, json) = http::post_json(self.addr, "/graphql", Some(&self.token), &req).await?;
        let rtt = started.elapsed().as_micros() as u64;
        if let Some(errors) = json.get("errors") {
            bail!("HTTP {status}, errors: {errors}");
        }
        let payload = json
            .pointer("/data/sendMessage")
            .with_context(|| format!("HTTP {status}, no data.sendMessage: {json}"))?;
        match payload.get("userErrors").and_then(|e| e.as_array()) {
            Some(errs) if !errs.is_empty() => bail!("userErrors: {}", payload["userErrors"]),
            _ => {}
        }
        if payload.pointer("/message/id").is_none() {
            bail!("HTTP {status}, no message id: {json}");
        }
        Ok(rtt)
    }
}

/// Who sends the messages.
pub enum MessageSender {
    /// jeco: HTTP sendMessage, one request per message, open loop.
    Http(HttpSender),
    /// baseline: text frames on one WebSocket.
    Ws(Box<Ws>),
}

/// What the send phase did.
#[derive(Debug, Default)]
pub struct SendOutcome {
    /// `acked[seq]`: the server accepted message `seq`.
    pub acked: Vec<bool>,
    /// When the first message was sent, µs since start.
    pub first_send_us: u64,
    /// When the last send was acknowledged (or failed), µs since start.
    pub last_done_us: u64,
    /// Failed sends.
    pub errors: u64,
    /// The first few failures.
    pub first_errors: Vec<String>,
    /// HTTP round trips of successful sends, µs (jeco only).
    pub rtt_us: Vec<u64>,
    /// Largest delay of a send behind its schedule, µs.
    pub max_lateness_us: u64,
}

impl SendOutcome {
    /// Records a failure.
    fn fail(&mut self, e: &anyhow::Error) {
        self.errors += 1;
        if self.first_errors.len() < 3 {
            self.first_errors.push(format!("{e:#}"));
        }
    }
}

impl MessageSender {
    /// Sends one warm-up message `k`.
    async fn send_warm_up(&mut self, shared: &Shared, k: u64, run_tag: &str) -> Result<()> {
        let body = format_body(BodyKind::WarmUp, k, shared.now_us());
        match self {
            MessageSender::Http(h) => h.send(&body, &format!("{run_tag}-w{k}")).await.map(|_| ()),
            MessageSender::Ws(ws) => Ok(ws.send(Message::text(baseline_next_frame(k, &body))).await?),
        }
    }

    /// Sends warm-up messages until every one of `receivers` has seen one.
    pub async fn warm_up(&mut self, shared: &Shared, receivers: usize, run_tag: &str) -> Result<()> {
        let deadline = Instant::now() + WARM_UP_TIMEOUT;
        let mut k = 0;
        while Instant::now() < deadline {
            self.send_warm_up(shared, k, run_tag).await.context("sending a warm-up message")?;
            k += 1;
            let next = Instant::now() + WARM_UP_EVERY;
            while Instant::now() < next {
                if shared.warm.load(Ordering::Relaxed) >= receivers {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        bail!(
            "only {} of {receivers} receivers got a warm-up message within {WARM_UP_TIMEOUT:?} ({k} sent)",
            shared.warm.load(Ordering::Relaxed)
        )
    }

    /// Sends `shared.total` measured messages at `rate` per second (open loop for HTTP).
    pub async fn run(&mut self, shared: &Arc<Shared>, rate: u32, run_tag: &str) -> SendOutcome {
        let total = shared.total;
        let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
        let mut out = SendOutcome { acked: vec![false; total], ..SendOutcome::default() };
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let schedule_start = Instant::now();
        out.first_send_us = shared.now_us();
        let mut in_flight: JoinSet<(usize, Result<u64>)> = JoinSet::new();
        for seq in 0..total {
            ticker.tick().await;
            let due = schedule_start + period * seq as u32;
            out.max_lateness_us = out.max_lateness_us.max(due.elapsed().as_micros() as u64);
            match self {
                MessageSender::Http(h) => {
                    while in_flight.len() >= MAX_IN_FLIGHT {
                        if let Some(done) = in_flight.join_next().await {
                            record(&mut out, done);
                        }
                    }
                    while let Some(done) = in_flight.try_join_next() {
                        record(&mut out, done);
                    }
                    let h = h.clone();
                    let shared = shared.clone();
                    let client_id = format!("{run_tag}-{seq}");
                    in_flight.spawn(async move {
                        let body = format_body(BodyKind::Measured, seq as u64, shared.now_us());
                        (seq, h.send(&body, &client_id).await)
                    });
                }
                MessageSender::Ws(ws) => {
                    let body = format_body(BodyKind::Measured, seq as u64, shared.now_us());
                    let frame = baseline_next_frame(seq as u64, &body);
                    match ws.send(Message::text(frame)).await {
                        Ok(()) => {
                            if let Some(a) = out.acked.get_mut(seq) {
                                *a = true;
                            }
                        }
                        Err(e) => out.fail(&e.into()),
                    }
                }
            }
        }
        while let Some(done) = in_flight.join_next().await {
            record(&mut out, done);
        }
        out.last_done_us = shared.now_us();
        out
    }
}

/// Records one finished HTTP send.
fn record(out: &mut SendOutcome, done: Result<(usize, Result<u64>), tokio::task::JoinError>) {
    match done {
        Ok((seq, Ok(rtt))) => {
            if let Some(a) = out.acked.get_mut(seq) {
                *a = true;
            }
            out.rtt_us.push(rtt);
        }
        Ok((_, Err(e))) => out.fail(&e),
        Err(e) => out.fail(&e.into()),
    }
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
