//! The `soak` command: a bounded run at a steady send rate while subscribers
//! churn (connect, subscribe from their cursor, read a while, drop, resume).
//! It samples the server's RSS, open file descriptors and threads, and its
//! WebSocket count, and checks that they return to their baseline once the
//! churn stops — and that every subscriber saw every message exactly once.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::frames::{classify, Incoming};
use crate::gql::{self, create_room, join_room, register_users, BenchUser};
use crate::load;
use crate::procfs;
use crate::server::Database;

/// WebSocket connections the churning subscribers opened (all phases).
static CONNECTS: AtomicU64 = AtomicU64::new(0);

/// What to run.
pub struct Options {
    /// The `jeco` binary.
    pub jeco_bin: PathBuf,
    /// PostgreSQL server (a fresh database is made on it).
    pub database_url: String,
    /// How long the churn lasts.
    pub duration: Duration,
    /// Churning subscribers.
    pub subscribers: usize,
    /// Messages per second.
    pub rate: u32,
    /// Markdown report path.
    pub out: PathBuf,
}

/// One sample of the server process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at_s: u64,
    rss_kib: u64,
    fds: usize,
    threads: u64,
    sockets: i64,
}

fn sample(pid: &str, started: Instant, sockets: i64) -> Result<Sample> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(Sample { at_s: started.elapsed().as_secs(), rss_kib: procfs::rss_kib(pid)?, fds, threads, sockets })
}

