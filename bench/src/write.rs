//! The `write` command: persisted `sendMessage`s per second from many senders over many rooms
//! (closed loop over keep-alive connections), next to the server's request floor
//! (`{ viewer { id } }` at the same concurrency) measured in the same run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::gql::{self, create_room, join_room, register_users, BenchUser};
use crate::search::{load_average, utc_now};
use crate::server::{Database, ServerProc};
use crate::write_load::{run_phase, VIEWER};
use crate::write_report::{render, Level, WriteReport};
use crate::{procfs, summary};

/// Arguments of `write`.
#[derive(Args)]
pub struct WriteArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh `jeco_bench_write_<pid>` database is made on it).
    #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_PG_BASE)]
    database_url: String,
    /// Registered users [default: 200; --quick: 40].
    #[arg(long)]
    users: Option<usize>,
    /// Rooms [default: 100; --quick: 20].
    #[arg(long)]
    rooms: Option<usize>,
    /// Members per room.
    #[arg(long, default_value_t = 5)]
    members: usize,
    /// Concurrent senders, comma-separated; each level is measured [default: 8,32,64; --quick: 8,32].
    #[arg(long, value_delimiter = ',')]
    concurrency: Option<Vec<usize>>,
    /// Seconds per phase (floor and sends, at each concurrency) [default: 15; --quick: 5].
    #[arg(long)]
    seconds: Option<u64>,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/write.md")]
    out: PathBuf,
    /// Smoke run: fewer users and rooms, shorter phases (unless given explicitly).
    #[arg(long)]
    quick: bool,
}

/// Runs the write bench (validated arguments) and writes the report and summary key.
pub async fn main(args: WriteArgs) -> Result<()> {
    let users = args.users.unwrap_or(if args.quick { 40 } else { 200 });
    let rooms = args.rooms.unwrap_or(if args.quick { 20 } else { 100 });
    let levels = args.concurrency.unwrap_or_else(|| if args.quick { vec![8, 32] } else { vec![8, 32, 64] });
    let seconds = args.seconds.unwrap_or(if args.quick { 5 } else { 15 });
    if !(2..=5_000).contains(&users) || !(1..=5_000).contains(&rooms) || !(2..=100).contains(&args.members) {
        bail!("--users must be 2..=5000, --rooms 1..=5000 and --members 2..=100");
    }
    if args.members > users || rooms * args.members < users {
        bail!("--members must be at most --users, and --rooms × --members at least --users (everyone in a room)");
    }
    if levels.is_empty() || levels.iter().any(|&c| !(1..=1_000).contains(&c)) || !(1..=600).contains(&seconds)
    {
        bail!("--concurrency must be 1..=1000 each and --seconds 1..=600");
    }
    if !args.jeco_bin.is_file() {
        bail!("--jeco-bin {} does not exist", args.jeco_bin.display());
    }
    let work_dir = std::env::temp_dir().join(format!("jeco-bench-write-{}", std::process::id()));
    let data_dir = work_dir.join("jeco-data");
    std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let db = Database::create(&args.database_url, &format!("jeco_bench_write_{}", std::process::id()))?;
    let opts = Plan { users, rooms, members: args.members, levels, phase: Duration::from_secs(seconds) };
    let result = run_in(&args.jeco_bin, &opts, &db, &data_dir, &work_dir).await;
    crate::history::drop_database(&db, "write").await;
    let report = result.inspect_err(|_| eprintln!("[write] server log kept in {}", work_dir.display()))?;
    let _ = std::fs::remove_dir_all(&work_dir);
    let md = render(&report);
    println!("{md}");
    summary::write_report(&args.out, &md)?;
    eprintln!("[write] report written to {}", args.out.display());
    summary::update(Path::new(summary::PATH), &[("sends_per_second", report.best().map(|l| l.send.rate()))])
}

