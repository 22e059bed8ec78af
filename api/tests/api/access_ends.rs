//! Access that ends when it should: a removed member's lagging stream, typing
//! and presence; blocks that can't be routed around through rooms; role
//! checks read under the row lock; client ids bound to one conversation.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::presence::{presence_event, state, watch};

const INVITE: &str = "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ userErrors{ field code message } } }";
const REMOVE: &str = "mutation($c: ID!, $u: ID!){ removeMember(input:{conversationId:$c, userId:$u}){ userErrors{ field code } } }";
const ROLE: &str = "mutation($c: ID!, $u: ID!, $a: Boolean!){ setMemberRole(input:{conversationId:$c, userId:$u, admin:$a}){ userErrors{ code } } }";
const UNREAD: &str = "{ unreadNotificationCount }";

async fn private_room(app: &TestApp, owner: &str, name: &str) -> String {
    let q = "mutation($n: String!){ createRoom(input:{name:$n, visibility: PRIVATE}){ conversation{ id } } }";
    let r = app.gql(Some(owner), q, json!({ "n": name })).await;
    r["data"]["createRoom"]["conversation"]["id"].as_str().unwrap().to_string()
}

async fn invite(app: &TestApp, token: &str, room: &str, user: &str) -> Value {
    app.gql(Some(token), INVITE, json!({ "c": room, "u": user })).await["data"]["inviteToRoom"]["userErrors"]
        .clone()
}

async fn relate(app: &TestApp, token: &str, op: &str, user: &str) {
    let q = format!("mutation($u: ID!){{ {op}(input:{{userId:$u}}){{ userErrors{{ code }} }} }}");
    let r = app.gql(Some(token), &q, json!({ "u": user })).await;
    assert_eq!(r["data"][op]["userErrors"], json!([]), "{r}");
}

/// The reader lags past the live buffer (one event) exactly while it is
/// removed from a room: the events are committed while a transaction of the
/// test holds the log horizon, so the tailer publishes them in one burst. The
/// replay must see the viewer's own `MemberLeft`, and nothing of the room after.
#[tokio::test]
async fn a_lagging_stream_stops_following_a_room_the_viewer_was_removed_from() {
    let app = spawn_app_with(Opts { live_buffer: 1, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let secret = private_room(&app, &alice, "Secret").await;
    assert_eq!(invite(&app, &alice, &secret, &bob_id).await, json!([]));
    let lobby = app.create_room(&alice, "Lobby").await;
    app.join(&bob, &lobby).await;
    let mut ws = app.ws(&bob).await;
    // From the log's start: a stream started at the head could read its head
    // just after "ready" committed and wait for it forever.
    ws.subscribe_events("e", None, Some(&crate::ws_client::log_start())).await;
    app.send(&alice, &lobby, "ready", "ready").await;
    ws.event_where("e", |e| e["payload"]["message"]["body"] == "ready").await;

    let mut hold = AsyncPgConnection::establish(&app.db_url).await.unwrap();
    hold.batch_execute("BEGIN; SELECT pg_current_xact_id();").await.unwrap();
    let r = app.gql(Some(&alice), REMOVE, json!({ "c": secret, "u": bob_id })).await;
    assert_eq!(r["data"]["removeMember"]["userErrors"], json!([]), "{r}");
    for i in 0..3 {
        app.send(&alice, &secret, &format!("secret {i}"), &format!("s{i}")).await;
        app.send(&alice, &lobby, &format!("noise {i}"), &format!("n{i}")).await;
    }
    hold.batch_execute("COMMIT").await.unwrap();
    // Live again: one more in the room bob left, then a marker he may see.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    app.send(&alice, &secret, "after removal", "after").await;
    // Apart, so the stream takes "after removal" live, not in another replay.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    app.send(&alice, &lobby, "marker", "marker").await;

    let mut seen = Vec::new();
    loop {
        let e = ws.event("e").await;
        let body = e["payload"]["message"]["body"].clone();
        seen.push((e["conversationId"].clone(), e["payload"]["__typename"].clone(), body.clone()));
        if body == "marker" {
            break;
        }
        assert!(seen.len() < 100, "no marker: {seen:?}");
    }
    let in_secret: Vec<_> = seen.iter().filter(|(c, _, _)| *c == secret).collect();
    assert_eq!(in_secret, vec![&(json!(secret), json!("MemberLeft"), Value::Null)], "{seen:?}");
}

#[tokio::test]
async fn a_removed_members_typing_stream_ends() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let room = private_room(&app, &alice, "Secret").await;
    invite(&app, &alice, &room, &bob_id).await;
    let mut ws = app.ws(&bob).await;
    crate::typing::watch(&mut ws, &room).await;
    app.gql(Some(&alice), REMOVE, json!({ "c": room, "u": bob_id })).await;
    // The end follows the removal's log event; another test holding the log
    // horizon of this PostgreSQL cluster can delay it by a few seconds.
    let m = tokio::time::timeout(std::time::Duration::from_secs(10), ws.recv()).await;
    let m = m.expect("the typing stream ends within 10 s of the removal").unwrap();
    assert_eq!(m, json!({ "id": "t", "type": "complete" }));
    crate::typing::set_typing(&app, &alice, &room, true).await;
    assert!(ws.quiet_for(500).await, "nothing after the end");
}

/// Adding someone as a contact is one-sided: it must not let you watch a
/// person who blocked you.
#[tokio::test]
async fn a_contact_who_blocked_you_cannot_be_watched() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (mallory, mallory_id) = app.register("mallory").await;
    relate(&app, &mallory, "addContact", &alice_id).await;
    relate(&app, &alice, "blockUser", &mallory_id).await;
    let mut ws = app.ws(&mallory).await;
    watch(&mut ws, Some(vec![&alice_id])).await;
    let _alice_online = app.ws(&alice).await;
    assert!(ws.quiet_for(700).await, "no snapshot and no changes of someone who blocked you");
}

