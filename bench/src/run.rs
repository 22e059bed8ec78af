//! The `run` command: per member count, measure jeco and the baseline and report both.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::baseline;
use crate::frames::subscribe_frame;
use crate::gql::{self, create_room, join_room, register_users, BenchUser};
use crate::load;
pub use crate::measure::Options;
use crate::measure::{measure, Setup};
use crate::procfs;
use crate::sender::{HttpSender, MessageSender};
use crate::server::{log_summary, Database, ServerProc};
use crate::stats::{render_section, RunFigures, RunOutcome};

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

/// Measures the baseline server with `n` receivers.
async fn run_baseline(n: usize, opts: &Options, work_dir: &Path) -> Result<RunFigures> {
    let mut server = baseline::start(&work_dir.join(format!("baseline-{n}.log"))).await?;
    let addr = server.addr;
    let result = async {
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
    let summary = log_summary(&server.stop().await);
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
