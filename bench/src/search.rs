//! The `search` command: `searchMessages` latency on a large seeded message table, next to the
//! server's per-request floor (`{ viewer { id } }`) and the same search's raw SQL time.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::gql::{self, create_room, join_room, register_users, BenchUser};
use crate::search_report::{render, KindFigures, SearchReport, Series};
use crate::seed::{self, quote};
use crate::server::{Database, ServerProc};
use crate::words::{query_kinds, vocabulary, QueryKind};
use crate::{http, procfs};

/// Settings of a search run.
pub struct Options {
    /// The `jeco` binary.
    pub jeco_bin: PathBuf,
    /// PostgreSQL server to create the bench database on.
    pub database_url: String,
    /// Messages to seed.
    pub messages: u64,
    /// Measured requests per kind (after the warm-up).
    pub requests: usize,
    /// Where to write the markdown report.
    pub out: PathBuf,
}

/// Rooms seeded; the viewer is a member of every other one.
const ROOMS: usize = 50;
/// Name prefix of the seeded rooms.
const ROOM_PREFIX: &str = "search room";
/// Page size asked for (the contract's default page).
const PAGE: i64 = 20;
/// Unmeasured requests before each series.
const WARM_UP: usize = 10;
/// Longest a kind's HTTP series may run (fewer requests are measured past it).
const KIND_BUDGET: Duration = Duration::from_secs(90);
/// The search as the web app asks for it.
const SEARCH: &str = "query($q: String!, $c: ID, $first: Int){ searchMessages(query: $q, conversationId: $c, first: $first){ edges{ cursor snippet highlights{ start end } node{ id body createdAt sender{ id username } } } pageInfo{ hasNextPage endCursor } } }";
/// The baseline: the cheapest authenticated query.
const VIEWER: &str = "{ viewer { id } }";

/// Runs the search bench and writes the report.
pub async fn run(opts: Options) -> Result<()> {
    if !opts.jeco_bin.is_file() {
        bail!("--jeco-bin {} does not exist", opts.jeco_bin.display());
    }
    let work_dir = std::env::temp_dir().join(format!("jeco-bench-search-{}", std::process::id()));
    let data_dir = work_dir.join("jeco-data");
    std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let db = Database::create(&opts.database_url, &format!("jeco_bench_search_{}", std::process::id()))?;
    let result = run_in(&opts, &db, &data_dir, &work_dir).await;
    if let Err(e) = db.drop_now() {
        eprintln!("[search] could not drop the bench database: {e:#}");
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("[search] server logs kept in {}", work_dir.display());
            return Err(e);
        }
    };
    let _ = std::fs::remove_dir_all(&work_dir);
    let md = render(&report);
    println!("{md}");
    if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&opts.out, md).with_context(|| format!("writing {}", opts.out.display()))?;
    eprintln!("[search] report written to {}", opts.out.display());
    Ok(())
}

/// Setup, seed and measurement against database `db`.
async fn run_in(opts: &Options, db: &Database, data_dir: &Path, work_dir: &Path) -> Result<SearchReport> {
    let mut report = SearchReport::default();
    report.header.push(format!("machine: {}", procfs::machine_summary()));
    report.header.push(format!("date: {}", utc_now()));
    report.header.push(format!("load average at start: {}", load_average()));

    let server = gql::start_jeco(&opts.jeco_bin, &db.url, data_dir, &work_dir.join("setup.log")).await?;
    let setup = set_up_rooms(server.addr).await;
    finish(server).await;
    let (viewer, rooms) = setup?;
    let first_room = rooms.first().context("no rooms")?.clone();

    let vocab = vocabulary();
    report.notes.extend(seed::seed(db, &vocab, opts.messages, ROOM_PREFIX)?);
    let viewer_id: i64 = db.sql("SELECT id FROM users WHERE username = 'bench_0'")?.trim().parse()?;
    let room_id: i64 = db
        .sql(&format!("SELECT id FROM conversations WHERE name = {}", quote(&room_name(0))))?
        .trim()
        .parse()?;
    let in_scope = db.sql(&format!(
        "SELECT count(*) FROM messages WHERE conversation_id IN \
         (SELECT conversation_id FROM members WHERE user_id = {viewer_id})"
    ))?;
    let langs: Vec<String> =
        vocab.iter().map(|l| format!("{} {}% ({} words)", l.name, l.share_percent, l.words.len())).collect();
    report.header.push(format!(
        "data: {} messages in {ROOMS} rooms, 3 users; the viewer is in {} rooms holding {} messages; \
         languages: {}; word ranks Zipf-distributed (P(rank r) ≈ 1/(r ln n))",
        opts.messages,
        ROOMS.div_ceil(2),
        in_scope.trim(),
        langs.join(", ")
    ));
    report.header.push(format!(
        "method: one `jeco serve` (release) child on 127.0.0.1, PostgreSQL on this machine; one request in flight, \
         a new HTTP/1.1 connection each (`POST /graphql`, bearer token); {WARM_UP} warm-up requests, then up to \
         {} per kind (at most {} s); baseline = `{VIEWER}` over the same path, measured before and after the \
         kinds and pooled; SQL = the search's statement run directly with `EXPLAIN (ANALYZE, TIMING OFF, \
         FORMAT JSON)`, planning + execution time (no network, no result transfer)",
        opts.requests,
        KIND_BUDGET.as_secs()
    ));

    let mut server =
        gql::start_jeco(&opts.jeco_bin, &db.url, data_dir, &work_dir.join("measure.log")).await?;
    let measured = measure_all(&mut server, opts, &viewer.token, &first_room, db, viewer_id, room_id).await;
    let log = finish(server).await;
    let (baseline, kinds, mut notes) = measured?;
    report.baseline = baseline;
    report.kinds = kinds;
    notes.extend(log);
    notes.push(format!("load average at end: {}", load_average()));
    report.notes.extend(notes);
    Ok(report)
}

