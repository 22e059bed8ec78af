use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

async fn event_cursor(app: &TestApp, token: &str) -> String {
    let r = app.gql(Some(token), op("EventCursor"), json!({})).await;
    r["data"]["eventCursor"].as_str().unwrap().to_string()
}

fn body_of(ev: &Value) -> &str {
    ev["payload"]["message"]["body"].as_str().unwrap_or("")
}

#[tokio::test]
async fn replays_after_the_cursor_then_continues_live() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let cursor = event_cursor(&app, &bob).await;
    for i in 1..=3 {
        app.send(&alice, &room, &format!("m{i}"), &format!("c{i}")).await;
    }
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), Some(&cursor)).await;
    for i in 1..=3 {
        let ev = ws.event_where("1", |e| e["payload"]["__typename"] == "MessageCreated").await;
        assert_eq!(body_of(&ev), format!("m{i}"));
        assert_eq!(ev["payload"]["message"]["sender"]["username"], "alice");
        assert_eq!(ev["conversationId"], room.as_str());
    }
    app.send(&alice, &room, "live", "c4").await;
    assert_eq!(body_of(&ws.event("1").await), "live");
    assert!(ws.quiet_for(300).await, "nothing doubled");
}

#[tokio::test]
async fn viewer_wide_stream_follows_joins_and_hides_other_rooms() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let elsewhere = app.create_room(&alice, "Elsewhere").await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("all", None, None).await;
    // Make sure the subscription is running before acting.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.send(&alice, &elsewhere, "not for bob", "x1").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let joined = ws.event("all").await;
    assert_eq!(joined["payload"]["__typename"], "MemberJoined");
    assert_eq!(joined["payload"]["member"]["user"]["username"], "bob");
    app.send(&alice, &room, "hi bob", "x2").await;
    assert_eq!(body_of(&ws.event("all").await), "hi bob");
    assert!(ws.quiet_for(300).await);
}

#[tokio::test]
async fn a_conversation_stream_gets_only_its_own_conversation() {
    // Per-conversation feeds (`hub::feeds`): a stream of one room must see
    // neither another room's events nor a room the viewer is also in.
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "Mine").await;
    let other = app.create_room(&alice, "Other").await;
    app.join(&bob, &room).await;
    app.join(&bob, &other).await;
    let cursor = event_cursor(&app, &bob).await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("one", Some(&room), Some(&cursor)).await;
    // Interleaved, so a leak would sit between the expected events.
    for i in 1..=3 {
        app.send(&alice, &other, &format!("other {i}"), &format!("o{i}")).await;
        app.send(&alice, &room, &format!("mine {i}"), &format!("m{i}")).await;
    }
    for i in 1..=3 {
        let ev = ws.event("one").await;
        assert_eq!(ev["conversationId"], room.as_str(), "{ev}");
        assert_eq!(body_of(&ev), format!("mine {i}"));
    }
    assert!(ws.quiet_for(300).await, "no event of the other room");
}

#[tokio::test]
async fn leaving_ends_a_single_conversation_stream() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.gql(Some(&bob), op("LeaveRoom"), json!({ "input": { "conversationId": room } })).await;
    ws.event_where("1", |e| e["payload"]["__typename"] == "MemberLeft").await;
    assert_eq!(ws.recv().await.unwrap(), json!({ "type": "complete", "id": "1" }));
    app.send(&alice, &room, "after leaving", "z").await;
    assert!(ws.quiet_for(300).await);
}

#[tokio::test]
async fn strangers_and_bad_arguments_get_errors_and_no_events() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (mallory, _) = app.register("mallory").await;
    let room = app.create_room(&alice, "General").await;
    let mut ws = app.ws(&mallory).await;
    ws.subscribe_events("1", Some(&room), None).await;
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "error");
    assert_eq!(m["payload"][0]["message"], "conversation not found");
    ws.subscribe_events("2", Some("bogus"), None).await;
    assert_eq!(ws.recv().await.unwrap()["payload"][0]["message"], "conversation not found");
    ws.subscribe_events("3", None, Some("not-a-cursor")).await;
    assert_eq!(ws.recv().await.unwrap()["payload"][0]["message"], "invalid cursor");
    app.send(&alice, &room, "secret", "s").await;
    assert!(ws.quiet_for(300).await);
    // Anonymous connections may connect but not subscribe.
    let mut anon = app.ws_raw(None).await.unwrap();
    anon.send(json!({ "type": "connection_init" })).await;
    assert_eq!(anon.recv().await.unwrap()["type"], "connection_ack");
    anon.subscribe_events("1", Some(&room), None).await;
    assert_eq!(anon.recv().await.unwrap()["payload"][0]["message"], "log in first");
}

