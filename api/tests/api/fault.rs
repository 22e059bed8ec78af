use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;

use crate::helpers::*;
use crate::ops::op;

/// Starts the real `jeco` binary as a child process (so it can be SIGKILLed).
pub async fn spawn_process(
    db_url: &str,
    redis: &str,
    extra_env: &[(&str, &str)],
) -> (std::process::Child, TestApp) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_jeco"))
        .envs(extra_env.iter().copied())
        .arg("serve")
        .env("DATABASE_URL", db_url)
        .env("REDIS_URL", redis)
        .env("JECO_BIND", format!("127.0.0.1:{port}"))
        .env("JECO_JWT_SECRET", "test-secret-test-secret-test-secret-1234")
        .env("JECO_SEND_RATE", "10000")
        .env("JECO_AUTH_RATE", "10000")
        .env("JECO_IP_RATE", "100000")
        .env("JECO_DATA_DIR", data_dir_for(db_url))
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let app = TestApp {
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
        db_url: db_url.to_string(),
        http: reqwest::Client::new(),
        running: None,
        data_dir: data_dir_for(db_url),
        db: None,
    };
    for _ in 0..100 {
        if app.http.get(app.url("/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (child, app)
}

/// A room with an owner, four senders and four readers, and the log cursor
/// from before anything is sent in it.
pub struct BusyRoom {
    pub room: String,
    pub senders: Vec<String>,
    pub readers: Vec<String>,
    pub start: String,
}

/// Sets up a [`BusyRoom`] on `app`.
pub async fn busy_room(app: &TestApp) -> BusyRoom {
    let (owner, _) = app.register("owner").await;
    let room = app.create_room(&owner, "Busy").await;
    let (mut senders, mut readers) = (Vec::new(), Vec::new());
    for i in 0..4 {
        let (t, _) = app.register(&format!("sender{i}")).await;
        app.join(&t, &room).await;
        senders.push(t);
        let (r, _) = app.register(&format!("reader{i}")).await;
        app.join(&r, &room).await;
        readers.push(r);
    }
    let start = app.gql(Some(&owner), op("EventCursor"), json!({})).await["data"]["eventCursor"]
        .as_str()
        .unwrap()
        .to_string();
    BusyRoom { room, senders, readers, start }
}

/// Opens a socket as `token` and subscribes to `room` after `cursor`, as a
/// client resuming would; `None` when the server refused or is gone.
pub async fn resume(app: &TestApp, token: &str, room: &str, cursor: &str) -> Option<Ws> {
    let mut ws = app.ws_raw(None).await.ok()?;
    ws.send(json!({ "type": "connection_init", "payload": { "authToken": token } })).await;
    if ws.recv().await.map(|m| m["type"] == "connection_ack") != Some(true) {
        return None;
    }
    ws.subscribe_events("r", Some(room), Some(cursor)).await;
    Some(ws)
}

/// Takes a `conversationEvents` `next` frame: moves `cursor`, and keeps the
/// body of a created message in `got`.
pub fn take_event(m: &serde_json::Value, cursor: &mut String, got: &mut Vec<String>) {
    let ev = &m["payload"]["data"]["conversationEvents"];
    *cursor = ev["cursor"].as_str().unwrap().to_string();
    if ev["payload"]["__typename"] == "MessageCreated" {
        got.push(ev["payload"]["message"]["body"].as_str().unwrap().to_string());
    }
}

/// What one reader got against what was acknowledged: (delivered, lost, doubled).
pub fn tally(acked: &[String], got: &[String]) -> (usize, usize, usize) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for body in got {
        *counts.entry(body.as_str()).or_default() += 1;
    }
    let doubled = counts.values().filter(|n| **n > 1).map(|n| n - 1).sum::<usize>();
    let lost = acked.iter().filter(|b| !counts.contains_key(b.as_str())).count();
    (got.len(), lost, doubled)
}

/// What happens to the victim instance in the middle of the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `kill -9`: no goodbye at all.
    Kill,
    /// SIGTERM: the instance drains (WebSockets close with 1012, in-flight
    /// requests finish) and exits by itself.
    Term,
}

