//! What the `connections` bench and its `conn-client` children say to each other: the plan a
//! client is started with (a JSON file), and the status and report lines it prints on stdout
//! when asked (one JSON object a line), the latency histogram the clients fill, and the
//! borrowed parse of the server frames they read.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

/// Which connections one client process opens, and to where.
#[derive(Serialize, Deserialize)]
pub struct Plan {
    /// WebSocket URL of the server.
    pub url: String,
    /// Origin header (jeco checks it), if any.
    pub origin: Option<String>,
    /// Loopback source addresses; connection j binds to `sources[j % len]` so that
    /// no one address runs out of ephemeral ports.
    pub sources: Vec<String>,
    /// Connections being opened at once.
    pub concurrency: usize,
    /// Measured messages the send phase will send (sequence numbers `0..total`).
    pub total: usize,
    /// Number of rooms; measured message `seq` goes to room `seq % rooms`.
    pub rooms: usize,
    /// Connection groups, opened interleaved.
    pub groups: Vec<Group>,
}

/// `count` connections of one user, all subscribed to one room.
#[derive(Serialize, Deserialize, Clone)]
pub struct Group {
    /// Token for `connection_init` (none for the baseline).
    pub token: Option<String>,
    /// The room's id (the `conversationId` variable).
    pub room: String,
    /// The room's index (`seq % rooms` of the messages it gets).
    pub room_index: usize,
    /// How many connections.
    pub count: usize,
}

/// A client's answer to `status`.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct Status {
    /// Connections subscribed (upgrade, ack and `subscribe` sent).
    pub opened: usize,
    /// Connections that failed to open.
    pub failed: usize,
    /// Subscribed connections still open.
    pub alive: usize,
    /// Connections that have received a warm-up message (so the subscription runs).
    pub warm: usize,
    /// Connections open now that have received a warm-up message: held and subscribed.
    pub subscribed: usize,
    /// Measured deliveries so far (first deliveries only).
    pub received: u64,
    /// Connections that ended after opening.
    pub ended: usize,
    /// The first failure to open, or the first end.
    pub first_error: Option<String>,
}

/// A client's answer to `report`: everything the coordinator needs to compute the figures.
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Report {
    /// Counters at the time of the report.
    pub status: Status,
    /// Per room index: connections that have received a warm-up message.
    pub warm_per_room: Vec<u32>,
    /// Per measured sequence number: first deliveries over all connections.
    pub per_seq: Vec<u32>,
    /// Deliveries of a message a connection had already received.
    pub doubled: u64,
    /// Deliveries of a message of another room.
    pub misrouted: u64,
    /// `next` frames carrying GraphQL errors.
    pub graphql_errors: u64,
    /// The first such error.
    pub first_graphql_error: Option<String>,
    /// Frames that could not be understood.
    pub unparsed: u64,
    /// Delivery latency histogram (see [`Histogram`]).
    pub latency_buckets: Vec<u64>,
}

/// Sub-buckets per power of two: values are kept to within 1/32 (~3 %).
const SUB: u64 = 32;
/// Buckets: exact below `SUB`, then `SUB` per power of two up to 2^40 µs.
pub const BUCKETS: usize = (SUB as usize) * 37;

/// A lock-free log-linear histogram of microsecond values.
pub struct Histogram {
    /// Counts per bucket.
    buckets: Vec<AtomicU64>,
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Histogram { buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect() }
    }

    /// Records one value.
    pub fn record(&self, v: u64) {
        if let Some(b) = self.buckets.get(bucket_of(v)) {
            b.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts, for a report.
    pub fn snapshot(&self) -> Vec<u64> {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect()
    }
}

/// The bucket of value `v`.
pub fn bucket_of(v: u64) -> usize {
    if v < SUB {
        return v as usize;
    }
    let exp = 63 - u64::from(v.leading_zeros()); // v in [2^exp, 2^(exp+1))
    let shift = exp - SUB.trailing_zeros() as u64; // SUB values per power of two
    let mantissa = (v >> shift) - SUB; // 0..SUB
    (((exp - SUB.trailing_zeros() as u64 + 1) * SUB) + mantissa).min(BUCKETS as u64 - 1) as usize
}

/// The smallest value that falls in bucket `i`.
pub fn bucket_low(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let exp = i / SUB - 1 + SUB.trailing_zeros() as u64;
    let mantissa = i % SUB;
    (SUB + mantissa) << (exp - SUB.trailing_zeros() as u64)
}

/// The `p`th percentile (0–100) of merged bucket counts: the middle of its bucket.
pub fn percentile(buckets: &[u64], p: f64) -> Option<u64> {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((p / 100.0) * total as f64).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, &c) in buckets.iter().enumerate() {
        seen += c;
        if seen >= rank {
            let (lo, hi) = (bucket_low(i), bucket_low(i + 1));
            return Some(lo + hi.saturating_sub(lo) / 2);
        }
    }
    None
}

