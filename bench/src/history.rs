//! The `history` command: the web app's conversation page (`ConversationHistory`, 50 messages
//! with senders, reactions and replies) on a large seeded message table, at random `before`
//! positions and at the newest page, next to the server's request floor in the same run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clap::Args;

use crate::gql::{self, create_room, register_users, BenchUser};
use crate::history_report::{render, HistoryReport, PageSeries};
use crate::history_seed::{self, Seeded};
use crate::history_sql::sql_figures;
use crate::keepalive::Conn;
use crate::search::{load_average, utc_now};
use crate::search_report::Series;
use crate::server::Database;
use crate::{procfs, summary};

/// Arguments of `history`.
#[derive(Args)]
pub struct HistoryArgs {
    /// The `jeco` server binary (e.g. $CARGO_TARGET_DIR/release/jeco).
    #[arg(long)]
    jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh `jeco_bench_history_<pid>` database is made on it).
    #[arg(long, env = "DATABASE_URL", default_value = crate::DEFAULT_PG_BASE)]
    database_url: String,
    /// Messages to seed [default: 10000000; --quick: 1000000].
    #[arg(long)]
    messages: Option<u64>,
    /// Measured requests per series [default: 500; --quick: 100].
    #[arg(long)]
    requests: Option<usize>,
    /// Rooms the messages are spread over.
    #[arg(long, default_value_t = 100)]
    rooms: usize,
    /// Messages per page (`last:`); the web app asks for 30.
    #[arg(long, default_value_t = 50)]
    page: i64,
    /// Also rebuild the two search (GIN) indexes after the load (several more minutes).
    #[arg(long)]
    search_indexes: bool,
    /// Markdown report path.
    #[arg(long, default_value = "bench/results/history.md")]
    out: PathBuf,
    /// Smoke run: 1,000,000 messages and 100 requests per series (unless given explicitly).
    #[arg(long)]
    quick: bool,
}

/// Users registered; all are members of every room (user 0, the viewer, creates them).
const USERS: usize = 8;
/// Name prefix of the seeded rooms.
const ROOM_PREFIX: &str = "history room";
/// Repeats of one page, to tell timing from content in the statement count.
const SAME_PAGE: usize = 30;
/// The floor: the cheapest authenticated query.
const VIEWER: &str = "{ viewer { id } }";

/// Validated settings.
struct Plan {
    /// The server binary.
    bin: PathBuf,
    /// Messages to seed.
    messages: u64,
    /// Measured requests per series.
    requests: usize,
    /// Unmeasured pages first.
    warm_up: usize,
    /// Rooms.
    rooms: usize,
    /// Page size.
    page: i64,
    /// Rebuild the GIN indexes too.
    search_indexes: bool,
}

/// Runs the history bench and writes the report and summary key.
pub async fn main(args: HistoryArgs) -> Result<()> {
    let messages = args.messages.unwrap_or(if args.quick { 1_000_000 } else { 10_000_000 });
    let requests = args.requests.unwrap_or(if args.quick { 100 } else { 500 });
    if !(10_000..=50_000_000).contains(&messages) || !(10..=10_000).contains(&requests) {
        bail!("--messages must be 10000..=50000000 and --requests 10..=10000");
    }
    if !(1..=2_000).contains(&args.rooms) || !(1..=100).contains(&args.page) {
        bail!("--rooms must be 1..=2000 and --page 1..=100");
    }
    if !args.jeco_bin.is_file() {
        bail!("--jeco-bin {} does not exist", args.jeco_bin.display());
    }
    let plan = Plan {
        bin: args.jeco_bin,
        messages,
        requests,
        warm_up: if args.quick { 10 } else { 30 },
        rooms: args.rooms,
        page: args.page,
        search_indexes: args.search_indexes,
    };
    let work_dir = std::env::temp_dir().join(format!("jeco-bench-history-{}", std::process::id()));
    std::fs::create_dir_all(work_dir.join("jeco-data"))
        .with_context(|| format!("creating {}", work_dir.display()))?;
    let db = Database::create(&args.database_url, &format!("jeco_bench_history_{}", std::process::id()))?;
    let result = run_in(&plan, &db, &work_dir).await;
    drop_database(&db, "history").await;
    let report = result.inspect_err(|_| eprintln!("[history] server logs kept in {}", work_dir.display()))?;
    let _ = std::fs::remove_dir_all(&work_dir);
    let md = render(&report);
    println!("{md}");
    summary::write_report(&args.out, &md)?;
    eprintln!("[history] report written to {}", args.out.display());
    summary::update(Path::new(summary::PATH), &[("history_p99_ms", report.p99_ms())])
}