/// Validated settings.
struct Plan {
    /// Registered users.
    users: usize,
    /// Rooms.
    rooms: usize,
    /// Members per room.
    members: usize,
    /// Concurrency levels.
    levels: Vec<usize>,
    /// Length of each phase.
    phase: Duration,
}

/// Which users are in room `r`: `members` consecutive users from `r × members` (mod `users`),
/// the first of them its creator; every user is in ⌊rooms × members ÷ users⌋ or one more rooms.
pub fn membership(users: usize, rooms: usize, members: usize) -> Vec<Vec<usize>> {
    let m = members.min(users);
    (0..rooms).map(|r| (0..m).map(|j| (r * m + j) % users.max(1)).collect()).collect()
}

/// Setup, then floor and send phases at each concurrency.
async fn run_in(
    bin: &Path,
    plan: &Plan,
    db: &Database,
    data_dir: &Path,
    work_dir: &Path,
) -> Result<WriteReport> {
    let mut report = WriteReport::default();
    report.header.push(format!("machine: {}", procfs::machine_summary()));
    report.header.push(format!("date: {}", utc_now()));
    report.header.push(format!("load average at start: {}", load_average()));
    let mut server = gql::start_jeco(bin, &db.url, data_dir, &work_dir.join("server.log")).await?;
    let result = measure(&mut server, plan, db, &mut report).await;
    let log = server.stop().await;
    report.notes.extend(crate::server::log_summary(&log));
    let (token, room) = result?;
    report.statement_list = one_send_statements(bin, db, data_dir, work_dir, &token, &room).await?;
    report.notes.push(format!("load average at end: {}", load_average()));
    Ok(report)
}

/// The statements of one send, from a server started with `JECO_DEBUG_SQL=1`.
async fn one_send_statements(
    bin: &Path,
    db: &Database,
    data_dir: &Path,
    work_dir: &Path,
    token: &str,
    room: &str,
) -> Result<Vec<String>> {
    let debug = [("JECO_DEBUG_SQL", "1".to_string())];
    let server = gql::start_jeco_with(bin, &db.url, data_dir, &work_dir.join("debug.log"), &debug).await?;
    let mut conn = crate::keepalive::Conn::connect(server.addr).await?;
    let input =
        serde_json::json!({ "conversationId": room, "body": "statements", "clientId": "debug-sql-1" });
    let body = serde_json::json!({ "query": gql::op("SendMessage")?, "variables": { "input": input } });
    // Start-up statements are done once the server has idled a moment; only later ones count.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start_up = server.log_tail(usize::MAX).lines().filter(|l| l.starts_with("SQL ")).count();
    let (status, json) = conn.post_json("/graphql", Some(token), &serde_json::to_vec(&body)?).await?;
    crate::write_load::check(&json, true).map_err(|e| anyhow::anyhow!("debug send: HTTP {status}: {e}"))?;
    // Let the post-commit work (event fan-out, tailer) finish before reading the log.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines = server.stop().await;
    Ok(lines.iter().filter_map(|l| l.strip_prefix("SQL ")).skip(start_up).map(str::to_string).collect())
}

