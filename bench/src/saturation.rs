//! The `saturation` command: one room of N subscribed members, the offered rate stepped up
//! until a server stops keeping up, for the baseline and then jeco (each started fresh); a
//! low-rate probe sender into a second room measures what the fan-out does to jeco's
//! `sendMessage` round trip. The ramp itself: `saturation_ramp`; figures and report:
//! `saturation_report`; chart: `chart`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::frames::subscribe_frame;
use crate::gql::{create_room, join_room, register_users, start_jeco};
use crate::load;
use crate::saturation_ramp::{ramp, rates, Pace, Rig};
use crate::saturation_report::{self as report, Params, Ramp};
use crate::sender::{HttpSender, MessageSender};
use crate::server::{log_summary, Database, ServerProc};
use crate::{baseline, procfs, summary};

/// Arguments of `saturation`.
#[derive(Args)]
pub struct SaturationArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh `jeco_saturation_<pid>` database is made on it).
    #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_PG_BASE)]
    database_url: String,
    /// Room size [default: 1000; --quick: 200].
    #[arg(long)]
    members: Option<usize>,
    /// Seconds of sending per step [default: 5; --quick: 2].
    #[arg(long)]
    step_seconds: Option<u64>,
    /// Seconds to wait for stragglers after each step [default: 3; --quick: 2].
    #[arg(long)]
    drain_seconds: Option<u64>,
    /// First offered rate, messages per second.
    #[arg(long, default_value_t = 10)]
    start_rate: u32,
    /// Each step offers this many times the previous rate (a ceiling is known to within this
    /// factor, so the ratio of two to within its square).
    #[arg(long, default_value_t = 1.25)]
    factor: f64,
    /// No step offers more than this many messages per second.
    #[arg(long, default_value_t = 5000)]
    max_rate: u32,
    /// A step whose p99 latency exceeds this (ms) ends the ramp.
    #[arg(long, default_value_t = 1000.0)]
    p99_bound_ms: f64,
    /// Probe sendMessages per second into the second room (jeco): 20 gives a
    /// 5 s step 100 sends, so its p99 is not just the slowest send.
    #[arg(long, default_value_t = 20)]
    probe_rate: u32,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/saturation.md")]
    out: PathBuf,
    /// SVG chart path.
    #[arg(long, default_value = "bench/results/saturation.svg")]
    svg: PathBuf,
    /// Smoke run: 200 members, 2 s steps (unless given explicitly).
    #[arg(long)]
    quick: bool,
}

/// The resolved settings.
struct Config {
    /// The jeco binary.
    jeco_bin: PathBuf,
    /// PostgreSQL server.
    database_url: String,
    /// Room size.
    members: usize,
    /// How the ramps step.
    pace: Pace,
}