/// Drops the bench database, retrying for a while: PostgreSQL may be out of connection slots
/// for a moment when other work on the machine holds them.
pub async fn drop_database(db: &Database, who: &str) {
    for attempt in 1..=10 {
        match db.drop_now() {
            Ok(()) => return,
            Err(e) if attempt == 10 => eprintln!("[{who}] could not drop the bench database: {e:#}"),
            Err(_) => tokio::time::sleep(Duration::from_secs(3)).await,
        }
    }
}

/// A `before` cursor as the server encodes it (`graphql::cursor`: base64url of `m:tx:id`).
pub fn message_cursor(tx: i64, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("m:{tx}:{id}"))
}

/// Starts a server on the bench database with `extra` settings.
async fn start(
    plan: &Plan,
    db: &Database,
    dir: &Path,
    log: &str,
    extra: &[(&str, String)],
) -> Result<crate::server::ServerProc> {
    // Tokens must outlive the seed; no log polling, so the statement counter moves only for requests.
    let mut envs =
        vec![("JECO_ACCESS_TTL_SECS", "86400".to_string()), ("JECO_LOG_POLL_MS", "600000".to_string())];
    envs.extend(extra.iter().cloned());
    gql::start_jeco_with(&plan.bin, &db.url, &dir.join("jeco-data"), &dir.join(log), &envs).await
}

/// Setup, seed, measurement.
async fn run_in(plan: &Plan, db: &Database, dir: &Path) -> Result<HistoryReport> {
    let mut report = HistoryReport::default();
    report.header.push(format!("machine: {}", procfs::machine_summary()));
    report.header.push(format!("date: {}", utc_now()));
    report.header.push(format!("load average at start: {}", load_average()));
    let server = start(plan, db, dir, "setup.log", &[]).await?;
    let setup = set_up(server.addr, plan.rooms).await;
    server.stop().await;
    let (viewer, rooms_by_name) = setup?;
    history_seed::sql(db, &format!(
        "INSERT INTO members (conversation_id, user_id, role) SELECT c.id, u.id, 'member' FROM conversations c \
         CROSS JOIN users u WHERE c.name LIKE '{ROOM_PREFIX}%' ON CONFLICT DO NOTHING;"
    ))?;
    let Seeded { base, notes, seconds } =
        history_seed::seed(db, plan.messages, ROOM_PREFIX, plan.search_indexes)?;
    report.notes.extend(notes);
    let mut gql_id: HashMap<i64, String> = HashMap::new();
    for line in db
        .sql(&format!("SELECT id || E'\\t' || name FROM conversations WHERE name LIKE '{ROOM_PREFIX}%'"))?
        .lines()
    {
        if let Some((id, name)) = line.split_once('\t') {
            if let (Ok(id), Some(g)) = (id.parse::<i64>(), rooms_by_name.get(name)) {
                gql_id.insert(id, g.clone());
            }
        }
    }
    // Random positions anywhere in the table (warm-up ones first), the same every run.
    let n = plan.warm_up + plan.requests;
    let rows = history_seed::sql(
        db,
        &format!(
            "SELECT setseed(0.42);\nSELECT m.conversation_id || ' ' || m.tx || ' ' || m.id FROM \
         (SELECT k, {base} + 1 + floor(random() * {})::bigint AS id FROM generate_series(1, {n}) k) s \
         JOIN messages m ON m.id = s.id ORDER BY s.k;",
            plan.messages
        ),
    )?;
    let positions: Vec<(i64, i64, i64)> = rows
        .lines()
        .filter_map(|l| {
            let mut it = l.split(' ').map(|x| x.parse::<i64>());
            Some((it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?))
        })
        .collect();
    if positions.len() != n {
        bail!("expected {n} random positions, got {}", positions.len());
    }
    report.header.push(format!(
        "data: {} messages in {} rooms of {USERS} members (~{} per room), seeded in {seconds:.0} s (details below); \
         every {}th message a reply, every {}th with reactions (every {}th with three), read positions a few messages \
         behind the newest",
        plan.messages,
        plan.rooms,
        plan.messages / plan.rooms as u64,
        history_seed::REPLY_EVERY,
        history_seed::REACT_EVERY,
        history_seed::REACT_EVERY * 3
    ));
    report.header.push(format!(
        "method: a fresh `jeco serve` (release) on 127.0.0.1 (`JECO_LOG_POLL_MS=600000`, so the statement counter \
         moves only for requests); one keep-alive HTTP/1.1 connection, one request at a time, the web app's \
         `ConversationHistory` operation with `last: {}`; {} warm-up pages, then {} requests per series: the floor \
         `{VIEWER}` (before and after, pooled), pages `before:` a random message of the table, and the newest page of \
         each room in turn; statements per request = `jeco_sql_statements_total` read from `/metrics` before and after it",
        plan.page, plan.warm_up, plan.requests
    ));
    let mut server = start(plan, db, dir, "measure.log", &[]).await?;
    let measured = measure(server.addr, plan, &viewer.token, &positions, &gql_id, &mut report).await;
    server.check_alive()?;
    let log = server.stop().await;
    report.notes.extend(crate::server::log_summary(&log));
    measured?;
    sql_figures(db, &positions, plan.warm_up, plan.page, plan.messages / plan.rooms as u64, &mut report)?;
    // One page with every statement printed: which statements a page costs.
    let server = start(plan, db, dir, "debug.log", &[("JECO_DEBUG_SQL", "1".to_string())]).await?;
    let (conv, tx, id) = positions.get(plan.warm_up).copied().context("position")?;
    let mut conn = Conn::connect(server.addr).await?;
    let page = page_body(gql_id.get(&conv).context("room")?, Some(message_cursor(tx, id)), plan.page)?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let is_sql = |l: &&str| l.starts_with("SQL ");
    let start_up = server.log_tail(usize::MAX).lines().filter(is_sql).count();
    conn.post_json("/graphql", Some(&viewer.token), &page).await?;
    let debug = server.stop().await;
    report.statement_list =
        debug.iter().filter_map(|l| l.strip_prefix("SQL ")).skip(start_up).map(str::to_string).collect();
    report.notes.push(format!("load average at end: {}", load_average()));
    Ok(report)
}

