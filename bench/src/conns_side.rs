//! One measured side of the `connections` bench (jeco's instances, or the baseline server):
//! its client processes open the planned connections, then warm-up, idle and send phases,
//! and the figures the report is made of.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use tokio::io::AsyncWriteExt;

use crate::conns_proc::ClientProc;
use crate::conns_proto::{merge, percentile, Plan, Report, Status};
use crate::conns_send::{Sender, Sent};
use crate::conns_setup::{pg_backends, server_counts};
use crate::procfs;
use crate::server::ServerProc;

/// How long the warm-up may take before the run goes on without the stragglers.
const WARM_UP_TIMEOUT: Duration = Duration::from_secs(120);

/// What one side is made of.
pub struct Side {
    /// Its servers (one per client plan).
    pub servers: Vec<ServerProc>,
    /// One plan per server.
    pub plans: Vec<Plan>,
    /// Who sends.
    pub sender: Sender,
    /// Whether the servers are jeco (they have `/metrics`).
    pub jeco: bool,
    /// The database the servers use, if any (its backends are counted once all are open).
    pub db_url: Option<String>,
}

/// Settings shared by both sides.
pub struct PhaseOptions {
    /// The bench binary (the clients run it).
    pub exe: PathBuf,
    /// Where plans and client logs go.
    pub work_dir: PathBuf,
    /// Messages per second in the send phase.
    pub rate: u32,
    /// Seconds of sending.
    pub seconds: u32,
    /// Seconds of idle CPU measurement.
    pub idle_seconds: u64,
    /// Wait for stragglers after the last send.
    pub drain: Duration,
    /// Longest the opening of all connections may take.
    pub open_timeout: Duration,
}

/// One server's figures.
#[derive(Default)]
pub struct Instance {
    /// Connections planned on it.
    pub planned: usize,
    /// Held and subscribed at the end (its client's count).
    pub held: usize,
    /// RSS before any connection, KiB.
    pub rss_before: u64,
    /// RSS with every connection subscribed, KiB.
    pub rss_after: u64,
    /// CPU over the idle period, % of one core.
    pub idle_cpu_pct: f64,
    /// CPU seconds during the send phase.
    pub send_cpu_s: f64,
    /// jeco's own gauges (WebSockets, subscriptions) once all are open.
    pub gauges: Option<(i64, i64)>,
}

impl Figures {
    /// Whether every planned connection stayed subscribed and got every message once.
    pub fn clean(&self) -> bool {
        let planned: usize = self.instances.iter().map(|i| i.planned).sum();
        self.held == planned && self.failed == 0 && self.lost == 0 && self.doubled == 0 && self.misrouted == 0
    }
}

impl Instance {
    /// RSS growth per held connection, KiB.
    pub fn kib_per_conn(&self) -> Option<f64> {
        (self.held > 0).then(|| (self.rss_after as f64 - self.rss_before as f64) / self.held as f64)
    }
}

/// One side's figures.
#[derive(Default)]
pub struct Figures {
    /// Per server.
    pub instances: Vec<Instance>,
    /// Seconds from starting the clients to the last connection subscribed or failed.
    pub open_secs: f64,
    /// Connections subscribed / failed to open.
    pub opened: usize,
    /// See [`Status::failed`].
    pub failed: usize,
    /// Connections that received a warm-up message.
    pub warm: usize,
    /// Held and subscribed at the end.
    pub held: usize,
    /// Client processes' CPU over the idle period, % of one core.
    pub client_idle_cpu_pct: f64,
    /// Client processes' RSS at the end, KiB.
    pub client_rss_kib: u64,
    /// What the send phase did.
    pub sent: Sent,
    /// Expected deliveries (accepted messages × subscribed connections in their room).
    pub expected: u64,
    /// Unique deliveries of accepted messages.
    pub delivered: u64,
    /// Expected − delivered.
    pub lost: u64,
    /// Repeated deliveries.
    pub doubled: u64,
    /// Deliveries to a connection of another room, and of messages whose send failed.
    pub misrouted: u64,
    /// Delivery latency p50 / p99 / max bucket, ms.
    pub latency_ms: (Option<f64>, Option<f64>),
    /// Observations for the notes.
    pub notes: Vec<String>,
}

/// Statuses of every client.
async fn statuses(clients: &mut [ClientProc]) -> Result<Vec<Status>> {
    let mut out = Vec::with_capacity(clients.len());
    for c in clients.iter_mut() {
        out.push(c.ask::<Status>("status").await?);
    }
    Ok(out)
}

/// Fails when a server has exited.
fn check_alive(servers: &mut [ServerProc]) -> Result<()> {
    servers.iter_mut().try_for_each(ServerProc::check_alive)
}