/// Registers 3 users and creates the rooms (user 1 owns all; the viewer, user 0, joins the even
/// ones; user 2 every third); returns the viewer and the viewer's rooms' ids.
async fn set_up_rooms(addr: SocketAddr) -> Result<(BenchUser, Vec<String>)> {
    let t = Instant::now();
    let mut users = Vec::new();
    register_users(addr, &mut users, 3).await?;
    let [viewer, owner, third] = <[BenchUser; 3]>::try_from(users).ok().context("3 users")?;
    let mut viewer_rooms = Vec::new();
    for i in 0..ROOMS {
        let room = create_room(addr, &owner.token, &room_name(i)).await?;
        if i % 2 == 0 {
            join_room(addr, std::slice::from_ref(&viewer), &room).await?;
            viewer_rooms.push(room.clone());
        }
        if i % 3 == 0 {
            join_room(addr, std::slice::from_ref(&third), &room).await?;
        }
    }
    eprintln!("[search] registered 3 users and created {ROOMS} rooms in {:.1} s", t.elapsed().as_secs_f64());
    Ok((viewer, viewer_rooms))
}

/// Name of seeded room `i`.
fn room_name(i: usize) -> String {
    format!("{ROOM_PREFIX} {i:02}")
}

/// Stops a server; returns notes about what it logged at warn level or above.
async fn finish(server: ServerProc) -> Vec<String> {
    let lines = server.stop().await;
    if lines.is_empty() {
        return Vec::new();
    }
    let first: Vec<String> = lines.iter().take(3).map(|l| l.chars().take(300).collect()).collect();
    vec![format!("server log: {} line(s) at warn level or above; first: {}", lines.len(), first.join(" ⏎ "))]
}

/// The baseline, every kind over HTTP and SQL, and notes.
async fn measure_all(
    server: &mut ServerProc,
    opts: &Options,
    token: &str,
    room: &str,
    db: &Database,
    viewer_id: i64,
    room_id: i64,
) -> Result<(Series, Vec<KindFigures>, Vec<String>)> {
    let addr = server.addr;
    let viewer_body = serde_json::json!({ "query": VIEWER });
    let before = http_series(addr, token, &viewer_body, opts.requests).await.context("baseline")?;
    let mut kinds = Vec::new();
    let scope: Vec<i64> = db
        .sql(&format!(
            "SELECT string_agg(conversation_id::text, ',') FROM members WHERE user_id = {viewer_id}"
        ))?
        .trim()
        .split(',')
        .filter_map(|id| id.parse().ok())
        .collect();
    for kind in query_kinds(&vocabulary()) {
        server.check_alive()?;
        let c = kind.in_one_conversation.then_some(room);
        let body =
            serde_json::json!({ "query": SEARCH, "variables": { "q": kind.text, "c": c, "first": PAGE } });
        eprintln!("[search] {}: HTTP ...", kind.label);
        let (http, last) = http_series(addr, token, &body, opts.requests)
            .await
            .with_context(|| format!("kind {}", kind.label))?;
        let hits = last["data"]["searchMessages"]["edges"].as_array().map_or(0, Vec::len);
        eprintln!("[search] {}: HTTP p50 {:.2} ms; SQL ...", kind.label, http.ms(50.0).unwrap_or(0.0));
        let sql = search_sql(&kind, &scope, room_id);
        let (sql_series, plan) = sql_series(db, &sql)?;
        let matches = db
            .sql(&format!(
                "SELECT count(*) FROM ({sql_unlimited}) m",
                sql_unlimited = sql_where(&kind, &scope, room_id)
            ))?
            .trim()
            .parse()
            .ok();
        kinds.push(KindFigures {
            label: kind.label.to_string(),
            query: kind.text.clone(),
            matches,
            hits,
            http,
            sql: sql_series,
            plan,
        });
    }
    let (after, _) = http_series(addr, token, &viewer_body, opts.requests).await.context("baseline after")?;
    let (before, _) = before;
    let notes = vec![format!(
        "baseline p50 before the kinds {:.2} ms, after {:.2} ms (pooled in the table)",
        before.ms(50.0).unwrap_or(0.0),
        after.ms(50.0).unwrap_or(0.0)
    )];
    let pooled = Series::new(before.0.iter().chain(&after.0).copied().collect());
    Ok((pooled, kinds, notes))
}

