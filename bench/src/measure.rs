//! One measurement: open the receivers on a prepared server, warm up, run the send phase,
//! and compute the figures (latency, loss, CPU and memory per connection).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::watch;

use crate::load::{self, Shared};
use crate::procfs;
use crate::sender::MessageSender;
use crate::server::ServerProc;
use crate::stats::{percentile, RunFigures};

/// Settings of a run.
pub struct Options {
    /// The `jeco` binary; `None` with `baseline_only`.
    pub jeco_bin: Option<PathBuf>,
    /// PostgreSQL server to create the bench database on.
    pub database_url: String,
    /// Room sizes to measure.
    pub members: Vec<usize>,
    /// Offered messages per second.
    pub rate: u32,
    /// Length of the send phase.
    pub seconds: u32,
    /// How long to wait for stragglers after the last send.
    pub drain: Duration,
    /// Where to write the markdown report.
    pub out: PathBuf,
    /// Skip jeco.
    pub baseline_only: bool,
}

/// One server's setup for a measurement.
pub struct Setup {
    /// WebSocket URL of the subscription endpoint.
    pub ws_url: String,
    /// Origin header to send.
    pub origin: Option<String>,
    /// One entry per receiver: its `connection_init` token.
    pub tokens: Vec<Option<String>>,
    /// The `subscribe` frame every receiver sends.
    pub subscribe_frame: String,
    /// Who sends.
    pub sender: MessageSender,
    /// Unique tag for clientIds.
    pub run_tag: String,
    /// Notes from the setup.
    pub notes: Vec<String>,
}
/// CPU counters at one instant: the server's, the bench's own and the whole machine's busy time.
#[derive(Debug, Clone, Copy)]
pub struct CpuSnapshot {
    /// Server user+system seconds.
    server: f64,
    /// This process's user+system seconds.
    bench: f64,
    /// Busy seconds of all CPUs.
    busy: f64,
}

/// CPU seconds spent between two snapshots.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSplit {
    /// By the server.
    pub server: f64,
    /// By the bench client.
    pub bench: f64,
    /// By everything else (PostgreSQL, other processes).
    pub other: f64,
}

impl CpuSnapshot {
    /// Reads the counters of server `pid`.
    pub fn take(pid: &str, ticks: u64) -> Result<Self> {
        Ok(Self {
            server: procfs::cpu_seconds(pid, ticks)?,
            bench: procfs::cpu_seconds("self", ticks)?,
            busy: procfs::machine_busy_seconds(ticks)?,
        })
    }

    /// What was spent since `earlier`.
    pub fn since(&self, earlier: &Self) -> CpuSplit {
        let server = self.server - earlier.server;
        let bench = self.bench - earlier.bench;
        CpuSplit { server, bench, other: (self.busy - earlier.busy - server - bench).max(0.0) }
    }
}

impl CpuSplit {
    /// The report note for a phase of `phase_s` seconds.
    pub fn note(&self, phase_s: f64) -> String {
        format!(
            "CPU in the {phase_s:.1} s send phase: server {:.2} s, bench {:.2} s, everything else \
             (PostgreSQL, other processes) {:.2} s, of {:.1} s available",
            self.server,
            self.bench,
            self.other,
            phase_s * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64
        )
    }
}

/// What all receivers saw of one send phase, added up.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every first delivery's latency, µs (sorted by [`Tally::finish`]).
    pub latencies_us: Vec<u64>,
    /// Accepted sends a receiver never got.
    pub lost: u64,
    /// Repeated deliveries.
    pub doubled: u64,
    /// Deliveries of messages whose send had failed.
    pub unexpected: u64,
    /// Deliveries of an earlier phase's messages.
    pub stale: u64,
    /// Frames not understood.
    pub unparsed: u64,
    /// `next` frames with GraphQL errors, and the first of them.
    pub gql_errors: (u64, Option<String>),
    /// First and last receipt of a measured message, µs since start.
    pub first_recv_us: Option<u64>,
    /// See `first_recv_us`.
    pub last_recv_us: u64,
    /// Why receivers ended early.
    pub receiver_errors: Vec<String>,
}

impl Tally {
    /// Adds one receiver's stats; `acked[i]`: the phase's message `i` was accepted.
    pub fn add(&mut self, s: load::ReceiverStats, acked: &[bool]) {
        for (seen, acked) in s.seen.iter().zip(acked.iter()) {
            match (*seen, *acked) {
                (false, true) => self.lost += 1,
                (true, false) => self.unexpected += 1,
                _ => {}
            }
        }
        self.doubled += s.doubled;
        self.stale += s.stale;
        self.unparsed += s.unparsed;
        self.gql_errors.0 += s.graphql_errors;
        if self.gql_errors.1.is_none() {
            self.gql_errors.1 = s.first_graphql_error;
        }
        self.first_recv_us = match (self.first_recv_us, s.first_recv_us) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_recv_us = self.last_recv_us.max(s.last_recv_us);
        self.receiver_errors.extend(s.error);
        self.latencies_us.extend(s.latencies_us);
    }

    /// Sorts the latencies (for percentiles).
    pub fn finish(&mut self) {
        self.latencies_us.sort_unstable();
    }