/// What one fault run saw, beyond what it already asserted.
struct Figures {
    reconnects: usize,
    /// Close codes the readers on the victim got.
    close_codes: Vec<Option<u16>>,
}

/// kill -9 of one of two instances while four senders write through both and
/// four readers follow on both: after the readers resume (on the survivor) from
/// their last cursor, every acknowledged message has reached every reader
/// exactly once. Prints the figures.
#[tokio::test]
async fn kill_dash_nine_under_load_loses_and_doubles_nothing() {
    let f = fault_under_load(Fault::Kill).await;
    assert!(f.reconnects >= 2, "the readers on the victim had to resume");
}

/// SIGTERM of one of two instances under the same load: it stops accepting,
/// closes its WebSockets with 1012 and exits by itself within its drain bound;
/// the clients resume on the survivor with nothing lost or doubled.
#[tokio::test]
async fn sigterm_drains_and_clients_resume_with_nothing_lost() {
    let f = fault_under_load(Fault::Term).await;
    assert!(f.reconnects >= 2, "the readers on the victim had to resume");
    assert!(
        f.close_codes.iter().filter(|c| **c == Some(1012)).count() >= 2,
        "the victim's sockets closed with 1012 (Service Restart): {:?}",
        f.close_codes
    );
}

async fn fault_under_load(fault: Fault) -> Figures {
    let redis = redis_url();
    let b = Arc::new(spawn_app_with(Opts { redis_url: Some(redis.clone()), ..Opts::default() }).await);
    let (mut victim, a) = spawn_process(&b.db_url, &redis, &[("JECO_DRAIN_TIMEOUT_MS", "5000")]).await;
    let a = Arc::new(a);
    let BusyRoom { room, senders, readers, start } = busy_room(&b).await;

    // Readers: half on the victim, half on the survivor; on any drop they resume on the survivor.
    let mut reader_tasks = Vec::new();
    for (i, token) in readers.into_iter().enumerate() {
        let (a, b, room, start) = (a.clone(), b.clone(), room.clone(), start.clone());
        reader_tasks.push(tokio::spawn(async move {
            let mut got: Vec<String> = Vec::new();
            let mut codes: Vec<Option<u16>> = Vec::new();
            let mut cursor = start;
            let mut on_victim = i % 2 == 0;
            let mut reconnects = 0;
            loop {
                let app = if on_victim { &a } else { &b };
                let Some(mut ws) = resume(app, &token, &room, &cursor).await else {
                    on_victim = false;
                    continue;
                };
                loop {
                    match tokio::time::timeout(std::time::Duration::from_secs(4), ws.next()).await {
                        Ok(WsEvent::Json(m)) if m["type"] == "next" => take_event(&m, &mut cursor, &mut got),
                        Ok(WsEvent::Json(m)) => panic!("unexpected {m}"),
                        Ok(WsEvent::Closed(code)) => {
                            if on_victim {
                                codes.push(code);
                            }
                            break;
                        }
                        // Quiet for 4 s after the senders are done: finished.
                        Err(_) => return (got, reconnects, codes),
                    }
                }
                reconnects += 1;
                on_victim = false;
            }
        }));
    }

    // Senders: alternate instances; a send that fails (instance died) is retried
    // on the survivor with the same clientId, as a client would.
    let mut sender_tasks = Vec::new();
    for (s, token) in senders.into_iter().enumerate() {
        let (a, b, room) = (a.clone(), b.clone(), room.clone());
        sender_tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..60 {
                let body = format!("s{s}-{i}");
                let first = if i % 2 == 0 { &a } else { &b };
                let mut ok = false;
                for app in [first, &b, &b] {
                    let sent = app
                        .http
                        .post(app.url("/graphql"))
                        .bearer_auth(&token)
                        .json(&json!({ "query": op("SendMessage"), "variables": { "input": { "conversationId": room, "body": body, "clientId": body } } }))
                        .send()
                        .await;
                    if let Ok(resp) = sent {
                        if let Ok(v) = resp.json::<serde_json::Value>().await {
                            if v["data"]["sendMessage"]["message"]["id"].is_string() {
                                ok = true;
                                break;
                            }
                        }
                    }
                }
                if ok {
                    acked.push(body);
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            acked
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    match fault {
        Fault::Kill => {
            victim.kill().unwrap();
            victim.wait().unwrap();
        }
        Fault::Term => {
            let asked = std::time::Instant::now();
            let term = std::process::Command::new("kill").args(["-TERM", &victim.id().to_string()]).status();
            assert!(term.is_ok_and(|s| s.success()), "could not send SIGTERM");
            // It exits by itself, cleanly, within its drain bound (plus process teardown).
            let deadline = std::time::Duration::from_secs(8);
            let status = loop {
                if let Some(status) = victim.try_wait().unwrap() {
                    break status;
                }
                assert!(
                    asked.elapsed() < deadline,
                    "the instance did not exit within {deadline:?} of SIGTERM"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            };
            eprintln!("SIGTERM: exited {status} after {:?}", asked.elapsed());
            assert!(status.success(), "a drained instance exits 0, got {status}");
        }
    }

    let mut acked = Vec::new();
    for t in sender_tasks {
        acked.extend(t.await.unwrap());
    }
    let sent = 4 * 60;
    let mut delivered = 0;
    let mut lost = 0;
    let mut doubled = 0;
    let mut reconnects = 0;
    let mut close_codes = Vec::new();
    for t in reader_tasks {
        let (got, r, codes) = t.await.unwrap();
        reconnects += r;
        close_codes.extend(codes);
        let (d, l, twice) = tally(&acked, &got);
        (delivered, lost, doubled) = (delivered + d, lost + l, doubled + twice);
    }
    let stored = b.count("messages").await;
    eprintln!(
        "{fault:?} figures: sent {sent}, acknowledged {}, stored {stored}, delivered {delivered} (4 readers), lost {lost}, doubled {doubled}, reader reconnects {reconnects}",
        acked.len()
    );
    assert_eq!(acked.len(), sent, "every send is acknowledged by one instance or the other");
    assert_eq!(stored as usize, sent, "retries with the same clientId stored nothing twice");
    assert_eq!(lost, 0);
    assert_eq!(doubled, 0);
    assert_eq!(delivered, 4 * sent);
    Figures { reconnects, close_codes }
}

/// SIGTERM lets requests already in flight finish before the process exits:
/// registrations sent just before it (argon2 hashing, queued behind the
/// hashing pool, so together they take far longer than an instant) all answer,
/// and every one is stored.
#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let db = spawn_app().await;
    let (mut victim, app) =
        spawn_process(&db.db_url, &redis_url(), &[("JECO_DRAIN_TIMEOUT_MS", "60000")]).await;
    let mut calls = Vec::new();
    for i in 0..6 {
        let (http, url) = (app.http.clone(), app.url("/graphql"));
        calls.push(tokio::spawn(async move {
            let name = format!("late{i}");
            let input = json!({ "username": name, "email": format!("{name}@example.com"), "password": format!("password-{name}") });
            let sent = http.post(url).json(&json!({ "query": op("Register"), "variables": { "input": input } })).send();
            match sent.await {
                Ok(resp) => resp.json::<serde_json::Value>().await.ok(),
                Err(_) => None,
            }
        }));
    }
    // Let every request reach the server before it is told to stop.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let term = std::process::Command::new("kill").args(["-TERM", &victim.id().to_string()]).status();
    assert!(term.is_ok_and(|s| s.success()), "could not send SIGTERM");
    for call in calls {
        let answer = call.await.unwrap();
        let token = answer.as_ref().map(|v| v["data"]["register"]["accessToken"].is_string());
        assert_eq!(token, Some(true), "an in-flight request was cut off: {answer:?}");
    }
    let status = tokio::task::spawn_blocking(move || victim.wait()).await.unwrap().unwrap();
    assert!(status.success(), "a drained instance exits 0, got {status}");
    assert_eq!(db.count("users").await, 6, "every accepted registration was stored");
}
