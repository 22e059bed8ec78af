use serde_json::{json, Value};

use crate::helpers::*;

const SET: &str = "mutation($c: ID!, $t: Boolean!){ setTyping(input:{conversationId:$c, typing:$t}){ ok userErrors{ field code } } }";
const SUB: &str = "subscription($c: ID!){ typing(conversationId:$c){ typing user { username } } }";

pub async fn set_typing(app: &TestApp, token: &str, room: &str, typing: bool) -> Value {
    app.gql(Some(token), SET, json!({ "c": room, "t": typing })).await["data"]["setTyping"].clone()
}

pub async fn watch(ws: &mut Ws, room: &str) {
    ws.send(
        json!({ "id": "t", "type": "subscribe", "payload": { "query": SUB, "variables": { "c": room } } }),
    )
    .await;
    // Let the subscription start before the test acts.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

pub async fn typing_event(ws: &mut Ws) -> Value {
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    m["payload"]["data"]["typing"].clone()
}

#[tokio::test]
async fn typing_reaches_other_members_once_and_times_out() {
    let (app, alice, bob, room) = room_of_two().await;
    let mut bob_ws = app.ws(&bob).await;
    watch(&mut bob_ws, &room).await;
    let mut alice_ws = app.ws(&alice).await;
    watch(&mut alice_ws, &room).await;
    assert_eq!(set_typing(&app, &alice, &room, true).await, json!({ "ok": true, "userErrors": [] }));
    assert_eq!(typing_event(&mut bob_ws).await, json!({ "typing": true, "user": { "username": "alice" } }));
    // A renewal is not news, and nobody hears their own typing.
    set_typing(&app, &alice, &room, true).await;
    assert!(alice_ws.quiet_for(300).await);
    // Without renewal it stops by itself (5 s).
    assert_eq!(typing_event(&mut bob_ws).await, json!({ "typing": false, "user": { "username": "alice" } }));
}

#[tokio::test]
async fn sending_a_message_ends_typing() {
    let (app, alice, bob, room) = room_of_two().await;
    let mut bob_ws = app.ws(&bob).await;
    watch(&mut bob_ws, &room).await;
    set_typing(&app, &alice, &room, true).await;
    assert_eq!(typing_event(&mut bob_ws).await["typing"], true);
    app.send(&alice, &room, "done typing", "d").await;
    assert_eq!(typing_event(&mut bob_ws).await["typing"], false);
    assert!(bob_ws.quiet_for(300).await, "stop is announced once");
}

#[tokio::test]
async fn strangers_cannot_type_or_watch_and_typists_are_rate_limited() {
    let (app, alice, bob, room) = room_of_two().await;
    let (mallory, _) = app.register("mallory").await;
    let mut bob_ws = app.ws(&bob).await;
    watch(&mut bob_ws, &room).await;
    let before = app.snapshot().await;
    assert_eq!(
        set_typing(&app, &mallory, &room, true).await["userErrors"],
        json!([{ "field": "conversationId", "code": "NOT_FOUND" }])
    );
    assert_eq!(
        set_typing(&app, &mallory, "junk", true).await["userErrors"],
        json!([{ "field": "conversationId", "code": "NOT_FOUND" }])
    );
    let r = app.gql(None, SET, json!({ "c": room, "t": true })).await;
    assert_eq!(r["data"]["setTyping"]["userErrors"], json!([{ "field": null, "code": "UNAUTHENTICATED" }]));
    assert!(bob_ws.quiet_for(300).await, "nothing published");
    let mut mallory_ws = app.ws(&mallory).await;
    mallory_ws.send(json!({ "id": "t", "type": "subscribe", "payload": { "query": SUB, "variables": { "c": room } } })).await;
    assert_eq!(mallory_ws.recv().await.unwrap()["payload"][0]["message"], "conversation not found");
    let mut limited = 0;
    for _ in 0..10 {
        if set_typing(&app, &alice, &room, true).await["userErrors"]
            == json!([{ "field": null, "code": "RATE_LIMITED" }])
        {
            limited += 1;
        }
    }
    assert!(limited >= 4, "limited {limited}");
    // Typing is never stored.
    assert_eq!(app.snapshot().await, before);
}