/// `requests` sequential POSTs of `body` after a warm-up (fewer past [`KIND_BUDGET`]); fails on
/// any GraphQL error; returns the latencies and the last response.
async fn http_series(
    addr: SocketAddr,
    token: &str,
    body: &serde_json::Value,
    requests: usize,
) -> Result<(Series, serde_json::Value)> {
    let mut samples = Vec::with_capacity(requests);
    let mut last = serde_json::Value::Null;
    let start = Instant::now();
    for i in 0..WARM_UP + requests {
        if i > WARM_UP && start.elapsed() > KIND_BUDGET {
            break;
        }
        let t = Instant::now();
        let (status, json) = http::post_json(addr, "/graphql", Some(token), body).await?;
        let us = t.elapsed().as_micros() as u64;
        if status != 200 || json.get("errors").is_some_and(|e| !e.is_null()) {
            bail!("HTTP {status}: {json}");
        }
        if i >= WARM_UP {
            samples.push(us);
        }
        last = json;
    }
    Ok((Series::new(samples), last))
}

/// The WHERE part of the server's search statement for `kind` (see `jeco_schema::search`).
/// The server passes the viewer's conversation ids (narrowed to the one
/// conversation when filtered) as a literal list.
fn sql_where(kind: &QueryKind, scope: &[i64], room_id: i64) -> String {
    let words = query_words(&kind.text);
    let tsquery: Vec<String> = words.iter().map(|w| format!("'{w}':*")).collect();
    let ids: Vec<String> =
        scope.iter().filter(|id| !kind.in_one_conversation || **id == room_id).map(i64::to_string).collect();
    format!(
        "SELECT messages.*, users.* FROM messages INNER JOIN users ON users.id = messages.sender_id \
         WHERE messages.deleted_at IS NULL \
         AND messages.conversation_id = ANY('{{{}}}'::bigint[]) \
         AND (to_tsvector('simple', coalesce(messages.body, '')) @@ to_tsquery('simple', {}) \
         OR messages.body ILIKE {})",
        ids.join(","),
        quote(&tsquery.join(" & ")),
        quote(&like_pattern(&kind.text))
    )
}

/// The server's search statement for `kind`, first page (limit 20 + 1).
pub fn search_sql(kind: &QueryKind, scope: &[i64], room_id: i64) -> String {
    format!(
        "{} ORDER BY messages.tx DESC, messages.id DESC LIMIT {}",
        sql_where(kind, scope, room_id),
        PAGE + 1
    )
}

/// Query words as `jeco_schema::search::query_words` splits them.
pub fn query_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(10)
        .collect()
}

/// The ILIKE pattern as `jeco_schema::search` builds it.
pub fn like_pattern(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// Runs `sql` once with a full plan, then enough times (5–20, ~20 s) for percentiles.
fn sql_series(db: &Database, sql: &str) -> Result<(Series, String)> {
    let plan = db.sql(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql};"))?;
    let first_ms = plan
        .lines()
        .find_map(|l| l.trim().strip_prefix("Execution Time: ")?.strip_suffix(" ms")?.parse::<f64>().ok())
        .unwrap_or(1.0);
    let runs = ((20_000.0 / first_ms.max(1.0)) as usize).clamp(5, 20);
    let script: String =
        (0..runs).map(|_| format!("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql};\n")).collect();
    let out = db.sql(&script)?;
    let mut samples = Vec::with_capacity(runs);
    for v in serde_json::Deserializer::from_str(&out).into_iter::<serde_json::Value>() {
        let v = v.context("EXPLAIN JSON")?;
        let top = &v[0];
        let ms = top["Planning Time"].as_f64().unwrap_or(0.0) + top["Execution Time"].as_f64().unwrap_or(0.0);
        samples.push((ms * 1000.0) as u64);
    }
    if samples.len() != runs {
        bail!("expected {runs} EXPLAIN results, got {}", samples.len());
    }
    Ok((Series::new(samples), plan))
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The 1, 5 and 15 minute load averages (other work on the machine skews the numbers).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn helpers_mirror_the_schema_crate() {
        // Same cases as jeco_schema::search's own tests.
        assert_eq!(query_words("Hello, wörld! 42x"), vec!["hello", "wörld", "42x"]);
        assert_eq!(query_words("東京タワー 行く"), vec!["東京タワー", "行く"]);
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn statement_has_the_server_shape() {
        let kind = QueryKind { label: "x", text: "Ab cd".into(), in_one_conversation: true };
        let sql = search_sql(&kind, &[7, 9], 9);
        assert!(sql.contains("messages.conversation_id = ANY('{9}'::bigint[])"), "{sql}");
        assert!(sql.contains("to_tsquery('simple', '''ab'':* & ''cd'':*')"), "{sql}");
        assert!(sql.contains("messages.body ILIKE '%Ab cd%'"), "{sql}");
        assert!(sql.ends_with("ORDER BY messages.tx DESC, messages.id DESC LIMIT 21"), "{sql}");
        let other = QueryKind { in_one_conversation: false, ..kind };
        assert!(search_sql(&other, &[7, 9], 9).contains("ANY('{7,9}'::bigint[])"));
    }
}
