use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

const MARK: &str = "mutation($c: ID!, $m: ID!){ markRead(input:{conversationId:$c, upToMessageId:$m}){ conversation{ unreadCount } userErrors{ field code } } }";

async fn mark(app: &TestApp, token: &str, conv: &str, msg: &str) -> Value {
    app.gql(Some(token), MARK, json!({ "c": conv, "m": msg })).await["data"]["markRead"].clone()
}

async fn unread(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ conversations { nodes { name unreadCount } } }", json!({})).await["data"]
        ["conversations"]["nodes"]
        .clone()
}

#[tokio::test]
async fn unread_counts_follow_read_positions_that_only_move_forward() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.send(&alice, &room, &format!("m{i}"), &format!("c{i}")).await["message"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    app.send(&bob, &room, "bob's own", "b0").await;
    // Own messages never count as unread.
    assert_eq!(unread(&app, &bob).await, json!([{ "name": "General", "unreadCount": 5 }]));
    assert_eq!(unread(&app, &alice).await, json!([{ "name": "General", "unreadCount": 1 }]));
    assert_eq!(
        mark(&app, &bob, &room, &ids[2]).await,
        json!({ "conversation": { "unreadCount": 2 }, "userErrors": [] })
    );
    // Backwards: accepted, changes nothing, publishes nothing.
    let events = app.count("events").await;
    assert_eq!(mark(&app, &bob, &room, &ids[0]).await["conversation"]["unreadCount"], 2);
    assert_eq!(mark(&app, &bob, &room, &ids[2]).await["conversation"]["unreadCount"], 2);
    assert_eq!(app.count("events").await, events);
    mark(&app, &bob, &room, &ids[4]).await;
    assert_eq!(unread(&app, &bob).await, json!([{ "name": "General", "unreadCount": 0 }]));
    // seenBy: readers other than the sender, up to their position.
    let r = app.gql(Some(&alice), "query($id: ID!){ conversation(id:$id){ messages(first: 6){ nodes{ body seenBy{ username } } } } }", json!({ "id": room })).await;
    let seen: Vec<(String, usize)> = r["data"]["conversation"]["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["body"].as_str().unwrap().to_string(), n["seenBy"].as_array().unwrap().len()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("m0".into(), 1),
            ("m1".into(), 1),
            ("m2".into(), 1),
            ("m3".into(), 1),
            ("m4".into(), 1),
            ("bob's own".into(), 0)
        ]
    );
}

#[tokio::test]
async fn read_receipts_are_live() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let msg = app.send(&alice, &room, "read me", "r").await["message"]["id"].as_str().unwrap().to_string();
    let mut ws = app.ws(&alice).await;
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription($c: ID){ conversationEvents(conversationId:$c){ payload { __typename ... on ReadReceiptMoved { messageId user { username } } } } }", "variables": { "c": room } } })).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    mark(&app, &bob, &room, &msg).await;
    let ev = ws.event_where("1", |e| e["payload"]["__typename"] == "ReadReceiptMoved").await;
    assert_eq!(
        ev["payload"],
        json!({ "__typename": "ReadReceiptMoved", "messageId": msg, "user": { "username": "bob" } })
    );
}

#[tokio::test]
async fn bad_mark_reads_write_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (mallory, _) = app.register("mallory").await;
    let room = app.create_room(&alice, "General").await;
    let other = app.create_room(&alice, "Other").await;
    let msg = app.send(&alice, &room, "hello", "h").await["message"]["id"].as_str().unwrap().to_string();
    let before = app.snapshot().await;
    assert_eq!(
        mark(&app, &mallory, &room, &msg).await["userErrors"],
        json!([{ "field": "conversationId", "code": "NOT_FOUND" }])
    );
    assert_eq!(
        mark(&app, &alice, &other, &msg).await["userErrors"],
        json!([{ "field": "upToMessageId", "code": "NOT_FOUND" }])
    );
    assert_eq!(
        mark(&app, &alice, &room, "junk").await["userErrors"],
        json!([{ "field": "upToMessageId", "code": "NOT_FOUND" }])
    );
    assert_eq!(
        mark(&app, &alice, "junk", &msg).await["userErrors"],
        json!([{ "field": "conversationId", "code": "NOT_FOUND" }])
    );
    let r = app.gql(None, MARK, json!({ "c": room, "m": msg })).await;
    assert_eq!(r["data"]["markRead"]["userErrors"], json!([{ "field": null, "code": "UNAUTHENTICATED" }]));
    assert_eq!(app.snapshot().await, before);
}

async fn delivered_to(app: &TestApp, token: &str, conv: &str) -> Value {
    let r = app
        .gql(Some(token), "query($c: ID!){ conversation(id:$c){ messages(last: 5){ nodes{ body deliveredTo{ username } seenBy{ username } } } } }", json!({ "c": conv }))
        .await;
    r["data"]["conversation"]["messages"]["nodes"].clone()
}

#[tokio::test]
async fn delivered_means_one_of_their_connections_got_it() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let r =
        app.gql(Some(&alice), op("OpenDirectConversation"), json!({ "input": { "userId": bob_id } })).await;
    let dm = r["data"]["openDirectConversation"]["conversation"]["id"].as_str().unwrap().to_string();
    // Bob is offline: sent, not delivered.
    app.send(&alice, &dm, "while away", "w").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        delivered_to(&app, &alice, &dm).await,
        json!([{ "body": "while away", "deliveredTo": [], "seenBy": [] }])
    );
    // Alice watches her DM; Bob connects and resumes from the start: both messages reach him.
    let mut alice_ws = app.ws(&alice).await;
    alice_ws.subscribe_events("a", Some(&dm), None).await;
    let mut bob_ws = app.ws(&bob).await;
    bob_ws.subscribe_events("b", None, Some(&crate::helpers::log_start())).await;
    app.send(&alice, &dm, "live", "l").await;
    bob_ws.event_where("b", |e| e["payload"]["message"]["body"] == "live").await;
    let moved = alice_ws.event_where("a", |e| e["payload"]["__typename"] == "DeliveryMoved").await;
    assert_eq!(moved["payload"]["user"]["username"], "bob");
    let nodes = delivered_to(&app, &alice, &dm).await;
    assert_eq!(
        nodes,
        json!([
            { "body": "while away", "deliveredTo": [{ "username": "bob" }], "seenBy": [] },
            { "body": "live", "deliveredTo": [{ "username": "bob" }], "seenBy": [] },
        ])
    );
    // Bob sees the same receipts; his own messages are never "delivered" to himself.
    app.send(&bob, &dm, "reply", "r").await;
    let nodes = delivered_to(&app, &bob, &dm).await;
    assert_eq!(nodes[2], json!({ "body": "reply", "deliveredTo": [], "seenBy": [] }));
}
