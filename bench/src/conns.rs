//! `jeco-bench connections`: how many subscribed WebSocket connections this machine holds
//! and what they cost — RSS per connection, idle CPU, and delivery latency under a steady
//! send rate — for M jeco instances sharing PostgreSQL and Redis, next to the raw
//! tokio-tungstenite broadcast baseline holding one instance's share. See bench/README.md.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::conns_proto::{Group, Plan};
use crate::conns_report::{render, Run};
use crate::conns_send::Sender;
use crate::conns_setup::{
    check_limits, check_pg_capacity, start_jeco, users_and_rooms, Sources, JECO_READ_BUFFER,
    JECO_WRITE_BUFFER, MAX_PER_PROCESS,
};
use crate::conns_side::{measure, PhaseOptions, Side};
use crate::load;
use crate::server::{free_port, Database, ServerProc};

/// Arguments of `connections`.
#[derive(Args)]
pub struct ConnectionsArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh `jeco_conns_<pid>` database is made on it).
    #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_PG_BASE)]
    database_url: String,
    /// Redis the instances share for fan-out.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Connections to hold, all instances together [default: 100000; --quick: 4000].
    #[arg(long)]
    connections: Option<usize>,
    /// jeco instances (each holds connections ÷ instances) [default: 6; --quick: 2].
    #[arg(long)]
    instances: Option<usize>,
    /// Users holding the connections [default: 300; --quick: 20].
    #[arg(long)]
    users: Option<usize>,
    /// Rooms (each user is a member of one) [default: 100; --quick: 10].
    #[arg(long)]
    rooms: Option<usize>,
    /// Messages per second in the send phase, spread over the rooms.
    #[arg(long, default_value_t = 20)]
    rate: u32,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    /// Seconds of idle CPU measurement.
    #[arg(long, default_value_t = 10)]
    idle_seconds: u64,
    /// Seconds to wait for stragglers after the last send.
    #[arg(long, default_value_t = 5)]
    drain_seconds: u64,
    /// Connections each client process opens at once (each one in flight holds a database
    /// connection of its instance for a moment: keep instances × this well under PostgreSQL's
    /// max_connections).
    #[arg(long, default_value_t = 8)]
    connect_concurrency: usize,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/connections.md")]
    out: PathBuf,
    /// Smoke run: 4000 connections over 2 instances, 20 users, 10 rooms.
    #[arg(long)]
    quick: bool,
    /// Skip the baseline.
    #[arg(long)]
    no_baseline: bool,
}

/// Arguments of the hidden `conn-client`.
#[derive(Args)]
pub struct ConnClientArgs {
    /// The plan (JSON, written by `connections`).
    #[arg(long)]
    plan: PathBuf,
}

/// Runs a `conn-client`.
pub async fn client_main(args: ConnClientArgs) -> Result<()> {
    crate::conns_client::main(args.plan).await
}

/// Runs the bench; Ctrl-C stops it (every child is killed when its handle drops).
pub async fn main(args: ConnectionsArgs) -> Result<()> {
    tokio::select! {
        r = run(args) => r,
        _ = tokio::signal::ctrl_c() => bail!("interrupted; children stopped"),
    }
}

/// Kills nothing itself: drops the throwaway database when the run ends, however it ends.
struct DbGuard(Database);

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let Err(e) = self.0.drop_now() {
            eprintln!("[conns] could not drop the bench database: {e:#}");
        }
    }
}

