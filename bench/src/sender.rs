//! The send phase: jeco's HTTP `sendMessage` sender, the baseline's WebSocket sender,
//! warm-up, and the fixed-rate open loop that records what was accepted.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::SinkExt;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::frames::{baseline_next_frame, format_body, BodyKind};
use crate::http;
use crate::load::{Shared, Ws};

/// Most sendMessage requests in flight at once.
const MAX_IN_FLIGHT: usize = 256;
/// How long the warm-up may take before the run is declared broken.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between warm-up messages.
const WARM_UP_EVERY: Duration = Duration::from_millis(500);

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

/// The sendMessage mutation. Leaner on purpose than `graphql/operations/SendMessage.graphql`
/// (which selects the whole message): the bench measures fan-out, and its recorded results
/// were taken with this selection.
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

    /// Sends `shared.total` measured messages (numbered from `shared.first_seq`) at `rate` per
    /// second (open loop for HTTP); `acked` is indexed from 0.
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
                    let global = shared.first_seq + seq as u64;
                    let client_id = format!("{run_tag}-{global}");
                    in_flight.spawn(async move {
                        let body = format_body(BodyKind::Measured, global, shared.now_us());
                        (seq, h.send(&body, &client_id).await)
                    });
                }
                MessageSender::Ws(ws) => {
                    let global = shared.first_seq + seq as u64;
                    let body = format_body(BodyKind::Measured, global, shared.now_us());
                    let frame = baseline_next_frame(global, &body);
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
