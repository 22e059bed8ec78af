//! One measurement: open the receivers on a prepared server, warm up, run the send phase,
//! and compute the figures (latency, loss, CPU and memory per connection).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
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
    });

    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = procfs::rss_kib(&pid)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let t_open = Instant::now();
    let opened: Vec<Result<tokio::task::JoinHandle<load::ReceiverStats>>> =
        futures_util::stream::iter(tokens.into_iter().enumerate())
            .map(|(i, token)| {
                let (url, origin, frame) = (&ws_url, origin.as_deref(), subscribe_frame.clone());
                let (shared, stop_rx) = (shared.clone(), stop_rx.clone());
                async move {
                    let ws = load::connect(url, origin, token.as_deref())
                        .await
                        .with_context(|| format!("receiver {i}"))?;
                    load::subscribe_and_spawn(ws, frame, shared, stop_rx).await
                }
            })
            .buffer_unordered(load::CONNECT_CONCURRENCY)
            .collect()
            .await;
    let mut handles = Vec::with_capacity(n);
    let mut connect_errors = Vec::new();
    for r in opened {
        match r {
            Ok(h) => handles.push(h),
            Err(e) => connect_errors.push(format!("{e:#}")),
        }
    }
    if let Some(first) = connect_errors.first() {
        bail!("{} of {n} receivers failed to connect/subscribe; first: {first}", connect_errors.len());
    }
    let open_secs = t_open.elapsed().as_secs_f64();
    server.check_alive()?;
    sender.warm_up(&shared, n, &run_tag).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_after = procfs::rss_kib(&pid)?;

    let cpu0 = procfs::cpu_seconds(&pid, ticks)?;
    let self0 = procfs::cpu_seconds("self", ticks)?;
    let busy0 = procfs::machine_busy_seconds(ticks)?;
    let t_phase = Instant::now();
    let sent = sender.run(&shared, opts.rate, &run_tag).await;
    let accepted = sent.acked.iter().filter(|a| **a).count();
    let target = (n * accepted) as u64;
    let drain_deadline = Instant::now() + opts.drain;
    while shared.received.load(Ordering::Relaxed) < target && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drained = shared.received.load(Ordering::Relaxed) >= target;
    let cpu1 = procfs::cpu_seconds(&pid, ticks)?;
    let self1 = procfs::cpu_seconds("self", ticks)?;
    let busy1 = procfs::machine_busy_seconds(ticks)?;
    let phase_s = t_phase.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);

    let mut latencies = Vec::with_capacity(n * accepted);
    let (mut lost, mut doubled, mut unexpected, mut unparsed, mut gql_errors) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut last_recv_us = 0u64;
    let mut receiver_errors = Vec::new();
    let mut first_gql_error = None;
    for h in handles {
        let s = h.await.context("receiver task panicked")?;
        for (seen, acked) in s.seen.iter().zip(sent.acked.iter()) {
            match (*seen, *acked) {
                (false, true) => lost += 1,
                (true, false) => unexpected += 1,
                _ => {}
            }
        }
        doubled += s.doubled;
        unparsed += s.unparsed;
        gql_errors += s.graphql_errors;
        if first_gql_error.is_none() {
            first_gql_error = s.first_graphql_error;
        }
        last_recv_us = last_recv_us.max(s.last_recv_us);
        receiver_errors.extend(s.error);
        latencies.extend(s.latencies_us);
    }
    latencies.sort_unstable();
    let delivered = latencies.len() as u64;
    let span_s = last_recv_us.saturating_sub(sent.first_send_us) as f64 / 1e6;
    let cpu = cpu1 - cpu0;
    let ms = |us: Option<u64>| us.map(|v| v as f64 / 1000.0);

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
    if !sent.rtt_us.is_empty() {
        let mut rtt = sent.rtt_us.clone();
        rtt.sort_unstable();
        notes.push(format!(
            "sendMessage HTTP round trip p50 {:.2} ms, p99 {:.2} ms",
            ms(percentile(&rtt, 50.0)).unwrap_or(0.0),
            ms(percentile(&rtt, 99.0)).unwrap_or(0.0)
        ));
    }
    let bench_cpu = self1 - self0;
    notes.push(format!(
        "opened {n} subscribed connections in {open_secs:.1} s; server RSS {rss_before} KiB before, {rss_after} KiB after"
    ));
    notes.push(format!(
        "CPU in the {phase_s:.1} s send phase: server {cpu:.2} s, bench {bench_cpu:.2} s, everything else \
         (PostgreSQL, other processes) {:.2} s, of {:.1} s available",
        (busy1 - busy0 - cpu - bench_cpu).max(0.0),
        phase_s * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64
    ));
    if let Some(first) = receiver_errors.first() {
        notes.push(format!("{} receiver connection(s) ended early; first: {first}", receiver_errors.len()));
    }
    if gql_errors > 0 {
        notes.push(format!(
            "{gql_errors} `next` frames carried GraphQL errors; first: {}",
            first_gql_error.unwrap_or_default()
        ));
    }
    if unexpected > 0 {
        notes.push(format!("{unexpected} deliveries of messages whose send had failed"));
    }
    if unparsed > 0 {
        notes.push(format!("{unparsed} frames not understood"));
    }

    Ok(RunFigures {
        delivered_per_s: if span_s > 0.0 { delivered as f64 / span_s } else { 0.0 },
        p50_ms: ms(percentile(&latencies, 50.0)),
        p99_ms: ms(percentile(&latencies, 99.0)),
        cpu_us_per_event: (delivered > 0).then(|| cpu * 1e6 / delivered as f64),
        kib_per_conn: (rss_after as f64 - rss_before as f64) / n.max(1) as f64,
        lost,
        doubled,
        notes,
    })
}