/// The watchable set follows blocks and memberships while the stream runs.
#[tokio::test]
async fn presence_follows_blocks_and_memberships_while_watching() {
    let app = spawn_app_with(Opts { presence_ttl_ms: 900, ..Opts::default() }).await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let (carol, carol_id) = app.register("carol").await;
    let room = app.create_room(&bob, "General").await;
    app.join(&alice, &room).await;
    let mut ws = app.ws(&bob).await;
    watch(&mut ws, Some(vec![&alice_id, &carol_id])).await;
    assert_eq!(presence_event(&mut ws).await, state("alice", false));
    // carol is nobody to bob yet; once she joins bob's room she is watchable.
    app.join(&carol, &room).await;
    assert_eq!(presence_event(&mut ws).await, state("carol", false));
    // alice blocks bob: from the next re-check on, bob hears nothing of her.
    relate(&app, &alice, "blockUser", &bob_id).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let _alice_online = app.ws(&alice).await;
    assert!(ws.quiet_for(800).await, "alice blocked bob");
    let _carol_online = app.ws(&carol).await;
    assert_eq!(presence_event(&mut ws).await, state("carol", true));
}

/// Inviting someone who blocked you is refused like a direct message to them.
#[tokio::test]
async fn a_user_who_blocked_you_cannot_be_invited() {
    let app = spawn_app().await;
    let (mallory, mallory_id) = app.register("mallory").await;
    let (bob, bob_id) = app.register("bob").await;
    let room = private_room(&app, &mallory, "Trap").await;
    relate(&app, &bob, "blockUser", &mallory_id).await;
    let before = app.snapshot().await;
    assert_eq!(
        invite(&app, &mallory, &room, &bob_id).await,
        json!([{ "field": "userId", "code": "FORBIDDEN", "message": "this user does not accept invitations from you" }])
    );
    assert_eq!(app.snapshot().await, before);
}

