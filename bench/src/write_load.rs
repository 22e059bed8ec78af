//! The write bench's closed load loops: C workers, each on its own keep-alive connection,
//! sending the floor query or `sendMessage` back to back until a deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::keepalive::Conn;
use crate::procfs;
use crate::search_report::Series;
use crate::server::ServerProc;
use crate::write_report::Phase;

/// The floor: the cheapest authenticated query.
pub const VIEWER: &str = "{ viewer { id } }";

/// One closed-loop phase of `c` workers for `duration`; sends when `send`, else the floor query.
pub async fn run_phase(
    server: &ServerProc,
    workers: &[(String, Vec<String>)],
    c: usize,
    send: bool,
    duration: Duration,
    tag: &str,
) -> Result<Phase> {
    let addr = server.addr;
    let ticks = procfs::clock_ticks_per_second();
    let mut metrics = Conn::connect(addr).await?;
    let statements_before = metrics.sql_statements().await?;
    let cpu_before = procfs::cpu_seconds(server.pid(), ticks)?;
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(c);
    for w in 0..c {
        let (token, rooms) = workers.get(w % workers.len().max(1)).cloned().context("no workers")?;
        let tag = format!("{tag}-{w}");
        tasks.push(tokio::spawn(worker(addr, token, rooms, send, tag, w as u64, deadline)));
    }
    let mut phase = Phase::default();
    let mut samples = Vec::new();
    for task in tasks {
        let r = task.await.context("worker panicked")?;
        phase.ok += r.ok;
        phase.errors += r.errors;
        if phase.first_error.is_none() {
            phase.first_error = r.first_error;
        }
        samples.extend(r.samples);
    }
    phase.elapsed = start.elapsed();
    phase.cpu_seconds = procfs::cpu_seconds(server.pid(), ticks)? - cpu_before;
    phase.statements = metrics.sql_statements().await?.saturating_sub(statements_before);
    phase.latency = Series::new(samples);
    Ok(phase)
}

/// What one worker saw.
#[derive(Default)]
struct WorkerResult {
    /// Answered requests (a message for a send).
    ok: u64,
    /// Failed requests.
    errors: u64,
    /// The first failure.
    first_error: Option<String>,
    /// Round trips of answered requests, µs.
    samples: Vec<u64>,
}

/// A closed loop of requests on one keep-alive connection until `deadline`.
async fn worker(
    addr: SocketAddr,
    token: String,
    rooms: Vec<String>,
    send: bool,
    tag: String,
    seed: u64,
    deadline: Instant,
) -> WorkerResult {
    let mut out = WorkerResult::default();
    let mut rng = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut conn: Option<Conn> = None;
    let floor_body = serde_json::to_vec(&serde_json::json!({ "query": VIEWER })).unwrap_or_default();
    let mut seq = 0u64;
    while Instant::now() < deadline {
        seq += 1;
        let body = if send {
            let room =
                rooms.get((next(&mut rng) % rooms.len().max(1) as u64) as usize).cloned().unwrap_or_default();
            let Ok(op) = crate::gql::op("SendMessage") else {
                fail(&mut out, "no SendMessage operation".into());
                return out;
            };
            let input = serde_json::json!({
                "conversationId": room, "body": format!("write bench {tag} #{seq}"), "clientId": format!("{tag}-{seq}"),
            });
            serde_json::to_vec(&serde_json::json!({ "query": op, "variables": { "input": input } }))
                .unwrap_or_default()
        } else {
            floor_body.clone()
        };
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::connect(addr).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    fail(&mut out, format!("{e:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let t = Instant::now();
        match c.post_json("/graphql", Some(&token), &body).await {
            Ok((200, json)) => match check(&json, send) {
                Ok(()) => {
                    out.ok += 1;
                    out.samples.push(t.elapsed().as_micros() as u64);
                }
                Err(e) => fail(&mut out, e),
            },
            Ok((status, json)) => fail(&mut out, format!("HTTP {status}: {}", cut(&json.to_string()))),
            Err(e) => {
                fail(&mut out, format!("{e:#}"));
                conn = None;
            }
        }
    }
    out
}

/// Counts a failure, keeping the first message.
fn fail(out: &mut WorkerResult, e: String) {
    out.errors += 1;
    out.first_error.get_or_insert(e);
}

/// The first 300 characters.
fn cut(s: &str) -> String {
    s.chars().take(300).collect()
}

/// Whether a 200 answer is a success: no `errors`, and for a send a message id and no userErrors.
pub fn check(json: &serde_json::Value, send: bool) -> std::result::Result<(), String> {
    if json.get("errors").is_some_and(|e| !e.is_null()) {
        return Err(format!("GraphQL errors: {}", cut(&json["errors"].to_string())));
    }
    if !send {
        return json["data"]["viewer"]["id"].as_str().map(|_| ()).ok_or_else(|| cut(&json.to_string()));
    }
    let payload = &json["data"]["sendMessage"];
    if payload["userErrors"].as_array().is_some_and(|e| !e.is_empty()) {
        return Err(format!("userErrors: {}", cut(&payload["userErrors"].to_string())));
    }
    payload["message"]["id"]
        .as_str()
        .map(|_| ())
        .ok_or_else(|| format!("no message: {}", cut(&json.to_string())))
}

/// splitmix64: a random room per send without a dependency.
pub fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked() {
        let ok = serde_json::json!({"data": {"sendMessage": {"message": {"id": "x"}, "userErrors": []}}});
        assert!(check(&ok, true).is_ok());
        let user =
            serde_json::json!({"data": {"sendMessage": {"message": null, "userErrors": [{"code": "X"}]}}});
        assert!(check(&user, true).unwrap_err().starts_with("userErrors"));
        let err = serde_json::json!({"data": null, "errors": [{"message": "boom"}]});
        assert!(check(&err, false).unwrap_err().contains("boom"));
        assert!(check(&serde_json::json!({"data": {"viewer": {"id": "u"}}}), false).is_ok());
    }

    #[test]
    fn splitmix_is_deterministic_and_spread() {
        let (mut a, mut b) = (1u64, 1u64);
        assert_eq!(next(&mut a), next(&mut b));
        let mut s = 7u64;
        let mut hits = [0u32; 4];
        (0..4000).for_each(|_| hits[(next(&mut s) % 4) as usize] += 1);
        assert!(hits.iter().all(|&h| h > 900), "{hits:?}");
    }
}