/// Runs the command.
pub async fn main(args: SaturationArgs) -> Result<()> {
    let members = args.members.unwrap_or(if args.quick { 200 } else { 1000 });
    let step_seconds = args.step_seconds.unwrap_or(if args.quick { 2 } else { 5 });
    let drain_seconds = args.drain_seconds.unwrap_or(if args.quick { 2 } else { 3 });
    if !(1..=crate::MAX_MEMBERS).contains(&members) || !(1..=60).contains(&step_seconds) || drain_seconds > 60
    {
        bail!("--members must be 1..={}, --step-seconds 1..=60, --drain-seconds 0..=60", crate::MAX_MEMBERS);
    }
    if !(1..=20_000).contains(&args.start_rate)
        || !(args.start_rate..=20_000).contains(&args.max_rate)
        || !(1.05..=10.0).contains(&args.factor)
        || !(1.0..=60_000.0).contains(&args.p99_bound_ms)
        || !(1..=100).contains(&args.probe_rate)
    {
        bail!(
            "--start-rate must be 1..=20000, --max-rate start..=20000, --factor 1.05..=10, \
             --p99-bound-ms 1..=60000, --probe-rate 1..=100"
        );
    }
    if !args.jeco_bin.is_file() {
        bail!("--jeco-bin {} does not exist", args.jeco_bin.display());
    }
    crate::raise_fd_limit(members);
    let cfg = Config {
        jeco_bin: args.jeco_bin,
        database_url: args.database_url,
        members,
        pace: Pace {
            rates: rates(args.start_rate, args.factor, args.max_rate),
            p99_bound_ms: args.p99_bound_ms,
            step_seconds,
            drain: Duration::from_secs(drain_seconds),
            probe_rate: args.probe_rate,
        },
    };
    let work_dir = std::env::temp_dir().join(format!("jeco-bench-saturation-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).with_context(|| format!("creating {}", work_dir.display()))?;

    eprintln!("[saturation] baseline, {members} members, rates {:?} msg/s ...", cfg.pace.rates);
    let baseline = baseline_ramp(&cfg, &work_dir).await.map_err(|e| format!("{e:#}"));
    eprintln!("[saturation] jeco, {members} members ...");
    let jeco = jeco_ramp(&cfg, &work_dir).await.map_err(|e| format!("{e:#}"));

    let params = Params {
        members,
        step_seconds,
        drain_seconds,
        rates: cfg.pace.rates.clone(),
        p99_bound_ms: cfg.pace.p99_bound_ms,
        probe_rate: cfg.pace.probe_rate,
        priorities: if crate::nice::available() {
            format!(
                "the bench's receivers and sender and the whole baseline server at nice {n}; jeco's fan-out at \
                 its default nice {n} (`JECO_FANOUT_NICE`); jeco's requests, PostgreSQL and the probe at nice 0",
                n = crate::nice::FANOUT_NICE
            )
        } else {
            "the bench, the baseline server, jeco's requests and PostgreSQL at nice 0; jeco's fan-out at nice 10 \
             (setting priorities back needs root)"
                .into()
        },
        jeco_bin: cfg.jeco_bin.display().to_string(),
        machine: procfs::machine_summary(),
        date: crate::search::utc_now(),
        quick: args.quick,
    };
    let markdown = report::render_markdown(&params, &baseline, &jeco);
    println!("{markdown}");
    let svg = report::render_svg(baseline.as_ref().ok(), jeco.as_ref().ok(), &params);
    for (path, text) in [(&args.out, &markdown), (&args.svg, &svg)] {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let f = report::figures(baseline.as_ref().ok(), jeco.as_ref().ok(), cfg.pace.p99_bound_ms);
    summary::update(
        Path::new(summary::PATH),
        &[
            ("saturation_ratio", f.saturation_ratio),
            ("cpu_per_event_ratio", f.cpu_per_event_ratio),
            ("send_p99_ratio_under_fanout", f.send_p99_ratio_under_fanout),
        ],
    )?;
    eprintln!("[saturation] wrote {}, {} and {}", args.out.display(), args.svg.display(), summary::PATH);
    if baseline.is_err() || jeco.is_err() {
        eprintln!("[saturation] server logs kept in {}", work_dir.display());
        bail!("a ramp failed (see the report)");
    }
    let _ = std::fs::remove_dir_all(&work_dir);
    Ok(())
}

/// The baseline server's ramp.
async fn baseline_ramp(cfg: &Config, work_dir: &Path) -> Result<Ramp> {
    let mut server = baseline::start(&work_dir.join("baseline.log")).await?;
    let result = async {
        let url = format!("ws://{}/", server.addr);
        let receivers =
            load::open_receivers(&url, None, vec![None; cfg.members], &subscribe_frame("baseline")).await?;
        let sender = load::connect(&url, None, None).await.context("sender connection")?;
        let rig = Rig {
            receivers,
            sender: MessageSender::Ws(Box::new(sender)),
            probe: None,
            clock: Instant::now(),
            next_seq: 0,
            tag: "base".into(),
            renice_server: true,
        };
        ramp(&mut server, rig, "baseline", &cfg.pace).await
    }
    .await;
    with_log(server, result).await
}

/// jeco's ramp: a throwaway database, users registered and rooms made by a setup instance,
/// then a fresh instance is measured (as `run` does).
async fn jeco_ramp(cfg: &Config, work_dir: &Path) -> Result<Ramp> {
    let db = Database::create(&cfg.database_url, &format!("jeco_saturation_{}", std::process::id()))?;
    let result = jeco_ramp_on(&db, cfg, work_dir).await;
    if let Err(e) = db.drop_now() {
        eprintln!("[saturation] could not drop the bench database: {e:#}");
    }
    result
}

/// [`jeco_ramp`] once the database exists.
async fn jeco_ramp_on(db: &Database, cfg: &Config, work_dir: &Path) -> Result<Ramp> {
    let n = cfg.members;
    let data_dir = work_dir.join("jeco-data");
    std::fs::create_dir_all(&data_dir)?;
    let setup_server =
        start_jeco(&cfg.jeco_bin, &db.url, &data_dir, &work_dir.join("jeco-setup.log")).await?;
    let addr = setup_server.addr;
    let t = Instant::now();
    let setup = async {
        // User n is the probe's: not in the big room, alone in its own.
        let mut users = Vec::new();
        register_users(addr, &mut users, n + 1).await?;
        let owner = users.first().context("no users")?.token.clone();
        let room = create_room(addr, &owner, "saturation").await?;
        join_room(addr, users.get(1..n).unwrap_or_default(), &room).await?;
        let prober = users.get(n).context("no probe user")?.token.clone();
        let probe_room = create_room(addr, &prober, "saturation probe").await?;
        Ok::<_, anyhow::Error>((users, owner, room, prober, probe_room))
    }
    .await;
    let mut notes = vec![format!(
        "setup: {} users registered, rooms made and joined in {:.1} s",
        n + 1,
        t.elapsed().as_secs_f64()
    )];
    if let Some(s) = log_summary(&setup_server.stop().await) {
        notes.push(format!("setup instance {s}"));
    }
    let (users, owner, room, prober, probe_room) = setup?;

    let mut server = start_jeco(&cfg.jeco_bin, &db.url, &data_dir, &work_dir.join("jeco.log")).await?;
    let addr = server.addr;
    let result = async {
        let tokens = users.iter().take(n).map(|u| Some(u.token.clone())).collect();
        let t = Instant::now();
        let origin = format!("http://{addr}");
        let url = format!("ws://{addr}/graphql/ws");
        let receivers = load::open_receivers(&url, Some(&origin), tokens, &subscribe_frame(&room)).await?;
        notes.push(format!("opened {n} subscribed connections in {:.1} s", t.elapsed().as_secs_f64()));
        let rig = Rig {
            receivers,
            sender: MessageSender::Http(HttpSender {
                addr,
                token: owner.into(),
                conversation_id: room.into(),
            }),
            probe: Some(HttpSender { addr, token: prober.into(), conversation_id: probe_room.into() }),
            clock: Instant::now(),
            next_seq: 0,
            tag: format!("sat{}", std::process::id()),
            renice_server: false,
        };
        ramp(&mut server, rig, "jeco", &cfg.pace).await
    }
    .await;
    let mut ramp = with_log(server, result).await?;
    notes.append(&mut ramp.notes);
    ramp.notes = notes;
    Ok(ramp)
}

/// Stops the server and adds its warn/error lines to the ramp's notes (or the error).
async fn with_log(server: ServerProc, result: Result<Ramp>) -> Result<Ramp> {
    let summary = log_summary(&server.stop().await);
    match result {
        Ok(mut r) => {
            r.notes.extend(summary);
            Ok(r)
        }
        Err(e) => Err(match summary {
            Some(s) => e.context(s),
            None => e,
        }),
    }
}