/// Adds `other` into `into` bucket by bucket.
pub fn merge(into: &mut Vec<u64>, other: &[u64]) {
    if into.len() < other.len() {
        into.resize(other.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(other) {
        *a += b;
    }
}

/// Microseconds since the Unix epoch: the one clock the coordinator and the client
/// processes share (bodies carry their send time in it).
pub fn unix_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// A frame's `type`.
#[derive(Deserialize)]
pub struct Kind<'a> {
    /// graphql-transport-ws message type.
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
}

/// A `next` frame, reduced to the body (borrowed from the frame).
#[derive(Deserialize)]
struct Next<'a> {
    /// The execution result.
    #[serde(borrow)]
    payload: Payload<'a>,
}

/// A GraphQL execution result.
#[derive(Deserialize)]
struct Payload<'a> {
    /// `data.conversationEvents`.
    #[serde(borrow)]
    data: Option<Data<'a>>,
    /// `errors` (only whether there are any).
    errors: Option<IgnoredAny>,
}

/// `data`.
#[derive(Deserialize)]
struct Data<'a> {
    /// The event.
    #[serde(rename = "conversationEvents", borrow)]
    event: Option<Event<'a>>,
}

/// A ConversationEvent.
#[derive(Deserialize)]
struct Event<'a> {
    /// Its union payload.
    #[serde(borrow)]
    payload: Option<EventPayload<'a>>,
}

/// The union payload; only MessageCreated has `message`.
#[derive(Deserialize)]
struct EventPayload<'a> {
    /// The message.
    #[serde(borrow)]
    message: Option<Msg<'a>>,
}

/// A message.
#[derive(Deserialize)]
struct Msg<'a> {
    /// Its body.
    #[serde(borrow)]
    body: Option<Cow<'a, str>>,
}

/// What a receiver reads from a `next` frame: the message body (borrowed) and whether
/// the result carried errors.
pub struct NextBody<'a> {
    /// The message body, when the event is a MessageCreated.
    pub body: Option<Cow<'a, str>>,
    /// `errors` was present.
    pub has_errors: bool,
}

impl<'a> NextBody<'a> {
    /// Parses a `next` frame.
    pub fn parse(text: &'a str) -> serde_json::Result<Self> {
        let next: Next<'a> = serde_json::from_str(text)?;
        let has_errors = next.payload.errors.is_some();
        let body = next.payload.data.and_then(|d| d.event).and_then(|e| e.payload).and_then(|p| p.message);
        Ok(NextBody { body: body.and_then(|m| m.body), has_errors })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for v in [0u64, 1, 31, 32, 33, 63, 64, 100, 1_000, 12_345, 1_000_000, 60_000_000] {
            let b = bucket_of(v);
            assert!(b >= last, "{v}");
            last = b;
            assert!(bucket_low(b) <= v && v < bucket_low(b + 1).max(v + 1), "{v}: {}", bucket_low(b));
            assert!(v - bucket_low(b) <= v / 32, "{v}");
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles() {
        let h = Histogram::new();
        for v in 1..=100u64 {
            h.record(v * 1000);
        }
        let snap = h.snapshot();
        let p50 = percentile(&snap, 50.0).unwrap();
        assert!((48_000..=52_000).contains(&p50), "{p50}");
        let p99 = percentile(&snap, 99.0).unwrap();
        assert!((96_000..=102_000).contains(&p99), "{p99}");
        assert_eq!(percentile(&[0, 0], 50.0), None);
        let mut m = vec![1];
        merge(&mut m, &[1, 2]);
        assert_eq!(m, vec![2, 2]);
    }

    #[test]
    fn next_frames() {
        let f = crate::frames::baseline_next_frame(3, "b:3:99");
        let n = NextBody::parse(&f).unwrap();
        assert_eq!((n.body.as_deref(), n.has_errors), (Some("b:3:99"), false));
        let err = r#"{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"nope"}]}}"#;
        assert!(NextBody::parse(err).unwrap().has_errors);
        let other = r#"{"id":"1","type":"next","payload":{"data":{"conversationEvents":{"payload":{"__typename":"X"}}}}}"#;
        assert_eq!(NextBody::parse(other).unwrap().body, None);
        let k: Kind = serde_json::from_str(r#"{"type":"ping"}"#).unwrap();
        assert_eq!(k.kind, "ping");
    }
}
