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

/// kill -9 of one of two instances while four senders write through both and
/// four readers follow on both: after the readers resume (on the survivor) from
/// their last cursor, every acknowledged message has reached every reader
/// exactly once. Prints the figures.
#[tokio::test]
async fn kill_dash_nine_under_load_loses_and_doubles_nothing() {
    let redis = redis_url();
    let b = Arc::new(spawn_app_with(Opts { redis_url: Some(redis.clone()), ..Opts::default() }).await);
    let (mut victim, a) = spawn_process(&b.db_url, &redis, &[]).await;
    let a = Arc::new(a);
    let (owner, _) = b.register("owner").await;
    let room = b.create_room(&owner, "Busy").await;
    let mut senders = Vec::new();
    let mut readers = Vec::new();
    for i in 0..4 {
        let (t, _) = b.register(&format!("sender{i}")).await;
        b.join(&t, &room).await;
        senders.push(t);
        let (r, _) = b.register(&format!("reader{i}")).await;
        b.join(&r, &room).await;
        readers.push(r);
    }
    let start = b.gql(Some(&owner), op("EventCursor"), json!({})).await["data"]["eventCursor"]
        .as_str()
        .unwrap()
        .to_string();

    // Readers: half on the victim, half on the survivor; on any drop they resume on the survivor.
    let mut reader_tasks = Vec::new();
    for (i, token) in readers.into_iter().enumerate() {
        let (a, b, room, start) = (a.clone(), b.clone(), room.clone(), start.clone());
        reader_tasks.push(tokio::spawn(async move {
            let mut got: Vec<String> = Vec::new();
            let mut cursor = start;
            let mut on_victim = i % 2 == 0;
            let mut reconnects = 0;
            loop {
                let app = if on_victim { &a } else { &b };
                let Ok(mut ws) = app.ws_raw(None).await else {
                    on_victim = false;
                    continue;
                };
                ws.send(json!({ "type": "connection_init", "payload": { "authToken": token } })).await;
                if ws.recv().await.map(|m| m["type"] == "connection_ack") != Some(true) {
                    on_victim = false;
                    continue;
                }
                ws.subscribe_events("r", Some(&room), Some(&cursor)).await;
                loop {
                    match tokio::time::timeout(std::time::Duration::from_secs(4), ws.next()).await {
                        Ok(WsEvent::Json(m)) if m["type"] == "next" => {
                            let ev = &m["payload"]["data"]["conversationEvents"];
                            cursor = ev["cursor"].as_str().unwrap().to_string();
                            if ev["payload"]["__typename"] == "MessageCreated" {
                                got.push(ev["payload"]["message"]["body"].as_str().unwrap().to_string());
                            }
                        }
                        Ok(WsEvent::Json(m)) => panic!("unexpected {m}"),
                        Ok(WsEvent::Closed(_)) => break,
                        // Quiet for 4 s after the senders are done: finished.
                        Err(_) => return (got, reconnects),
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
    victim.kill().unwrap();
    victim.wait().unwrap();

    let mut acked = Vec::new();
    for t in sender_tasks {
        acked.extend(t.await.unwrap());
    }
    let sent = 4 * 60;
    let mut delivered = 0;
    let mut lost = 0;
    let mut doubled = 0;
    let mut reconnects = 0;
    for t in reader_tasks {
        let (got, r) = t.await.unwrap();
        reconnects += r;
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for body in &got {
            *counts.entry(body.as_str()).or_default() += 1;
        }
        delivered += got.len();
        doubled += counts.values().filter(|n| **n > 1).map(|n| n - 1).sum::<usize>();
        lost += acked.iter().filter(|b| !counts.contains_key(b.as_str())).count();
    }
    let stored = b.count("messages").await;
    eprintln!(
        "kill -9 figures: sent {sent}, acknowledged {}, stored {stored}, delivered {delivered} (4 readers), lost {lost}, doubled {doubled}, reader reconnects {reconnects}",
        acked.len()
    );
    assert_eq!(acked.len(), sent, "every send is acknowledged by one instance or the other");
    assert_eq!(stored as usize, sent, "retries with the same clientId stored nothing twice");
    assert_eq!(lost, 0);
    assert_eq!(doubled, 0);
    assert_eq!(delivered, 4 * sent);
    assert!(reconnects >= 2, "the readers on the victim had to resume");
}