/// Registers the users and creates the rooms as the viewer; returns the viewer and room ids by name.
async fn set_up(addr: std::net::SocketAddr, rooms: usize) -> Result<(BenchUser, HashMap<String, String>)> {
    let mut users = Vec::new();
    register_users(addr, &mut users, USERS).await?;
    let viewer = users.first().context("no users")?.clone();
    let mut by_name = HashMap::new();
    for r in 0..rooms {
        let name = format!("{ROOM_PREFIX} {r:04}");
        let id = create_room(addr, &viewer.token, &name).await?;
        by_name.insert(name, id);
    }
    Ok((viewer, by_name))
}

/// The request body of one page.
fn page_body(room: &str, before: Option<String>, last: i64) -> Result<Vec<u8>> {
    let vars = serde_json::json!({ "id": room, "last": last, "before": before });
    Ok(serde_json::to_vec(
        &serde_json::json!({ "query": gql::op("ConversationHistory")?, "variables": vars }),
    )?)
}

/// The floor, the warm-up, random positions and newest pages.
async fn measure(
    addr: std::net::SocketAddr,
    plan: &Plan,
    token: &str,
    positions: &[(i64, i64, i64)],
    gql_id: &HashMap<i64, String>,
    report: &mut HistoryReport,
) -> Result<()> {
    let mut conn = Conn::connect(addr).await?;
    let floor = serde_json::to_vec(&serde_json::json!({ "query": VIEWER }))?;
    let random: Vec<Vec<u8>> = positions
        .iter()
        .map(|&(c, tx, id)| {
            page_body(gql_id.get(&c).context("unknown room")?, Some(message_cursor(tx, id)), plan.page)
        })
        .collect::<Result<_>>()?;
    let mut rooms: Vec<&String> = gql_id.values().collect();
    rooms.sort();
    let newest: Vec<Vec<u8>> = (0..plan.requests)
        .map(|i| page_body(rooms.get(i % rooms.len().max(1)).map_or("", |r| r.as_str()), None, plan.page))
        .collect::<Result<_>>()?;
    let (warm, measured) = random.split_at(plan.warm_up.min(random.len()));
    series(&mut conn, token, "warm-up", warm).await?;
    eprintln!("[history] floor ...");
    let mut floor_series =
        series(&mut conn, token, &format!("floor `{VIEWER}`"), &vec![floor.clone(); plan.requests]).await?;
    eprintln!("[history] random positions ...");
    let random_series = series(&mut conn, token, "page `before:` a random message", measured).await?;
    eprintln!("[history] newest pages ...");
    let newest_series = series(&mut conn, token, "newest page (no `before:`)", &newest).await?;
    let after = series(&mut conn, token, "floor", &vec![floor; plan.requests]).await?;
    floor_series.latency =
        Series::new(floor_series.latency.0.iter().chain(&after.latency.0).copied().collect());
    floor_series.statements.extend(after.statements);
    report.floor = floor_series;
    // The same page again and again: a statement count that still varies depends on timing
    // (DataLoader batch windows), not on the page's content.
    let same = measured.first().context("no page")?;
    let repeated = series(&mut conn, token, "same page", &vec![same.clone(); SAME_PAGE]).await?;
    report.notes.push(format!(
        "the first random page requested {SAME_PAGE} more times: SQL statements / request {}; by page content (random positions): {}",
        repeated.statements_cell(),
        statements_by_content(&random_series)
    ));
    report.pages = vec![random_series, newest_series];
    Ok(())
}