/// The whole bench.
async fn run(args: ConnectionsArgs) -> Result<()> {
    let q = args.quick;
    let connections = args.connections.unwrap_or(if q { 4_000 } else { 100_000 });
    let instances = args.instances.unwrap_or(if q { 2 } else { 6 });
    let users = args.users.unwrap_or(if q { 20 } else { 300 });
    let rooms = args.rooms.unwrap_or(if q { 10 } else { 100 });
    if !(1..=64).contains(&instances) || connections < instances || !(1..=5_000).contains(&users) {
        bail!("--instances must be 1..=64, --connections at least --instances, --users 1..=5000");
    }
    if !(1..=users).contains(&rooms)
        || !(1..=1_000).contains(&args.rate)
        || !(1..=600).contains(&args.seconds)
    {
        bail!("--rooms must be 1..=--users, --rate 1..=1000, --seconds 1..=600");
    }
    if args.idle_seconds > 600 || args.drain_seconds > 120 || !(1..=1_000).contains(&args.connect_concurrency)
    {
        bail!("--idle-seconds must be at most 600, --drain-seconds 120, --connect-concurrency 1..=1000");
    }
    let per_instance = connections.div_ceil(instances);
    if per_instance > MAX_PER_PROCESS {
        bail!("{per_instance} connections per instance is over {MAX_PER_PROCESS}: use more --instances");
    }
    if !args.jeco_bin.is_file() {
        bail!("--jeco-bin {} does not exist", args.jeco_bin.display());
    }
    let (kernel, nofile) = check_limits(per_instance)?;
    // Half the ephemeral range per source address, at most 10,000: room for TIME_WAIT and others.
    let per_source = (kernel.ports_per_source / 2).clamp(1, 10_000);
    let mut sources = Sources::new(per_source);

    let work_dir = std::env::temp_dir().join(format!("jeco-conns-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).with_context(|| format!("creating {}", work_dir.display()))?;
    let db = DbGuard(Database::create(&args.database_url, &format!("jeco_conns_{}", std::process::id()))?);
    let data_dir = work_dir.join("jeco-data");
    std::fs::create_dir_all(&data_dir)?;
    let mut notes = vec![format!(
        "connections per source address at most {per_source} (half of the {} ephemeral ports)",
        kernel.ports_per_source
    )];
    notes.push(check_pg_capacity(&db.0, instances)?);
    let phase = PhaseOptions {
        exe: std::env::current_exe().context("locating the bench binary")?,
        work_dir: work_dir.clone(),
        rate: args.rate,
        seconds: args.seconds,
        idle_seconds: args.idle_seconds,
        drain: Duration::from_secs(args.drain_seconds),
        // Generous: 50 connections/s at least, never under two minutes.
        open_timeout: Duration::from_secs((connections as u64 / 50).max(120)),
    };
    let total = args.rate as usize * args.seconds as usize;
    // Connection c belongs to user c % users and so to room (c % users) % rooms.
    let shares: Vec<Vec<usize>> = (0..instances)
        .map(|i| {
            let (lo, hi) = (i * per_instance, ((i + 1) * per_instance).min(connections));
            let mut per_user = vec![0usize; users];
            for c in lo..hi {
                if let Some(n) = per_user.get_mut(c % users) {
                    *n += 1;
                }
            }
            per_user
        })
        .collect();
    let plan = |url: String, origin: Option<String>, srcs: Vec<String>, groups: Vec<Group>| Plan {
        url,
        origin,
        sources: srcs,
        concurrency: args.connect_concurrency,
        total,
        rooms,
        groups,
    };

    let baseline = if args.no_baseline {
        None
    } else {
        eprintln!("[conns] baseline: {} connections on one process", shares[0].iter().sum::<usize>());
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let groups: Vec<Group> = (0..rooms)
            .map(|r| Group {
                token: None,
                room: format!("r{r}"),
                room_index: r,
                count: shares[0].iter().enumerate().filter(|(u, _)| u % rooms == r).map(|(_, n)| n).sum(),
            })
            .filter(|g| g.count > 0)
            .collect();
        let n: usize = groups.iter().map(|g| g.count).sum();
        let p = plan(format!("ws://{addr}/"), None, sources.take(n)?, groups);
        Some(run_baseline(addr, p, rooms, &phase).await.map_err(|e| format!("{e:#}")))
    };

    eprintln!("[conns] jeco: registering {users} users, {rooms} rooms");
    let setup =
        start_jeco(&args.jeco_bin, &db.0.url, &args.redis_url, &data_dir, &work_dir.join("jeco-setup.log"))
            .await?;
    let t = std::time::Instant::now();
    let made = users_and_rooms(setup.addr, users, rooms).await;
    let _ = setup.stop().await;
    let (bench_users, room_ids) = made?;
    notes.push(format!(
        "setup: {users} users registered and {rooms} rooms made in {:.1} s",
        t.elapsed().as_secs_f64()
    ));

    let mut servers = Vec::new();
    for i in 0..instances {
        let log = work_dir.join(format!("jeco-{i}.log"));
        servers.push(start_jeco(&args.jeco_bin, &db.0.url, &args.redis_url, &data_dir, &log).await?);
    }
    let mut plans = Vec::new();
    for (server, share) in servers.iter().zip(&shares) {
        let groups: Vec<Group> = share
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .filter_map(|(u, &count)| {
                let room = room_ids.get(u % rooms)?.clone();
                let token = bench_users.get(u)?.token.clone();
                Some(Group { token: Some(token), room, room_index: u % rooms, count })
            })
            .collect();
        let n = groups.iter().map(|g| g.count).sum();
        let origin = Some(format!("http://{}", server.addr));
        plans.push(plan(format!("ws://{}/graphql/ws", server.addr), origin, sources.take(n)?, groups));
    }
    let senders: Vec<(Arc<str>, Arc<str>)> = room_ids
        .iter()
        .enumerate()
        .filter_map(|(r, id)| Some((Arc::from(bench_users.get(r)?.token.as_str()), Arc::from(id.as_str()))))
        .collect();
    let addrs = servers.iter().map(|s| s.addr).collect();
    let mut side = Side {
        servers,
        plans,
        sender: Sender::Jeco { addrs, rooms: senders },
        jeco: true,
        db_url: Some(db.0.url.clone()),
    };
    let tag = format!("conns{}", std::process::id());
    let jeco = measure(&mut side, &phase, &tag).await.map_err(|e| format!("{e:#}"));
    let logs = stop_all(side.servers).await;
    if !logs.is_empty() {
        notes.push(format!(
            "jeco logged {} warn/error line(s); first: {}",
            logs.len(),
            logs.iter()
                .take(3)
                .map(|l| l.chars().take(300).collect::<String>())
                .collect::<Vec<_>>()
                .join(" ⏎ ")
        ));
    }

    // A connection that failed, ended or missed a message is a finding: keep the logs, exit non-zero.
    let ok = jeco.as_ref().is_ok_and(|f| f.clean())
        && baseline.as_ref().is_none_or(|b| b.as_ref().is_ok_and(|f| f.clean()));
    let run = Run {
        connections,
        instances,
        users,
        rooms,
        rate: args.rate,
        seconds: args.seconds,
        nofile,
        kernel,
        notes,
    };
    let report = render(&run, &args.jeco_bin, jeco.as_ref(), baseline.as_ref())?;
    println!("{report}");
    write(&args.out, &report)?;
    eprintln!("[conns] report written to {}", args.out.display());
    if ok {
        let _ = std::fs::remove_dir_all(&work_dir);
        Ok(())
    } else {
        bail!("connections failed, ended or missed messages, or a measurement failed (see the report; logs kept in {})", work_dir.display())
    }
}

/// Writes the report, making its directory.
fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Stops every server; returns their warn/error log lines.
async fn stop_all(servers: Vec<ServerProc>) -> Vec<String> {
    let mut lines = Vec::new();
    for s in servers {
        lines.extend(s.stop().await);
    }
    lines
}

/// Measures the baseline server (jeco's buffer sizes) holding one plan's connections.
async fn run_baseline(
    addr: SocketAddr,
    plan: Plan,
    rooms: usize,
    phase: &PhaseOptions,
) -> Result<crate::conns_side::Figures> {
    let bind = addr.to_string();
    let envs = [
        ("JECO_BENCH_WS_READ_BUFFER", JECO_READ_BUFFER.to_string()),
        ("JECO_BENCH_WS_WRITE_BUFFER", JECO_WRITE_BUFFER.to_string()),
    ];
    let log = phase.work_dir.join("baseline.log");
    let mut server = ServerProc::spawn(
        "baseline server",
        &phase.exe,
        &["baseline-server", "--bind", &bind],
        &envs,
        addr,
        &log,
    )?;
    server.wait_ready(None, Duration::from_secs(20)).await?;
    let ws = load::connect(&format!("ws://{addr}/"), None, None).await.context("baseline sender")?;
    let rooms = (0..rooms).map(|r| format!("r{r}")).collect();
    let mut side = Side {
        servers: vec![server],
        plans: vec![plan],
        sender: Sender::Baseline { ws: Box::new(ws), rooms },
        jeco: false,
        db_url: None,
    };
    let result = measure(&mut side, phase, "base").await;
    let lines = stop_all(side.servers).await;
    match (result, lines.first()) {
        (Err(e), Some(first)) => Err(e.context(format!("baseline log: {first}"))),
        (r, _) => r,
    }
}