/// CPU seconds of each of `pids`.
fn cpu(pids: &[String], ticks: u64) -> Result<Vec<f64>> {
    pids.iter().map(|p| procfs::cpu_seconds(p, ticks)).collect()
}

/// Runs every phase on `side`; `tag` makes clientIds unique.
pub async fn measure(side: &mut Side, opts: &PhaseOptions, tag: &str) -> Result<Figures> {
    let ticks = procfs::clock_ticks_per_second();
    let mut fig = Figures::default();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (server, plan) in side.servers.iter().zip(&side.plans) {
        let planned = plan.groups.iter().map(|g| g.count).sum();
        fig.instances.push(Instance {
            planned,
            rss_before: procfs::rss_kib(server.pid())?,
            ..Instance::default()
        });
    }
    let planned: usize = fig.instances.iter().map(|i| i.planned).sum();

    let t_open = Instant::now();
    let mut clients = Vec::new();
    for (i, plan) in side.plans.iter().enumerate() {
        clients.push(ClientProc::spawn(&opts.exe, plan, &opts.work_dir, &format!("{tag}-client-{i}"))?);
    }
    let mut last_print = Instant::now();
    let st = loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        check_alive(&mut side.servers)?;
        let st = statuses(&mut clients).await?;
        let (opened, failed): (usize, usize) =
            st.iter().fold((0, 0), |a, s| (a.0 + s.opened, a.1 + s.failed));
        if opened + failed >= planned {
            break st;
        }
        if t_open.elapsed() > opts.open_timeout {
            bail!(
                "only {opened} of {planned} connections opened ({failed} failed) in {:?}",
                opts.open_timeout
            );
        }
        if last_print.elapsed() > Duration::from_secs(5) {
            last_print = Instant::now();
            eprintln!(
                "[conns] {tag}: {opened}/{planned} subscribed, {failed} failed, {:.0} s",
                t_open.elapsed().as_secs_f64()
            );
        }
    };
    fig.open_secs = t_open.elapsed().as_secs_f64();
    fig.opened = st.iter().map(|s| s.opened).sum();
    fig.failed = st.iter().map(|s| s.failed).sum();
    if let Some(e) = st.iter().find_map(|s| s.first_error.clone()) {
        fig.notes.push(format!("first connection error: {e}"));
    }
    if fig.opened == 0 {
        bail!("no connection could be opened");
    }
    match side.db_url.as_deref().map(pg_backends) {
        Some(Ok(n)) => {
            fig.notes.push(format!("PostgreSQL backends on the bench database once all were open: {n}"))
        }
        Some(Err(e)) => fig.notes.push(format!("could not count PostgreSQL backends: {e:#}")),
        None => {}
    }
    eprintln!(
        "[conns] {tag}: {} subscribed ({} failed) in {:.1} s; warming up",
        fig.opened, fig.failed, fig.open_secs
    );

    // Warm-up: a message to every room until every open connection has seen one.
    let t_warm = Instant::now();
    let mut k = 0;
    loop {
        let (failed, first) = side.sender.warm_up(k, tag).await;
        if let Some(e) = first {
            bail!("{failed} warm-up send(s) failed; first: {e}");
        }
        k += 1;
        let round = Instant::now();
        let mut done = false;
        while !done && round.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let st = statuses(&mut clients).await?;
            done = st.iter().all(|s| s.warm >= s.alive);
        }
        if done || t_warm.elapsed() > WARM_UP_TIMEOUT {
            break;
        }
    }
    check_alive(&mut side.servers)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let st = statuses(&mut clients).await?;
    fig.warm = st.iter().map(|s| s.warm).sum();
    fig.notes.push(format!(
        "warm-up: {k} round(s) of one message per room, {:.1} s",
        t_warm.elapsed().as_secs_f64()
    ));
    for ((inst, server), s) in fig.instances.iter_mut().zip(&side.servers).zip(&st) {
        inst.rss_after = procfs::rss_kib(server.pid())?;
        inst.held = s.subscribed;
        if side.jeco {
            inst.gauges = server_counts(server.addr).await.ok();
        }
    }

    // Idle: nothing is sent; servers and clients only keep the connections alive.
    eprintln!("[conns] {tag}: idle for {} s", opts.idle_seconds);
    let server_pids: Vec<String> = side.servers.iter().map(|s| s.pid().to_string()).collect();
    let client_pids: Vec<String> = clients.iter().map(|c| c.pid.clone()).collect();
    let (s0, c0) = (cpu(&server_pids, ticks)?, cpu(&client_pids, ticks)?);
    let t_idle = Instant::now();
    tokio::time::sleep(Duration::from_secs(opts.idle_seconds)).await;
    let idle_s = t_idle.elapsed().as_secs_f64();
    let (s1, c1) = (cpu(&server_pids, ticks)?, cpu(&client_pids, ticks)?);
    for ((inst, a), b) in fig.instances.iter_mut().zip(&s0).zip(&s1) {
        inst.idle_cpu_pct = (b - a) / idle_s * 100.0;
    }
    fig.client_idle_cpu_pct = c1.iter().zip(&c0).map(|(b, a)| b - a).sum::<f64>() / idle_s * 100.0;

    // Send phase: expected deliveries per message = warm connections of its room.
    let reports = reports(&mut clients).await?;
    let rooms = side.sender.rooms().max(1);
    let mut warm_per_room = vec![0u64; rooms];
    for r in &reports {
        for (w, n) in warm_per_room.iter_mut().zip(&r.warm_per_room) {
            *w += u64::from(*n);
        }
    }
    let total = opts.rate as usize * opts.seconds as usize;
    eprintln!("[conns] {tag}: sending {} msg/s for {} s", opts.rate, opts.seconds);
    let s0 = cpu(&server_pids, ticks)?;
    fig.sent = side.sender.run(total, opts.rate, tag).await;
    fig.expected = (0..total)
        .filter(|&s| fig.sent.acked.get(s).copied().unwrap_or(false))
        .map(|s| warm_per_room.get(s % rooms).copied().unwrap_or(0))
        .sum();
    let deadline = Instant::now() + opts.drain;
    while Instant::now() < deadline {
        let got: u64 = statuses(&mut clients).await?.iter().map(|s| s.received).sum();
        if got >= fig.expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s1 = cpu(&server_pids, ticks)?;
    for ((inst, a), b) in fig.instances.iter_mut().zip(&s0).zip(&s1) {
        inst.send_cpu_s = b - a;
    }
    check_alive(&mut side.servers)?;
    let reports = self::reports(&mut clients).await?;
    tally(&mut fig, &reports, total);
    for (inst, r) in fig.instances.iter_mut().zip(&reports) {
        inst.held = r.status.subscribed;
    }
    fig.held = reports.iter().map(|r| r.status.subscribed).sum();
    fig.client_rss_kib = client_pids.iter().filter_map(|p| procfs::rss_kib(p).ok()).sum();
    for c in clients.iter_mut() {
        let _ = c.stdin.write_all(b"quit\n").await;
    }
    Ok(fig)
}

