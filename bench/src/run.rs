//! The `run` command: per member count, measure jeco and the baseline and report both.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::gql::{self, create_room, join_room, register_users, BenchUser};
use crate::load::{self, HttpSender, MessageSender, Shared};
use crate::procfs;
use crate::server::{free_port, Database, ServerProc};
use crate::stats::{percentile, render_section, RunFigures, RunOutcome};

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

/// The subscription each jeco receiver runs.
const SUBSCRIPTION: &str = "subscription($c: ID!){ conversationEvents(conversationId: $c){ cursor payload { __typename ... on MessageCreated { message { id body } } } } }";

/// jeco's state across member counts: binary, database, data dir, users registered so far.
struct JecoEnv {
    /// The binary.
    bin: PathBuf,
    /// The throwaway database.
    db: Database,
    /// JECO_DATA_DIR (kept across restarts so the JWT secret and tokens stay valid).
    data_dir: PathBuf,
    /// Users registered so far (user 0 creates the rooms and sends).
    users: Vec<BenchUser>,
}

/// Runs the whole bench; returns whether every measurement succeeded.
pub async fn run(opts: Options) -> Result<bool> {
    let work_dir = std::env::temp_dir().join(format!("jeco-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let mut report = header(&opts);
    println!("{report}");

    let mut jeco = None;
    let mut all_ok = true;
    if !opts.baseline_only {
        let bin = opts.jeco_bin.clone().context("--jeco-bin is required unless --baseline-only")?;
        if !bin.is_file() {
            bail!("--jeco-bin {} does not exist", bin.display());
        }
        let db_name = format!("jeco_bench_{}", std::process::id());
        let db = Database::create(&opts.database_url, &db_name)?;
        let data_dir = work_dir.join("jeco-data");
        std::fs::create_dir_all(&data_dir)?;
        jeco = Some(JecoEnv { bin, db, data_dir, users: Vec::new() });
    }

    for &n in &opts.members {
        eprintln!("[bench] {n} members: baseline ...");
        let baseline = run_baseline(n, &opts, &work_dir).await.map_err(|e| format!("{e:#}"));
        all_ok &= baseline.is_ok();
        let jeco_outcome: Option<RunOutcome> = match jeco.as_mut() {
            Some(env) => {
                eprintln!("[bench] {n} members: jeco ...");
                let r = run_jeco(env, n, &opts, &work_dir).await.map_err(|e| format!("{e:#}"));
                all_ok &= r.is_ok();
                Some(r)
            }
            None => None,
        };
        for (name, outcome) in [("baseline", Some(&baseline)), ("jeco", jeco_outcome.as_ref())] {
            if let Some(Err(e)) = outcome {
                eprintln!("[bench] {n} members: {name} FAILED: {e}");
            }
        }
        let section = render_section(n, opts.rate, jeco_outcome.as_ref(), &baseline);
        println!("{section}");
        report.push_str(&section);
    }

    if let Some(env) = jeco.as_ref() {
        if let Err(e) = env.db.drop_now() {
            eprintln!("[bench] could not drop the bench database: {e:#}");
        }
    }
    if all_ok {
        let _ = std::fs::remove_dir_all(&work_dir);
    } else {
        eprintln!("[bench] server logs kept in {}", work_dir.display());
    }
    if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&opts.out, &report).with_context(|| format!("writing {}", opts.out.display()))?;
    eprintln!("[bench] report written to {}", opts.out.display());
    Ok(all_ok)
}

/// The report's first lines: machine and parameters.
fn header(opts: &Options) -> String {
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let jeco = match (&opts.jeco_bin, opts.baseline_only) {
        (_, true) => "not measured (--baseline-only)".to_string(),
        (Some(b), false) => format!("`{}`", b.display()),
        (None, false) => "?".to_string(),
    };
    format!(
        "# Jeco Chat fan-out bench\n\n\
         - machine: {}\n\
         - date: {date}\n\
         - offered load: {} msg/s for {} s per room size ({} measured messages), drain timeout {} s\n\
         - jeco: {jeco} (HTTP `sendMessage` → `conversationEvents` subscribers over graphql-transport-ws, PostgreSQL on this machine)\n\
         - baseline: `jeco-bench baseline-server`, raw tokio-tungstenite + tokio broadcast (the ceiling)\n\
         - each server is its own child process, restarted for each room size; the bench client shares the same cores\n\
         - columns: delivered ev/s = unique deliveries ÷ (first send → last receive); latency = send start → receipt; \
           CPU = server user+system time during the send phase ÷ deliveries; KiB/connection = server RSS growth from \
           0 to N subscribed connections ÷ N; lost = expected (N × accepted sends) − received; doubled = repeated deliveries\n\n",
        procfs::machine_summary(),
        opts.rate,
        opts.seconds,
        u64::from(opts.rate) * u64::from(opts.seconds),
        opts.drain.as_secs(),
    )
}

/// One server's setup for a measurement.
struct Setup {
    /// WebSocket URL of the subscription endpoint.
    ws_url: String,
    /// Origin header to send.
    origin: Option<String>,
    /// One entry per receiver: its `connection_init` token.
    tokens: Vec<Option<String>>,
    /// The `subscribe` frame every receiver sends.
    subscribe_frame: String,
    /// Who sends.
    sender: MessageSender,
    /// Unique tag for clientIds.
    run_tag: String,
    /// Notes from the setup.
    notes: Vec<String>,
}

/// Measures the baseline server with `n` receivers.
async fn run_baseline(n: usize, opts: &Options, work_dir: &Path) -> Result<RunFigures> {
    let exe = std::env::current_exe().context("locating the bench binary")?;
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let bind = addr.to_string();
    let mut server = ServerProc::spawn(
        "baseline server",
        &exe,
        &["baseline-server", "--bind", &bind],
        &[],
        addr,
        &work_dir.join(format!("baseline-{n}.log")),
    )?;
    let result = async {
        server.wait_ready(None, Duration::from_secs(20)).await?;
        let url = format!("ws://{addr}/");
        let sender = load::connect(&url, None, None).await.context("sender connection")?;
        let setup = Setup {
            ws_url: url,
            origin: None,
            tokens: vec![None; n],
            subscribe_frame: subscribe_frame("baseline"),
            sender: MessageSender::Ws(Box::new(sender)),
            run_tag: format!("base{n}"),
            notes: Vec::new(),
        };
        measure(&mut server, setup, opts).await
    }
    .await;
    finish(server, result).await
}

/// Appends the server's log lines to the figures' notes (or the error).
async fn finish(server: ServerProc, result: Result<RunFigures>) -> Result<RunFigures> {
    let lines = server.stop().await;
    let summary = if lines.is_empty() {
        None
    } else {
        let first: Vec<String> = lines.iter().take(3).map(|l| l.chars().take(300).collect()).collect();
        Some(format!(
            "server log: {} line(s) at warn level or above; first: {}",
            lines.len(),
            first.join(" ⏎ ")
        ))
    };
    match result {
        Ok(mut figures) => {
            figures.notes.extend(summary);
            Ok(figures)
        }
        Err(e) => match summary {
            Some(s) => Err(e.context(s)),
            None => Err(e),
        },
    }
}

/// The graphql-transport-ws `subscribe` frame for room `room_id`.
fn subscribe_frame(room_id: &str) -> String {
    serde_json::json!({
        "id": "1",
        "type": "subscribe",
        "payload": { "query": SUBSCRIPTION, "variables": { "c": room_id } }
    })
    .to_string()
}

/// Starts `jeco serve` for this environment (see [`gql::start_jeco`]).
async fn start_jeco(env: &JecoEnv, log: &Path) -> Result<ServerProc> {
    gql::start_jeco(&env.bin, &env.db.url, &env.data_dir, log).await
}

/// Measures jeco with `n` members in a fresh room.
///
/// One server instance registers the missing users, creates the room and joins the members;
/// it is then stopped and a fresh instance is measured, so that memory the setup left behind
/// (password hashing) does not blur the per-connection figure.
async fn run_jeco(env: &mut JecoEnv, n: usize, opts: &Options, work_dir: &Path) -> Result<RunFigures> {
    let mut notes = Vec::new();
    let setup_server = start_jeco(env, &work_dir.join(format!("jeco-{n}-setup.log"))).await?;
    let addr = setup_server.addr;
    let setup = async {
        let missing = n.saturating_sub(env.users.len());
        if missing > 0 {
            let t = Instant::now();
            register_users(addr, &mut env.users, n).await?;
            notes.push(format!("setup: registered {missing} users in {:.1} s", t.elapsed().as_secs_f64()));
        }
        let users = env.users.get(..n).context("not enough users")?.to_vec();
        let owner = users.first().context("no users")?.token.clone();
        let t = Instant::now();
        let room = create_room(addr, &owner, &format!("bench {n} members")).await?;
        join_room(addr, users.get(1..).unwrap_or_default(), &room).await?;
        notes.push(format!(
            "setup: room created and {} members joined in {:.1} s; setup instance RSS {} KiB",
            n - 1,
            t.elapsed().as_secs_f64(),
            procfs::rss_kib(setup_server.pid())?
        ));
        Ok::<_, anyhow::Error>((users, owner, room))
    }
    .await;
    let (users, owner, room) = finish_setup(setup_server, setup).await?;

    let mut server = start_jeco(env, &work_dir.join(format!("jeco-{n}.log"))).await?;
    let addr = server.addr;
    let origin = format!("http://{addr}");
    let setup = Setup {
        ws_url: format!("ws://{addr}/graphql/ws"),
        origin: Some(origin),
        tokens: users.iter().map(|u| Some(u.token.clone())).collect(),
        subscribe_frame: subscribe_frame(&room),
        sender: MessageSender::Http(HttpSender { addr, token: owner.into(), conversation_id: room.into() }),
        run_tag: format!("jeco{n}-{}", std::process::id()),
        notes,
    };
    let result = measure(&mut server, setup, opts).await;
    finish(server, result).await
}

/// Stops the setup instance, printing any warn/error lines it logged, and passes `result` on.
async fn finish_setup<T>(server: ServerProc, result: Result<T>) -> Result<T> {
    let lines = server.stop().await;
    if !lines.is_empty() {
        eprintln!(
            "[bench] jeco setup instance logged {} warn/error line(s); first: {}",
            lines.len(),
            lines.iter().take(3).cloned().collect::<Vec<_>>().join(" ⏎ ")
        );
    }
    result
}

/// Opens the receivers, warms up, runs the send phase and computes the figures.
async fn measure(server: &mut ServerProc, setup: Setup, opts: &Options) -> Result<RunFigures> {
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