/// Sends `bodies` one at a time; fails on any error; per request: latency, statements, page contents.
async fn series(conn: &mut Conn, token: &str, label: &str, bodies: &[Vec<u8>]) -> Result<PageSeries> {
    let mut out = PageSeries { label: label.to_string(), ..PageSeries::default() };
    let mut samples = Vec::with_capacity(bodies.len());
    let budget = Instant::now() + Duration::from_secs(300);
    for body in bodies {
        if Instant::now() > budget {
            bail!("{label}: over 300 s, giving up");
        }
        let before = conn.sql_statements().await?;
        let t = Instant::now();
        let (status, json) = conn.post_json("/graphql", Some(token), body).await?;
        let us = t.elapsed().as_micros() as u64;
        let after = conn.sql_statements().await?;
        if status != 200 || json.get("errors").is_some_and(|e| !e.is_null()) {
            bail!("{label}: HTTP {status}: {}", json.to_string().chars().take(400).collect::<String>());
        }
        samples.push(us);
        out.statements.push(after.saturating_sub(before));
        if let Some(nodes) = json["data"]["conversation"]["messages"]["nodes"].as_array() {
            out.messages.push(nodes.len());
            out.reactions +=
                nodes.iter().filter_map(|n| n["reactions"].as_array()).map(Vec::len).sum::<usize>();
            let replies = nodes.iter().filter(|n| !n["replyTo"].is_null()).count();
            out.replies += replies;
            out.replies_per_page.push(replies);
        }
    }
    out.latency = Series::new(samples);
    Ok(out)
}

/// Statements per request of pages with and without replies (a page without any reply needs
/// no `replyTo` batch).
fn statements_by_content(p: &PageSeries) -> String {
    let mut with = Vec::new();
    let mut without = Vec::new();
    for (i, &n) in p.statements.iter().enumerate() {
        match p.replies_per_page.get(i) {
            Some(&r) if r > 0 => with.push(n),
            _ => without.push(n),
        }
    }
    let (nw, nwo) = (with.len(), without.len());
    let cell = |v: Vec<u64>| PageSeries { statements: v, ..PageSeries::default() }.statements_cell();
    format!("with replies {} ({nw} pages), without {} ({nwo} pages)", cell(with), cell(without))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_match_the_server_encoding() {
        // base64url without padding of "m:42:7".
        assert_eq!(message_cursor(42, 7), "bTo0Mjo3");
        assert_eq!(URL_SAFE_NO_PAD.decode(message_cursor(123_456, 9_999_999)).unwrap(), b"m:123456:9999999");
    }
}
