use serde_json::{json, Value};

use crate::helpers::*;

const SUB: &str = "subscription($u: [ID!]){ presence(userIds:$u){ online user { username } } }";

/// Subscribes `ws` to `presence` of `users` (all related users when `None`).
pub async fn watch(ws: &mut Ws, users: Option<Vec<&str>>) {
    ws.send(
        json!({ "id": "p", "type": "subscribe", "payload": { "query": SUB, "variables": { "u": users } } }),
    )
    .await;
}

/// The next presence event on `ws`.
pub async fn presence_event(ws: &mut Ws) -> Value {
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    m["payload"]["data"]["presence"].clone()
}

/// A presence event as the subscription answers it.
pub fn state(username: &str, online: bool) -> Value {
    json!({ "online": online, "user": { "username": username } })
}

#[tokio::test]
async fn online_while_any_connection_is_open() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let mut bob_ws = app.ws(&bob).await;
    watch(&mut bob_ws, Some(vec![&alice_id])).await;
    assert_eq!(presence_event(&mut bob_ws).await, state("alice", false));
    let tab1 = app.ws(&alice).await;
    assert_eq!(presence_event(&mut bob_ws).await, state("alice", true));
    let tab2 = app.ws(&alice).await;
    drop(tab1);
    assert!(bob_ws.quiet_for(500).await, "a second tab is not news, nor closing one of two");
    drop(tab2);
    assert_eq!(presence_event(&mut bob_ws).await, state("alice", false));
    // Without userIds: every co-member and contact.
    let _tab3 = app.ws(&alice).await;
    let mut all = app.ws(&bob).await;
    watch(&mut all, None).await;
    assert_eq!(presence_event(&mut all).await, state("alice", true));
}

#[tokio::test]
async fn strangers_presence_cannot_be_watched() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (mallory, _) = app.register("mallory").await;
    let mut ws = app.ws(&mallory).await;
    watch(&mut ws, Some(vec![&alice_id, "junk"])).await;
    let _alice_online = app.ws(&alice).await;
    assert!(ws.quiet_for(500).await, "no snapshot and no changes for unrelated users");
    let mut anon = app.ws_raw(None).await.unwrap();
    anon.send(json!({ "type": "connection_init" })).await;
    anon.recv().await.unwrap();
    watch(&mut anon, None).await;
    assert_eq!(anon.recv().await.unwrap()["payload"][0]["message"], "log in first");
}

/// An instance killed with SIGKILL says nothing; its users still go offline
/// once their heartbeats expire.
#[tokio::test]
async fn users_of_a_killed_instance_go_offline() {
    let redis = redis_url();
    let b = spawn_app_with(Opts { redis_url: Some(redis.clone()), presence_ttl_ms: 1500, ..Opts::default() })
        .await;
    let (alice, alice_id) = b.register("alice").await;
    let (bob, _) = b.register("bob").await;
    let room = b.create_room(&alice, "General").await;
    b.join(&bob, &room).await;

    let (mut child, a) =
        crate::fault::spawn_process(&b.db_url, &redis, &[("JECO_PRESENCE_TTL_MS", "1500")]).await;
    let mut bob_ws = b.ws(&bob).await;
    watch(&mut bob_ws, Some(vec![&alice_id])).await;
    assert_eq!(presence_event(&mut bob_ws).await, state("alice", false));
    let _alice_on_a = a.ws(&alice).await;
    assert_eq!(presence_event(&mut bob_ws).await, state("alice", true));
    child.kill().unwrap(); // SIGKILL: no goodbye, no cleanup
    child.wait().unwrap();
    assert_eq!(presence_event(&mut bob_ws).await, state("alice", false));
}