    /// Latency percentile `p` in ms.
    pub fn latency_ms(&self, p: f64) -> Option<f64> {
        percentile(&self.latencies_us, p).map(|us| us as f64 / 1000.0)
    }

    /// Notes on anything abnormal the receivers saw.
    pub fn notes(&self, notes: &mut Vec<String>) {
        if let Some(first) = self.receiver_errors.first() {
            notes.push(format!(
                "{} receiver connection(s) ended early; first: {first}",
                self.receiver_errors.len()
            ));
        }
        if self.gql_errors.0 > 0 {
            notes.push(format!(
                "{} `next` frames carried GraphQL errors; first: {}",
                self.gql_errors.0,
                self.gql_errors.1.as_deref().unwrap_or_default()
            ));
        }
        if self.unexpected > 0 {
            notes.push(format!("{} deliveries of messages whose send had failed", self.unexpected));
        }
        if self.unparsed > 0 {
            notes.push(format!("{} frames not understood", self.unparsed));
        }
    }
}

/// The "sendMessage HTTP round trip" note, when there were HTTP sends.
pub fn rtt_note(rtt_us: &[u64]) -> Option<String> {
    let mut rtt = rtt_us.to_vec();
    rtt.sort_unstable();
    let ms = |p| percentile(&rtt, p).map(|v| v as f64 / 1000.0);
    Some(format!(
        "sendMessage HTTP round trip p50 {:.2} ms, p99 {:.2} ms",
        ms(50.0)?,
        ms(99.0).unwrap_or(0.0)
    ))
}

/// Opens the receivers, warms up, runs the send phase and computes the figures.
pub async fn measure(server: &mut ServerProc, setup: Setup, opts: &Options) -> Result<RunFigures> {
    let Setup { ws_url, origin, tokens, subscribe_frame, mut sender, run_tag, mut notes } = setup;
    let n = tokens.len();
    let ticks = procfs::clock_ticks_per_second();
    let pid = server.pid().to_string();
    let shared = Arc::new(Shared {
        start: Instant::now(),
        received: AtomicU64::new(0),
        warm: AtomicUsize::new(0),
        total: opts.rate as usize * opts.seconds as usize,
        first_seq: 0,
    });

    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = procfs::rss_kib(&pid)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let t_open = Instant::now();
    let sockets = load::open_receivers(&ws_url, origin.as_deref(), tokens, &subscribe_frame).await?;
    let handles: Vec<_> =
        sockets.into_iter().map(|ws| load::spawn_receiver(ws, shared.clone(), stop_rx.clone())).collect();
    let open_secs = t_open.elapsed().as_secs_f64();
    server.check_alive()?;
    sender.warm_up(&shared, n, &run_tag).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_after = procfs::rss_kib(&pid)?;

    let cpu0 = CpuSnapshot::take(&pid, ticks)?;
    let t_phase = Instant::now();
    let sent = sender.run(&shared, opts.rate, &run_tag).await;
    let accepted = sent.acked.iter().filter(|a| **a).count();
    let target = (n * accepted) as u64;
    let drain_deadline = Instant::now() + opts.drain;
    while shared.received.load(Ordering::Relaxed) < target && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drained = shared.received.load(Ordering::Relaxed) >= target;
    let cpu = CpuSnapshot::take(&pid, ticks)?.since(&cpu0);
    let phase_s = t_phase.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);

    let mut tally = Tally::default();
    for h in handles {
        let (_, s) = h.await.context("receiver task panicked")?;
        tally.add(s, &sent.acked);
    }
    tally.finish();
    let delivered = tally.latencies_us.len() as u64;
    let span_s = tally.last_recv_us.saturating_sub(sent.first_send_us) as f64 / 1e6;

    let mut failed = String::new();
    if sent.errors > 0 {
        failed = format!(" (first: {})", sent.first_errors.join(" ⏎ "));
    }
    notes.push(format!(
        "sent {} messages: {accepted} accepted, {} failed{failed}; expected {n} × {accepted} = {target} deliveries, \
         received {delivered} unique in {span_s:.2} s{}",
        shared.total,
        sent.errors,
        if drained { "" } else { " (drain timed out)" },
    ));
    if sent.max_lateness_us > 50_000 {
        notes.push(format!(
            "the sender fell behind its schedule by up to {:.0} ms",
            sent.max_lateness_us as f64 / 1000.0
        ));
    }
    notes.extend(rtt_note(&sent.rtt_us));
    notes.push(format!(
        "opened {n} subscribed connections in {open_secs:.1} s; server RSS {rss_before} KiB before, {rss_after} KiB after"
    ));
    notes.push(cpu.note(phase_s));
    tally.notes(&mut notes);

    Ok(RunFigures {
        delivered_per_s: if span_s > 0.0 { delivered as f64 / span_s } else { 0.0 },
        p50_ms: tally.latency_ms(50.0),
        p99_ms: tally.latency_ms(99.0),
        cpu_us_per_event: (delivered > 0).then(|| cpu.server * 1e6 / delivered as f64),
        kib_per_conn: (rss_after as f64 - rss_before as f64) / n.max(1) as f64,
        lost: tally.lost,
        doubled: tally.doubled,
        notes,
    })
}