/// In a room they share, someone blocked can't notify by @mention or reply.
#[tokio::test]
async fn mentions_and_replies_from_a_blocked_user_do_not_notify() {
    let app = spawn_app().await;
    let (mallory, mallory_id) = app.register("mallory").await;
    let (bob, _) = app.register("bob").await;
    let (carol, _) = app.register("carol").await;
    let room = app.create_room(&carol, "General").await;
    app.join(&mallory, &room).await;
    app.join(&bob, &room).await;
    relate(&app, &bob, "blockUser", &mallory_id).await;
    let mine = app.send(&bob, &room, "hello all", "b1").await["message"]["id"].as_str().unwrap().to_string();
    app.send(&mallory, &room, "@bob look at me", "m1").await;
    let q = "mutation($c: ID!, $r: ID!){ sendMessage(input:{conversationId:$c, body:\"re\", clientId:\"m2\", replyToId:$r}){ userErrors{ code } } }";
    app.gql(Some(&mallory), q, json!({ "c": room, "r": mine })).await;
    assert_eq!(app.gql(Some(&bob), UNREAD, json!({})).await["data"]["unreadNotificationCount"], 0);
    // Others still notify bob.
    app.send(&carol, &room, "@bob hi", "c1").await;
    assert_eq!(app.gql(Some(&bob), UNREAD, json!({})).await["data"]["unreadNotificationCount"], 1);
}

/// A demotion that commits while a moderation action waits for the room's row
/// lock is seen by that action: the role is read after the lock.
#[tokio::test]
async fn a_demoted_admin_cannot_act_even_in_a_race() {
    let app = spawn_app().await;
    let (owner, _) = app.register("owner").await;
    let (admin, admin_id) = app.register("admin").await;
    let (member, member_id) = app.register("member").await;
    let room = private_room(&app, &owner, "Secret").await;
    invite(&app, &owner, &room, &admin_id).await;
    invite(&app, &owner, &room, &member_id).await;
    app.gql(Some(&owner), ROLE, json!({ "c": room, "u": admin_id, "a": true })).await;
    let msg = app.send(&member, &room, "by member", "m").await["message"]["id"].as_str().unwrap().to_string();
    let before = app.snapshot().await;
    let delete = "mutation($m: ID!){ deleteMessage(input:{messageId:$m}){ userErrors{ code } } }";
    // The demotion, in flight: the room locked and the role changed, not committed.
    let mut demote = AsyncPgConnection::establish(&app.db_url).await.unwrap();
    demote
        .batch_execute(
            "BEGIN; SELECT id FROM conversations WHERE name = 'Secret' FOR UPDATE;
             UPDATE members SET role = 'member' WHERE user_id = (SELECT id FROM users WHERE username = 'admin');",
        )
        .await
        .unwrap();
    let (remove, del) = {
        let a = app.gql(Some(&admin), REMOVE, json!({ "c": room, "u": member_id }));
        let d = app.gql(Some(&admin), delete, json!({ "m": msg }));
        let commit = async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            demote.batch_execute("COMMIT").await.unwrap();
        };
        let (a, d, ()) = tokio::join!(a, d, commit);
        (a, d)
    };
    assert_eq!(remove["data"]["removeMember"]["userErrors"][0]["code"], "FORBIDDEN", "{remove}");
    assert_eq!(del["data"]["deleteMessage"]["userErrors"][0]["code"], "FORBIDDEN", "{del}");
    assert_eq!(app.snapshot().await, before);
    // And plainly, after the demotion.
    let r = app.gql(Some(&admin), REMOVE, json!({ "c": room, "u": member_id })).await;
    assert_eq!(r["data"]["removeMember"]["userErrors"][0]["code"], "FORBIDDEN", "{r}");
}

/// A client id names one message: reused in another conversation it is
/// refused, and never answers with the first conversation's message.
#[tokio::test]
async fn a_client_id_reused_in_another_conversation_is_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let first = app.create_room(&alice, "First").await;
    let second = app.create_room(&alice, "Second").await;
    let sent = app.send(&alice, &first, "in first", "same").await;
    let before = app.snapshot().await;
    let again = app.send(&alice, &second, "in second", "same").await;
    assert_eq!(again["message"], Value::Null, "{again}");
    assert_eq!(again["userErrors"][0]["field"], "clientId", "{again}");
    assert_eq!(again["userErrors"][0]["code"], "INVALID", "{again}");
    assert_eq!(app.snapshot().await, before);
    // A retry in the first conversation is still the same message.
    assert_eq!(app.send(&alice, &first, "in first", "same").await["message"]["id"], sent["message"]["id"]);
}