/// Registers, creates the rooms, then measures every level; returns a user's token and room.
async fn measure(
    server: &mut ServerProc,
    plan: &Plan,
    db: &Database,
    report: &mut WriteReport,
) -> Result<(String, String)> {
    let addr = server.addr;
    let t = Instant::now();
    let mut users: Vec<BenchUser> = Vec::new();
    register_users(addr, &mut users, plan.users).await?;
    let mut user_rooms: Vec<Vec<String>> = vec![Vec::new(); plan.users];
    for (r, members) in membership(plan.users, plan.rooms, plan.members).iter().enumerate() {
        let (&creator, joiners) = members.split_first().context("empty room")?;
        let token = &users.get(creator).context("creator")?.token;
        let room = create_room(addr, token, &format!("write room {r:04}")).await?;
        let joining: Vec<BenchUser> = joiners.iter().filter_map(|&u| users.get(u).cloned()).collect();
        join_room(addr, &joining, &room).await?;
        for &u in members {
            if let Some(list) = user_rooms.get_mut(u) {
                list.push(room.clone());
            }
        }
    }
    eprintln!(
        "[write] {} users, {} rooms set up in {:.1} s",
        plan.users,
        plan.rooms,
        t.elapsed().as_secs_f64()
    );
    report.header.push(format!(
        "setup: one `jeco serve` (release) child on 127.0.0.1 with rate limits lifted, a fresh database; {} users \
         registered, {} public rooms of {} members (each user in {}–{} rooms)",
        plan.users,
        plan.rooms,
        plan.members,
        user_rooms.iter().map(Vec::len).min().unwrap_or(0),
        user_rooms.iter().map(Vec::len).max().unwrap_or(0)
    ));
    report.header.push(format!(
        "method: per concurrency C, C workers each with its own keep-alive HTTP/1.1 connection send back to back \
         (closed loop) for {} s: first the floor `{VIEWER}`, then the web app's `SendMessage` mutation (with the \
         `MessageFields` it reads back) to a random room of the worker's user, unique `clientId` each; worker w is \
         user w mod {}; rates count answered requests ÷ wall time of the phase; SQL statements from the server's \
         `jeco_sql_statements_total` before and after the phase (includes background statements); server CPU \
         from /proc",
        plan.phase.as_secs(),
        plan.users
    ));
    let workers: Vec<(String, Vec<String>)> =
        users.iter().zip(&user_rooms).map(|(u, r)| (u.token.clone(), r.clone())).collect();
    // Warm-up (connections, prepared statements, caches); its sends are counted for the check.
    let warm = run_phase(
        server,
        &workers,
        plan.levels.iter().copied().max().unwrap_or(1),
        true,
        Duration::from_secs(2),
        "warm",
    )
    .await?;
    let mut accepted = warm.ok;
    for &c in &plan.levels {
        server.check_alive()?;
        eprintln!("[write] concurrency {c}: floor ...");
        let floor = run_phase(server, &workers, c, false, plan.phase, &format!("f{c}")).await?;
        eprintln!("[write] concurrency {c}: sends ...");
        let send = run_phase(server, &workers, c, true, plan.phase, &format!("s{c}")).await?;
        eprintln!(
            "[write] concurrency {c}: floor {:.0} req/s, sends {:.0}/s ({} errors)",
            floor.rate(),
            send.rate(),
            send.errors
        );
        accepted += send.ok;
        report.levels.push(Level { concurrency: c, floor, send });
    }
    let stored: u64 = db.sql("SELECT count(*) FROM messages")?.trim().parse().context("count(*)")?;
    report.notes.push(format!(
        "persisted: {stored} messages in the database after the run; {accepted} sends were answered with a message \
         (including {} warm-up sends){}",
        warm.ok,
        if stored == accepted { "" } else { " — MISMATCH" }
    ));
    if stored != accepted {
        bail!("{accepted} sends were accepted but {stored} messages are stored");
    }
    let (token, rooms) = workers.first().context("no workers")?;
    Ok((token.clone(), rooms.first().context("no room")?.clone()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn membership_puts_everyone_in_a_room_without_repeats() {
        let m = membership(200, 100, 5);
        assert_eq!(m.len(), 100);
        assert_eq!(m[0], vec![0, 1, 2, 3, 4]);
        assert_eq!(m[40], vec![0, 1, 2, 3, 4]);
        assert_eq!(m[39], vec![195, 196, 197, 198, 199]);
        let mut count = [0usize; 200];
        for room in &m {
            let mut sorted = room.clone();
            sorted.dedup();
            assert_eq!(sorted.len(), 5);
            room.iter().for_each(|&u| count[u] += 1);
        }
        assert!(count.iter().all(|&c| c == 2 || c == 3), "{count:?}");
        assert_eq!(membership(3, 2, 5), vec![vec![0, 1, 2], vec![0, 1, 2]]);
    }
}
