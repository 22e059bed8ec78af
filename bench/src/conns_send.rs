//! The `connections` bench's senders: warm-up messages to every room, and the steady
//! measured send phase spread over the rooms (jeco: HTTP `sendMessage` to the instances in
//! turn, open loop; baseline: `next` frames naming the room on one WebSocket).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::{SinkExt, StreamExt};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::conns_proto::unix_us;
use crate::frames::{baseline_next_frame, format_body, BodyKind};
use crate::load::Ws;
use crate::sender::HttpSender;

/// Most sendMessage requests in flight at once.
const MAX_IN_FLIGHT: usize = 256;
/// Warm-up sends in flight at once.
const WARM_UP_CONCURRENCY: usize = 16;

/// Who sends, and to which rooms.
pub enum Sender {
    /// jeco: one sender per room (the room's creator), any instance.
    Jeco {
        /// The instances' addresses; message `seq` goes to instance `seq % len`.
        addrs: Vec<SocketAddr>,
        /// Per room: (creator's token, room id).
        rooms: Vec<(Arc<str>, Arc<str>)>,
    },
    /// The baseline: frames on one WebSocket, routed by their `room` field.
    Baseline {
        /// The sender's connection.
        ws: Box<Ws>,
        /// Room ids.
        rooms: Vec<String>,
    },
}

/// What the send phase did.
#[derive(Default)]
pub struct Sent {
    /// `acked[seq]`: the server accepted message `seq`.
    pub acked: Vec<bool>,
    /// Failed sends.
    pub errors: u64,
    /// The first few failures.
    pub first_errors: Vec<String>,
    /// Largest delay of a send behind its schedule, µs.
    pub max_lateness_us: u64,
}

impl Sent {
    /// Records one finished send.
    fn done(&mut self, seq: usize, result: Result<()>) {
        match result {
            Ok(()) => {
                if let Some(a) = self.acked.get_mut(seq) {
                    *a = true;
                }
            }
            Err(e) => {
                self.errors += 1;
                if self.first_errors.len() < 3 {
                    self.first_errors.push(format!("{e:#}"));
                }
            }
        }
    }
}

/// A baseline `next` frame for room `room`.
fn room_frame(seq: u64, body: &str, room: &str) -> String {
    let frame = baseline_next_frame(seq, body);
    match serde_json::from_str::<serde_json::Value>(&frame) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.insert("room".into(), room.into());
            serde_json::Value::Object(map).to_string()
        }
        _ => frame,
    }
}

impl Sender {
    /// Number of rooms.
    pub fn rooms(&self) -> usize {
        match self {
            Sender::Jeco { rooms, .. } => rooms.len(),
            Sender::Baseline { rooms, .. } => rooms.len(),
        }
    }

    /// The HTTP sender for message `seq` (jeco only).
    fn http(addrs: &[SocketAddr], rooms: &[(Arc<str>, Arc<str>)], seq: usize) -> Option<HttpSender> {
        let (token, room) = rooms.get(seq % rooms.len().max(1))?;
        let addr = *addrs.get(seq % addrs.len().max(1))?;
        Some(HttpSender { addr, token: token.clone(), conversation_id: room.clone() })
    }

    /// Sends warm-up message `k` to every room; returns how many sends failed and the first error.
    pub async fn warm_up(&mut self, k: u64, run_tag: &str) -> (usize, Option<String>) {
        let results: Vec<Result<()>> = match self {
            Sender::Jeco { addrs, rooms } => {
                let senders: Vec<Option<HttpSender>> =
                    (0..rooms.len()).map(|r| Self::http(addrs, rooms, r)).collect();
                futures_util::stream::iter(senders.into_iter().enumerate())
                    .map(|(r, h)| async move {
                        let h = h.ok_or_else(|| anyhow::anyhow!("no sender for room {r}"))?;
                        let body = format_body(BodyKind::WarmUp, k, unix_us());
                        h.send(&body, &format!("{run_tag}-w{k}-{r}")).await.map(|_| ())
                    })
                    .buffer_unordered(WARM_UP_CONCURRENCY)
                    .collect()
                    .await
            }
            Sender::Baseline { ws, rooms } => {
                let mut out = Vec::new();
                for room in rooms.iter() {
                    let body = format_body(BodyKind::WarmUp, k, unix_us());
                    out.push(ws.send(Message::text(room_frame(k, &body, room))).await.map_err(Into::into));
                }
                out
            }
        };
        let failed: Vec<String> =
            results.into_iter().filter_map(|r| r.err()).map(|e| format!("{e:#}")).collect();
        (failed.len(), failed.into_iter().next())
    }

    /// Sends `total` measured messages at `rate` per second, message `seq` to room `seq % rooms`.
    pub async fn run(&mut self, total: usize, rate: u32, run_tag: &str) -> Sent {
        let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
        let mut out = Sent { acked: vec![false; total], ..Sent::default() };
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let start = Instant::now();
        let mut in_flight: JoinSet<(usize, Result<()>)> = JoinSet::new();
        for seq in 0..total {
            ticker.tick().await;
            let due = start + period.mul_f64(seq as f64);
            out.max_lateness_us = out.max_lateness_us.max(due.elapsed().as_micros() as u64);
            match self {
                Sender::Jeco { addrs, rooms } => {
                    while in_flight.len() >= MAX_IN_FLIGHT {
                        if let Some(Ok((s, r))) = in_flight.join_next().await {
                            out.done(s, r);
                        }
                    }
                    while let Some(Ok((s, r))) = in_flight.try_join_next() {
                        out.done(s, r);
                    }
                    let Some(h) = Self::http(addrs, rooms, seq) else {
                        out.done(seq, Err(anyhow::anyhow!("no rooms")));
                        continue;
                    };
                    let client_id = format!("{run_tag}-{seq}");
                    in_flight.spawn(async move {
                        let body = format_body(BodyKind::Measured, seq as u64, unix_us());
                        (seq, h.send(&body, &client_id).await.map(|_| ()))
                    });
                }
                Sender::Baseline { ws, rooms } => {
                    let room = rooms.get(seq % rooms.len().max(1)).map(String::as_str).unwrap_or("");
                    let body = format_body(BodyKind::Measured, seq as u64, unix_us());
                    let frame = room_frame(seq as u64, &body, room);
                    let r = ws.send(Message::text(frame)).await.map_err(Into::into);
                    out.done(seq, r);
                }
            }
        }
        while let Some(joined) = in_flight.join_next().await {
            match joined {
                Ok((s, r)) => out.done(s, r),
                Err(e) => out.done(usize::MAX, Err(e.into())),
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn room_frames_name_their_room() {
        let f: serde_json::Value = serde_json::from_str(&room_frame(3, "b:3:9", "r7")).unwrap();
        assert_eq!(f["room"], "r7");
        assert_eq!(f["type"], "next");
        assert_eq!(f["payload"]["data"]["conversationEvents"]["payload"]["message"]["body"], "b:3:9");
    }
}