#[tokio::test]
async fn protocol_violations_close_with_the_protocol_codes() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;

    let mut ws = app.ws_raw(None).await.unwrap();
    ws.send(json!({ "type": "connection_init", "payload": { "authToken": "forged" } })).await;
    assert_eq!(ws.close_code().await, Some(4403));

    let mut ws = app.ws_raw(None).await.unwrap();
    ws.subscribe_events("1", None, None).await;
    assert_eq!(ws.close_code().await, Some(4401));

    let mut ws = app.ws(&alice).await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert_eq!(ws.close_code().await, Some(4429));

    let mut ws = app.ws(&alice).await;
    ws.subscribe_events("dup", None, None).await;
    ws.subscribe_events("dup", None, None).await;
    assert_eq!(ws.close_code().await, Some(4409));

    let mut ws = app.ws(&alice).await;
    ws.send_text("{not json").await;
    assert_eq!(ws.close_code().await, Some(4400));

    let mut ws = app.ws(&alice).await;
    ws.send(json!({ "type": "subscribe", "id": "1" })).await;
    assert_eq!(ws.close_code().await, Some(4400));

    // Also accepted: { Authorization: "Bearer <token>" }.
    let mut ws = app.ws_raw(None).await.unwrap();
    ws.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {alice}") } }))
        .await;
    assert_eq!(ws.recv().await.unwrap()["type"], "connection_ack");

    // Browsers on foreign origins cannot even upgrade.
    assert!(app.ws_raw(Some("https://evil.example")).await.is_err());
    assert!(app.ws_raw(Some("http://localhost:8080")).await.is_ok());
    // No connection_init in time: 4408 (abuse.rs, with a short timeout).
}

/// Many concurrent senders while a subscriber keeps dropping its connection
/// and resuming from its last cursor: every message arrives exactly once, in
/// the server's order.
#[tokio::test]
async fn resume_after_disconnects_under_concurrent_senders_is_exactly_once() {
    let app = Arc::new(spawn_app().await);
    let (owner, _) = app.register("owner").await;
    let (reader, _) = app.register("reader").await;
    let room = app.create_room(&owner, "Busy").await;
    app.join(&reader, &room).await;
    let mut senders = Vec::new();
    for s in 0..6 {
        let (t, _) = app.register(&format!("sender{s}")).await;
        app.join(&t, &room).await;
        senders.push(t);
    }
    let start = event_cursor(&app, &reader).await;
    const PER_SENDER: usize = 40;
    let total = senders.len() * PER_SENDER;
    let mut tasks = Vec::new();
    for (s, token) in senders.into_iter().enumerate() {
        let app = app.clone();
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..PER_SENDER {
                let p = app.send(&token, &room, &format!("s{s}-{i}"), &format!("s{s}-{i}")).await;
                assert_eq!(p["userErrors"], json!([]));
            }
        }));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = start;
    let mut reconnects = 0;
    while seen.len() < total {
        let mut ws = app.ws(&reader).await;
        ws.subscribe_events("r", Some(&room), Some(&cursor)).await;
        // Take a handful of events, then drop the connection without a goodbye.
        for _ in 0..17 {
            if seen.len() == total {
                break;
            }
            let ev = ws.event("r").await;
            cursor = ev["cursor"].as_str().unwrap().to_string();
            if ev["payload"]["__typename"] == "MessageCreated" {
                seen.push(ev["payload"]["message"]["id"].as_str().unwrap().to_string());
            }
        }
        drop(ws);
        reconnects += 1;
    }
    for t in tasks {
        t.await.unwrap();
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), total, "no duplicates");
    assert!(reconnects > 5);
    // The order is the server's: the same as history.
    let r = app
        .gql(
            Some(&reader),
            "query($id: ID!){ conversation(id:$id){ messages(last: 100){ nodes{ id } } } }",
            json!({ "id": room }),
        )
        .await;
    let newest: Vec<String> = r["data"]["conversation"]["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(&seen[total - 100..], &newest[..]);
    // Nothing more arrives after the last one.
    let mut ws = app.ws(&reader).await;
    ws.subscribe_events("r", Some(&room), Some(&cursor)).await;
    assert!(ws.quiet_for(500).await);
}

#[tokio::test]
async fn resumes_across_a_server_restart() {
    let mut app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.send(&alice, &room, "before", "b").await;
    let before = ws.event_where("1", |e| body_of(e) == "before").await;
    let cursor = before["cursor"].as_str().unwrap().to_string();
    let addr = app.addr;
    app.stop().await;
    let after_stop = ws.next().await;
    assert!(matches!(after_stop, WsEvent::Closed(Some(1012))), "{after_stop:?}");
    let app = start_on(app.db_url.clone(), addr, Opts::default()).await;
    app.send(&alice, &room, "while you were away", "w").await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), Some(&cursor)).await;
    assert_eq!(body_of(&ws.event("1").await), "while you were away");
    app.send(&alice, &room, "live again", "l").await;
    assert_eq!(body_of(&ws.event("1").await), "live again");
    assert!(ws.quiet_for(300).await);
}
