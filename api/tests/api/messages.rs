use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn send_is_idempotent_on_client_id() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let first = app.send(&alice, &room, "hello", "c-1").await;
    assert_eq!(first["userErrors"], json!([]));
    let events = app.count("events").await;
    // Retries (even with another body) return the first message, write nothing.
    let again = app.send(&alice, &room, "hello (retry)", "c-1").await;
    assert_eq!(again["message"], first["message"]);
    let concurrent =
        futures_util::future::join_all((0..8).map(|_| app.send(&alice, &room, "x", "c-2"))).await;
    let ids: std::collections::HashSet<_> =
        concurrent.iter().map(|p| p["message"]["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 1, "concurrent retries give one message");
    assert_eq!(app.count("messages").await, 2);
    assert_eq!(app.count("events").await, events + 1);
}

#[tokio::test]
async fn bad_sends_write_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (mallory, _) = app.register("mallory").await;
    let room = app.create_room(&alice, "General").await;
    let before = app.snapshot().await;
    let cases = [
        (
            alice.as_str(),
            room.as_str(),
            "x".repeat(4001),
            "c1",
            json!([{ "field": "body", "code": "TOO_LONG", "message": "body must be at most 4000 characters" }]),
        ),
        (
            alice.as_str(),
            room.as_str(),
            "   ".into(),
            "c2",
            json!([{ "field": "body", "code": "INVALID", "message": "body must not be empty" }]),
        ),
        (
            alice.as_str(),
            room.as_str(),
            "hi".into(),
            "",
            json!([{ "field": "clientId", "code": "INVALID", "message": "clientId must be 1–64 visible ASCII characters" }]),
        ),
        (
            alice.as_str(),
            "nonsense",
            "hi".into(),
            "c3",
            json!([{ "field": "conversationId", "code": "NOT_FOUND", "message": "conversation not found" }]),
        ),
        // A non-member gets exactly what a missing conversation gives.
        (
            mallory.as_str(),
            room.as_str(),
            "hi".into(),
            "c4",
            json!([{ "field": "conversationId", "code": "NOT_FOUND", "message": "conversation not found" }]),
        ),
    ];
    for (token, conv, body, cid, expected) in cases {
        let p = app.send(token, conv, &body, cid).await;
        assert_eq!(p["userErrors"], expected, "{p}");
        assert_eq!(p["message"], json!(null));
    }
    // Anonymous.
    let r = app.gql(None, "mutation($c: ID!){ sendMessage(input:{conversationId:$c, body:\"x\", clientId:\"z\"}){ userErrors{ code } } }", json!({ "c": room })).await;
    assert_eq!(r["data"]["sendMessage"]["userErrors"], json!([{ "code": "UNAUTHENTICATED" }]));
    // 4000 characters of a multi-byte script are fine (limit is in characters).
    assert_eq!(app.snapshot().await, before);
    let p = app.send(&alice, &room, &"é".repeat(4000), "c5").await;
    assert_eq!(p["userErrors"], json!([]));
}

#[tokio::test]
async fn senders_are_rate_limited() {
    let app = spawn_app_with(Opts { send_rate: 1, auth_rate: 1000, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let mut limited = 0;
    for i in 0..8 {
        let p = app.send(&alice, &room, "spam", &format!("s{i}")).await;
        if p["userErrors"]
            == json!([{ "field": null, "code": "RATE_LIMITED", "message": "you are sending too fast; slow down" }])
        {
            limited += 1;
        }
    }
    // Burst of 4 at 1/s: at least 3 of 8 rapid sends are refused, and not stored.
    assert!(limited >= 3, "limited {limited}");
    assert_eq!(app.count("messages").await, 8 - limited);
}

#[tokio::test]
async fn history_pages_backwards_and_forwards_in_server_order() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    for i in 0..25 {
        app.send(&alice, &room, &format!("m{i}"), &format!("c{i}")).await;
    }
    let q = "query($id: ID!, $before: String){ conversation(id:$id){ messages(last: 10, before: $before){ nodes{ body } pageInfo{ hasPreviousPage startCursor } } } }";
    let mut bodies = Vec::new();
    let mut before = serde_json::Value::Null;
    loop {
        let r = app.gql(Some(&alice), q, json!({ "id": room, "before": before })).await;
        let page = &r["data"]["conversation"]["messages"];
        let mut chunk: Vec<String> = page["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["body"].as_str().unwrap().to_string())
            .collect();
        chunk.extend(bodies);
        bodies = chunk;
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    let expected: Vec<String> = (0..25).map(|i| format!("m{i}")).collect();
    assert_eq!(bodies, expected);
    let r = app.gql(Some(&alice), "query($id: ID!){ conversation(id:$id){ messages(first: 3){ nodes{ body } pageInfo{ hasNextPage } } } }", json!({ "id": room })).await;
    assert_eq!(
        r["data"]["conversation"]["messages"]["nodes"],
        json!([{ "body": "m0" }, { "body": "m1" }, { "body": "m2" }])
    );
    // A non-member sees the public room but not its messages.
    let r = app.gql(Some(&bob), "query($id: ID!){ conversation(id:$id){ name lastMessage { body } messages(last: 5){ nodes { body } } } }", json!({ "id": room })).await;
    assert_eq!(r["data"]["conversation"]["lastMessage"], json!(null));
    assert_eq!(r["errors"][0]["message"], "join the conversation to read its messages");
}
