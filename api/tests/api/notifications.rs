use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

const LIST: &str = "{ unreadNotificationCount notifications(first: 10){ nodes{ id kind actor{ username } message{ body } conversation{ kind } readAt } } }";
const SUB: &str =
    "subscription($a: String){ notifications(after:$a){ cursor notification{ kind message{ body } } } }";

async fn dm(app: &TestApp, token: &str, user: &str) -> String {
    let r = app.gql(Some(token), op("OpenDirectConversation"), json!({ "input": { "userId": user } })).await;
    r["data"]["openDirectConversation"]["conversation"]["id"].as_str().unwrap().to_string()
}

async fn next_notification(ws: &mut Ws) -> Value {
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    m["payload"]["data"]["notifications"].clone()
}

#[tokio::test]
async fn direct_messages_and_mentions_notify_the_right_people() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let (carol, _) = app.register("carol").await;
    let (dave, _) = app.register("dave").await;
    let room = app.create_room(&carol, "General").await;
    app.join(&bob, &room).await;
    let direct = dm(&app, &alice, &bob_id).await;
    app.send(&alice, &direct, "psst @bob", "d1").await;
    app.send(&carol, &room, "hey @BOB and @dave and @carol and @nobody", "r1").await;
    app.send(&carol, &room, "no mention here", "r2").await;
    let r = app.gql(Some(&bob), LIST, json!({})).await["data"].clone();
    assert_eq!(r["unreadNotificationCount"], 2);
    let nodes: Vec<Value> = r["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["kind"], n["actor"]["username"], n["message"]["body"], n["conversation"]["kind"]]))
        .collect();
    assert_eq!(
        nodes,
        vec![
            json!(["MENTION", "carol", "hey @BOB and @dave and @carol and @nobody", "ROOM"]),
            json!(["DIRECT_MESSAGE", "alice", "psst @bob", "DIRECT"]),
        ]
    );
    // dave is not a member: his name is just text; carol mentioned herself; alice was not mentioned.
    for token in [&dave, &carol, &alice] {
        assert_eq!(app.gql(Some(token), LIST, json!({})).await["data"]["unreadNotificationCount"], 0);
    }
    let r = app
        .gql(
            Some(&bob),
            "mutation{ markNotificationsRead(input:{all: true}){ unreadCount userErrors{ code } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["markNotificationsRead"], json!({ "unreadCount": 0, "userErrors": [] }));
}

#[tokio::test]
async fn notifications_are_live_and_resume_from_a_cursor() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let direct = dm(&app, &alice, &bob_id).await;
    let mut ws = app.ws(&bob).await;
    ws.send(
        json!({ "id": "n", "type": "subscribe", "payload": { "query": SUB, "variables": { "a": null } } }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.send(&alice, &direct, "one", "1").await;
    let first = next_notification(&mut ws).await;
    assert_eq!(first["notification"], json!({ "kind": "DIRECT_MESSAGE", "message": { "body": "one" } }));
    drop(ws);
    app.send(&alice, &direct, "two", "2").await;
    app.send(&alice, &direct, "three", "3").await;
    let mut ws = app.ws(&bob).await;
    ws.send(json!({ "id": "n", "type": "subscribe", "payload": { "query": SUB, "variables": { "a": first["cursor"] } } })).await;
    assert_eq!(next_notification(&mut ws).await["notification"]["message"]["body"], "two");
    assert_eq!(next_notification(&mut ws).await["notification"]["message"]["body"], "three");
    assert!(ws.quiet_for(300).await, "nothing doubled");
    app.send(&alice, &direct, "four", "4").await;
    assert_eq!(next_notification(&mut ws).await["notification"]["message"]["body"], "four");
}

#[tokio::test]
async fn bad_mark_reads_change_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let direct = dm(&app, &alice, &bob_id).await;
    app.send(&alice, &direct, "hi", "1").await;
    let bobs = app.gql(Some(&bob), LIST, json!({})).await["data"]["notifications"]["nodes"][0]["id"].clone();
    let q = "mutation($i: MarkNotificationsReadInput!){ markNotificationsRead(input:$i){ unreadCount userErrors{ field code } } }";
    let r = app.gql(Some(&bob), q, json!({ "i": {} })).await;
    assert_eq!(
        r["data"]["markNotificationsRead"]["userErrors"],
        json!([{ "field": "ids", "code": "INVALID" }])
    );
    // Someone else's notification id is ignored.
    let r = app.gql(Some(&alice), q, json!({ "i": { "ids": [bobs] } })).await;
    assert_eq!(r["data"]["markNotificationsRead"], json!({ "unreadCount": 0, "userErrors": [] }));
    let r = app.gql(None, q, json!({ "i": { "all": true } })).await;
    assert_eq!(
        r["data"]["markNotificationsRead"]["userErrors"],
        json!([{ "field": null, "code": "UNAUTHENTICATED" }])
    );
    assert_eq!(app.gql(Some(&bob), LIST, json!({})).await["data"]["unreadNotificationCount"], 1);
    let r = app.gql(Some(&bob), q, json!({ "i": { "ids": [bobs] } })).await;
    assert_eq!(r["data"]["markNotificationsRead"]["unreadCount"], 0);
}

/// A reply to your message in a room reaches you live (it names nobody, so only
/// the reply link makes it yours).
#[tokio::test]
async fn replies_are_notified_live() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let original = app.send(&bob, &room, "question?", "b1").await["message"]["id"].clone();
    let mut ws = app.ws(&bob).await;
    ws.send(
        json!({ "id": "n", "type": "subscribe", "payload": { "query": SUB, "variables": { "a": null } } }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let reply = |body: &str, id: &str| {
        app.mutate(
            Some(&alice),
            "sendMessage",
            "SendMessageInput",
            json!({ "conversationId": room, "body": body, "clientId": id, "replyToId": original }),
            "message{ id }",
        )
    };
    reply("answer!", "a1").await;
    let n = next_notification(&mut ws).await;
    assert_eq!(n["notification"], json!({ "kind": "REPLY", "message": { "body": "answer!" } }));
    // Alice's plain message in the room is not for bob.
    app.send(&alice, &room, "unrelated", "a2").await;
    assert!(ws.quiet_for(500).await);
}