/// The server's own count of open WebSockets (`/metrics`).
async fn websocket_count(addr: SocketAddr) -> i64 {
    let body = match crate::http::request(addr, "GET", "/metrics", &[], b"").await {
        Ok(r) => String::from_utf8_lossy(&r.body).into_owned(),
        Err(_) => String::new(),
    };
    body.lines()
        .find_map(|l| l.strip_prefix("jeco_websocket_connections "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

/// One churning subscriber: returns the message numbers it saw (with repeats).
async fn churn(
    addr: SocketAddr,
    token: String,
    room: String,
    start: String,
    stop: Arc<AtomicBool>,
    prefix: String,
    seed: u64,
) -> Vec<u64> {
    let url = format!("ws://{addr}/graphql/ws");
    let origin = format!("http://{addr}");
    let mut seen = Vec::new();
    let mut failures = 0;
    let mut cursor = start;
    let mut rng = seed;
    let query = "subscription($c: ID!, $a: String){ conversationEvents(conversationId: $c, after: $a){ cursor payload { __typename ... on MessageCreated { message { body } } } } }";
    // Keep resuming until told to stop and then until a quiet second says we are caught up.
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let Ok(mut ws) = load::connect(&url, Some(&origin), Some(&token)).await else {
            failures += 1;
            if stopping && failures > 20 {
                eprintln!("[soak] a subscriber could not reconnect to catch up; giving up");
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        CONNECTS.fetch_add(1, Ordering::Relaxed);
        let frame = serde_json::json!({ "id": "s", "type": "subscribe", "payload": { "query": query, "variables": { "c": room, "a": cursor } } });
        if ws.send(Message::text(frame.to_string())).await.is_err() {
            continue;
        }
        // xorshift: a connection lives 0.3–3 s (until caught up, when stopping).
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let life = if stopping { Duration::from_secs(3600) } else { Duration::from_millis(300 + rng % 2700) };
        let until = Instant::now() + life;
        loop {
            let wait = if stopping {
                Duration::from_secs(2)
            } else {
                until.saturating_duration_since(Instant::now())
            };
            let Ok(frame) = tokio::time::timeout(wait, ws.next()).await else {
                if stopping {
                    return seen;
                }
                break;
            };
            let Some(Ok(Message::Text(text))) = frame else { break };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(text.as_str()) else { continue };
            let event = &value["payload"]["data"]["conversationEvents"];
            if let Some(c) = event["cursor"].as_str() {
                cursor = c.to_string();
            }
            if let Some(n) =
                event["payload"]["message"]["body"].as_str().and_then(|b| b.strip_prefix(prefix.as_str()))
            {
                seen.extend(n.parse::<u64>().ok());
            }
            if matches!(classify(text.as_str()), Ok(Incoming::Ping)) {
                let _ = ws.send(Message::text(r#"{"type":"pong"}"#)).await;
            }
        }
        // Half the drops say goodbye, half just vanish (TCP closed under the server).
        if rng.is_multiple_of(2) {
            let _ = ws.close(None).await;
        }
        drop(ws);
    }
}

/// Runs the soak; returns whether the server came back to its baseline and nothing was lost.
pub async fn run(opts: Options) -> Result<bool> {
    let work_dir = std::env::temp_dir().join(format!("jeco-soak-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir)?;
    let db = Database::create(&opts.database_url, &format!("jeco_soak_{}", std::process::id()))?;
    let data_dir = work_dir.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let server = gql::start_jeco(&opts.jeco_bin, &db.url, &data_dir, &work_dir.join("jeco.log")).await?;
    let result = soak(&opts, server.addr, server.pid().to_string()).await;
    server.stop().await;
    if let Err(e) = db.drop_now() {
        eprintln!("[soak] could not drop the soak database: {e:#}");
    }
    let (report, ok) = result?;
    if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&opts.out, &report).with_context(|| format!("writing {}", opts.out.display()))?;
    println!("{report}");
    eprintln!("[soak] report written to {}", opts.out.display());
    let _ = std::fs::remove_dir_all(&work_dir);
    Ok(ok)
}

/// The event log's current end, to subscribe from.
async fn event_cursor(addr: SocketAddr, token: &str) -> Result<String> {
    let data = gql::graphql(addr, Some(token), gql::op("EventCursor")?, serde_json::json!({})).await?;
    Ok(data["eventCursor"].as_str().context("no eventCursor")?.to_string())
}

/// What a churn phase delivered.
struct Outcome {
    acked: u64,
    failed: u64,
    lost: usize,
    doubled: usize,
}

/// Churns every subscriber (users 1..) from `cursor` while user 0 sends at
/// `rate`, for as long as `during` runs; then lets the subscribers catch up and
/// counts what each of them missed or got twice.
async fn phase<F, Fut>(
    addr: SocketAddr,
    users: &[BenchUser],
    room: &str,
    cursor: &str,
    rate: u32,
    tag: &str,
    during: F,
) -> Result<Outcome>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let stop = Arc::new(AtomicBool::new(false));
    let mut subs = Vec::new();
    for (i, u) in users[1..].iter().enumerate() {
        let (token, room, start, stop) =
            (u.token.clone(), room.to_string(), cursor.to_string(), stop.clone());
        let seed = 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1);
        subs.push(tokio::spawn(churn(addr, token, room, start, stop, format!("{tag}-"), seed)));
    }
    let sender = {
        let (token, room, stop, tag) =
            (users[0].token.clone(), room.to_string(), stop.clone(), tag.to_string());
        tokio::spawn(async move {
            let (mut acked, mut failed) = (0u64, 0u64);
            let mut tick = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
            let send = gql::op("SendMessage").unwrap_or_default();
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let body = format!("{tag}-{acked}");
                let input = serde_json::json!({ "input": { "conversationId": room, "body": body, "clientId": body } });
                // A failed send is retried with the same clientId on the next tick.
                match gql::graphql(addr, Some(&token), send, input).await {
                    Ok(d) if d["sendMessage"]["message"]["id"].is_string() => acked += 1,
                    _ => failed += 1,
                }
            }
            (acked, failed)
        })
    };
    let ran = during().await;
    stop.store(true, Ordering::Relaxed);
    let (acked, failed) = sender.await.context("sender task")?;
    let (mut lost, mut doubled) = (0usize, 0usize);
    for t in subs {
        let seen = t.await.context("subscriber task")?;
        let set: HashSet<u64> = seen.iter().copied().collect();
        doubled += seen.len() - set.len();
        lost += (0..acked).filter(|n| !set.contains(n)).count();
    }
    ran?;
    Ok(Outcome { acked, failed, lost, doubled })
}

async fn soak(opts: &Options, addr: SocketAddr, pid: String) -> Result<(String, bool)> {
    let mut users: Vec<BenchUser> = Vec::new();
    register_users(addr, &mut users, opts.subscribers + 1).await?;
    let room = create_room(addr, &users[0].token, "soak").await?;
    join_room(addr, &users[1..], &room).await?;
    let start = event_cursor(addr, &users[0].token).await?;
    let started = Instant::now();
    // Warm-up: the same churn for 15 s, so the database pool, the allocator and
    // the runtime reach their working size before the baseline is taken.
    let mut cursor = start;
    let warm = phase(addr, &users, &room, &cursor, opts.rate, "warm", || async {
        tokio::time::sleep(Duration::from_secs(15)).await;
        Ok(())
    })
    .await?;
    eprintln!("[soak] warm-up: {} messages, lost {}, doubled {}", warm.acked, warm.lost, warm.doubled);
    cursor = event_cursor(addr, &users[0].token).await?;
    // Baseline: everyone registered, the pool warm, idle, no sockets.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let baseline = sample(&pid, started, websocket_count(addr).await)?;
    eprintln!(
        "[soak] baseline {baseline:?}; churning {} subscribers for {:?}",
        opts.subscribers, opts.duration
    );

    let mut samples = vec![baseline];
    let until = Instant::now() + opts.duration;
    let outcome = phase(addr, &users, &room, &cursor, opts.rate, "soak", || async {
        while Instant::now() < until {
            tokio::time::sleep(Duration::from_secs(10).min(opts.duration)).await;
            let s = sample(&pid, started, websocket_count(addr).await)?;
            eprintln!("[soak] {s:?}");
            samples.push(s);
        }
        Ok(())
    })
    .await?;
    let Outcome { acked, failed, lost, doubled } = outcome;
    let connects = CONNECTS.load(Ordering::Relaxed);
    // Every socket is gone now; give the server a moment to notice the vanished ones.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = sample(&pid, started, websocket_count(addr).await)?;
    samples.push(after);

    let fds_back = after.fds <= baseline.fds + 2;
    let sockets_back = after.sockets == 0;
    let threads_back = after.threads <= baseline.threads + 2;
    let peak_rss = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    // Allocators keep freed pages, so RSS is allowed to settle above the idle
    // baseline, but not to keep growing: the final value must not exceed the peak
    // seen in the first half of the run by more than 10 %.
    let half = samples.len() / 2;
    let early_peak = samples[..half.max(1)].iter().map(|s| s.rss_kib).max().unwrap_or(0);
    let rss_bounded = after.rss_kib as f64 <= early_peak.max(baseline.rss_kib) as f64 * 1.10;
    let ok = fds_back && sockets_back && threads_back && rss_bounded && lost == 0 && doubled == 0;

    let mut r = format!(
        "# Jeco Chat soak\n\n- machine: {}\n- {} churning subscribers (each connection lives 0.3–3 s, half \
         close cleanly, half vanish), 1 sender at {} msg/s, for {} s\n- result: **{}**\n\n",
        procfs::machine_summary(),
        opts.subscribers,
        opts.rate,
        opts.duration.as_secs(),
        if ok { "back to baseline, nothing lost" } else { "FAILED" }
    );
    r.push_str(&format!(
        "| | baseline | peak | after | after ÷ baseline |\n| --- | --- | --- | --- | --- |\n\
         | RSS (KiB) | {} | {peak_rss} | {} | {:.2} |\n\
         | open fds | {} | {} | {} | {:.2} |\n\
         | threads | {} | {} | {} | {:.2} |\n\
         | open WebSockets | {} | {} | {} | |\n\n",
        baseline.rss_kib,
        after.rss_kib,
        after.rss_kib as f64 / baseline.rss_kib.max(1) as f64,
        baseline.fds,
        samples.iter().map(|s| s.fds).max().unwrap_or(0),
        after.fds,
        after.fds as f64 / baseline.fds.max(1) as f64,
        baseline.threads,
        samples.iter().map(|s| s.threads).max().unwrap_or(0),
        after.threads,
        after.threads as f64 / baseline.threads.max(1) as f64,
        baseline.sockets,
        samples.iter().map(|s| s.sockets).max().unwrap_or(0),
        after.sockets,
    ));
    r.push_str(&format!(
        "- messages acknowledged {acked} (failed attempts {failed}); per subscriber lost {lost}, doubled {doubled} \
         (summed over {} subscribers); WebSocket connections opened (warm-up included): {connects}\n\n| s | RSS KiB | fds | threads | WebSockets |\n| --- | --- | --- | --- | --- |\n",
        opts.subscribers
    ));
    for s in &samples {
        r.push_str(&format!("| {} | {} | {} | {} | {} |\n", s.at_s, s.rss_kib, s.fds, s.threads, s.sockets));
    }
    Ok((r, ok))
}