/// Every client's report.
async fn reports(clients: &mut [ClientProc]) -> Result<Vec<Report>> {
    let mut out = Vec::with_capacity(clients.len());
    for c in clients.iter_mut() {
        out.push(c.ask::<Report>("report").await?);
    }
    Ok(out)
}

/// Adds up the clients' reports.
fn tally(fig: &mut Figures, reports: &[Report], total: usize) {
    let mut per_seq = vec![0u64; total];
    let mut buckets = Vec::new();
    let (mut gql, mut unparsed, mut ended) = (0, 0, 0);
    let mut first_gql = None;
    let mut first_end = None;
    for r in reports {
        for (a, b) in per_seq.iter_mut().zip(&r.per_seq) {
            *a += u64::from(*b);
        }
        merge(&mut buckets, &r.latency_buckets);
        fig.doubled += r.doubled;
        fig.misrouted += r.misrouted;
        gql += r.graphql_errors;
        unparsed += r.unparsed;
        ended += r.status.ended;
        first_gql = first_gql.or_else(|| r.first_graphql_error.clone());
        first_end = first_end.or_else(|| r.status.first_error.clone());
    }
    for (seq, n) in per_seq.iter().enumerate() {
        if fig.sent.acked.get(seq).copied().unwrap_or(false) {
            fig.delivered += n;
        } else {
            fig.misrouted += n;
        }
    }
    fig.lost = fig.expected.saturating_sub(fig.delivered);
    let ms = |us: Option<u64>| us.map(|v| v as f64 / 1000.0);
    fig.latency_ms = (ms(percentile(&buckets, 50.0)), ms(percentile(&buckets, 99.0)));
    if ended > 0 {
        fig.notes
            .push(format!("{ended} connection(s) ended early; first: {}", first_end.unwrap_or_default()));
    }
    if gql > 0 {
        fig.notes.push(format!(
            "{gql} `next` frames with GraphQL errors; first: {}",
            first_gql.unwrap_or_default()
        ));
    }
    if unparsed > 0 {
        fig.notes.push(format!("{unparsed} frames not understood"));
    }
}
