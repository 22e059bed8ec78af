//! Edit, delete, reactions, replies and pins: who may, what is written, what
//! every member sees live, and what a reconnecting client replays.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

const MSG: &str = "message{ id body editedAt deletedAt pinned replyToId replyTo{ id body } reactions{ emoji count reactedByViewer users{ username } } }";

async fn edit(app: &TestApp, token: &str, id: &str, body: &str) -> Value {
    app.mutate(Some(token), "editMessage", "EditMessageInput", json!({ "messageId": id, "body": body }), MSG)
        .await
}

async fn delete(app: &TestApp, token: &str, id: &str) -> Value {
    app.mutate(Some(token), "deleteMessage", "DeleteMessageInput", json!({ "messageId": id }), MSG).await
}

async fn react(app: &TestApp, token: &str, id: &str, emoji: &str, reacted: Option<bool>) -> Value {
    let input = json!({ "messageId": id, "emoji": emoji, "reacted": reacted });
    app.mutate(Some(token), "toggleReaction", "ToggleReactionInput", input, MSG).await
}

async fn pin(app: &TestApp, token: &str, id: &str, on: bool) -> Value {
    let name = if on { "pinMessage" } else { "unpinMessage" };
    app.mutate(Some(token), name, "PinMessageInput", json!({ "messageId": id }), MSG).await
}

async fn reply(app: &TestApp, token: &str, room: &str, to: &str, body: &str, client_id: &str) -> Value {
    let input = json!({ "conversationId": room, "body": body, "clientId": client_id, "replyToId": to });
    app.mutate(Some(token), "sendMessage", "SendMessageInput", input, MSG).await
}

fn code(payload: &Value) -> &str {
    payload["userErrors"][0]["code"].as_str().unwrap_or("none")
}

/// A room with owner alice, admin-less member bob and one message by bob.
async fn setup(app: &TestApp) -> (String, String, String, String) {
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "General").await;
    app.join(&bob, &room).await;
    let m = app.send(&bob, &room, "hello wrold", "b-1").await;
    let id = m["message"]["id"].as_str().unwrap().to_string();
    (alice, bob, room, id)
}

#[tokio::test]
async fn only_the_author_edits_and_the_same_text_is_a_no_op() {
    let app = spawn_app().await;
    let (alice, bob, _room, id) = setup(&app).await;
    let (carol, _) = app.register("carol").await;
    let before = app.snapshot().await;
    // Not allowed: another member (even the owner), a stranger, anonymous.
    assert_eq!(code(&edit(&app, &alice, &id, "hacked").await), "FORBIDDEN");
    assert_eq!(code(&edit(&app, &carol, &id, "hacked").await), "NOT_FOUND");
    let anon = app
        .mutate(None, "editMessage", "EditMessageInput", json!({ "messageId": id, "body": "x" }), MSG)
        .await;
    assert_eq!(code(&anon), "UNAUTHENTICATED");
    // Malformed: empty, too long, control characters, bad id.
    assert_eq!(code(&edit(&app, &bob, &id, "  ").await), "INVALID");
    assert_eq!(code(&edit(&app, &bob, &id, &"x".repeat(4001)).await), "TOO_LONG");
    assert_eq!(code(&edit(&app, &bob, &id, "a\u{7}b").await), "INVALID");
    assert_eq!(code(&edit(&app, &bob, "garbage", "x").await), "NOT_FOUND");
    assert_eq!(app.snapshot().await, before, "refused edits write nothing");
    let ok = edit(&app, &bob, &id, "hello world").await;
    assert_eq!(ok["userErrors"], json!([]));
    assert_eq!(ok["message"]["body"], "hello world");
    assert!(ok["message"]["editedAt"].is_string());
    let events = app.count("events").await;
    let same = edit(&app, &bob, &id, "hello world").await;
    assert_eq!(same["message"]["editedAt"], ok["message"]["editedAt"]);
    assert_eq!(app.count("events").await, events, "an unchanged edit writes no event");
}

#[tokio::test]
async fn delete_leaves_a_tombstone_for_author_or_moderators_only() {
    let app = spawn_app().await;
    let (alice, bob, room, id) = setup(&app).await;
    let (carol, _) = app.register("carol").await;
    app.join(&carol, &room).await;
    let (dave, _) = app.register("dave").await;
    let before = app.snapshot().await;
    assert_eq!(code(&delete(&app, &carol, &id).await), "FORBIDDEN", "a plain member can't delete others'");
    assert_eq!(code(&delete(&app, &dave, &id).await), "NOT_FOUND", "a stranger learns nothing");
    assert_eq!(app.snapshot().await, before);
    // The owner may delete bob's message; the body is gone, the row stays.
    let gone = delete(&app, &alice, &id).await;
    assert_eq!(gone["userErrors"], json!([]));
    assert!(gone["message"]["body"].is_null() && gone["message"]["deletedAt"].is_string());
    assert_eq!(app.count("messages").await, 1);
    assert_eq!(app.scalar("SELECT count(*) AS n FROM messages WHERE body IS NOT NULL").await, 0);
    // Again: no-op. Editing, reacting or pinning a tombstone is refused.
    let events = app.count("events").await;
    assert_eq!(delete(&app, &bob, &id).await["userErrors"], json!([]));
    assert_eq!(app.count("events").await, events);
    assert_eq!(code(&edit(&app, &bob, &id, "back").await), "INVALID");
    assert_eq!(code(&react(&app, &bob, &id, "👍", None).await), "INVALID");
    assert_eq!(code(&pin(&app, &bob, &id, true).await), "INVALID");
    assert_eq!(app.count("events").await, events);
    // The author may delete their own.
    let own = app.send(&carol, &room, "mine", "c-1").await["message"]["id"].as_str().unwrap().to_string();
    assert_eq!(delete(&app, &carol, &own).await["userErrors"], json!([]));
}

#[tokio::test]
async fn reactions_group_by_emoji_and_retries_are_idempotent() {
    let app = spawn_app().await;
    let (alice, bob, _room, id) = setup(&app).await;
    let r = react(&app, &alice, &id, "👍", None).await;
    assert_eq!(r["userErrors"], json!([]));
    react(&app, &bob, &id, "👍", None).await;
    react(&app, &bob, &id, "🇫🇷", None).await;
    let r = react(&app, &alice, &id, "👍🏽", Some(true)).await;
    let groups = &r["message"]["reactions"];
    assert_eq!(groups[0]["emoji"], "👍");
    assert_eq!(groups[0]["count"], 2);
    assert_eq!(groups[0]["reactedByViewer"], true);
    assert_eq!(groups[0]["users"], json!([{ "username": "alice" }, { "username": "bob" }]));
    assert_eq!(groups[1]["emoji"], "🇫🇷");
    assert_eq!(groups[1]["reactedByViewer"], false);
    assert_eq!(groups[2]["emoji"], "👍🏽");
    // Setting the same state again writes nothing.
    let (rows, events) = (app.count("reactions").await, app.count("events").await);
    react(&app, &alice, &id, "👍🏽", Some(true)).await;
    react(&app, &alice, &id, "🦀", Some(false)).await;
    assert_eq!((app.count("reactions").await, app.count("events").await), (rows, events));
    // Toggling removes.
    let r = react(&app, &alice, &id, "👍", None).await;
    assert_eq!(r["message"]["reactions"][0]["count"], 1);
    // Malformed emoji and strangers change nothing.
    let (mallory, _) = app.register("mallory").await;
    let before = app.snapshot().await;
    for bad in ["", "ok", "<img src=x>", "👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍", "a👍"]
    {
        assert_eq!(code(&react(&app, &alice, &id, bad, None).await), "INVALID", "{bad:?}");
    }
    assert_eq!(code(&react(&app, &mallory, &id, "👍", None).await), "NOT_FOUND");
    assert_eq!(app.snapshot().await, before, "refused reactions write nothing");
}

#[tokio::test]
async fn replies_quote_the_original_and_notify_its_author() {
    let app = spawn_app().await;
    let (alice, bob, room, id) = setup(&app).await;
    let r = reply(&app, &alice, &room, &id, "answer", "a-1").await;
    assert_eq!(r["userErrors"], json!([]));
    assert_eq!(r["message"]["replyToId"], id.as_str());
    assert_eq!(r["message"]["replyTo"]["body"], "hello wrold");
    let n = app
        .gql(Some(&bob), "{ notifications(first: 5){ nodes{ kind actor{ username } } } }", json!({}))
        .await;
    assert_eq!(
        n["data"]["notifications"]["nodes"],
        json!([{ "kind": "REPLY", "actor": { "username": "alice" } }])
    );
    // Replying to yourself notifies nobody.
    reply(&app, &bob, &room, &id, "me again", "b-2").await;
    assert_eq!(app.count("notifications").await, 1);
    // A message of another conversation (even one the sender can see) can't be replied to.
    let other = app.create_room(&alice, "Other").await;
    let elsewhere = app.send(&alice, &other, "x", "a-2").await["message"]["id"].as_str().unwrap().to_string();
    let before = app.snapshot().await;
    assert_eq!(code(&reply(&app, &alice, &room, &elsewhere, "nope", "a-3").await), "NOT_FOUND");
    assert_eq!(code(&reply(&app, &alice, &room, "garbage", "nope", "a-4").await), "NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
    // The original deleted: the reply keeps pointing at the tombstone.
    delete(&app, &bob, &id).await;
    let h = app
        .gql(
            Some(&alice),
            "query($c: ID!){ conversation(id: $c){ messages(last: 1){ nodes{ replyTo{ id body deletedAt } } } } }",
            json!({ "c": room }),
        )
        .await;
    let quoted = &h["data"]["conversation"]["messages"]["nodes"][0]["replyTo"];
    assert_eq!(quoted["id"], id.as_str());
    assert!(quoted["body"].is_null() && quoted["deletedAt"].is_string());
}

#[tokio::test]
async fn pins_respect_the_room_setting_and_list_newest_first() {
    let app = spawn_app().await;
    let (alice, bob, room, id) = setup(&app).await;
    let second =
        app.send(&alice, &room, "second", "a-1").await["message"]["id"].as_str().unwrap().to_string();
    assert_eq!(pin(&app, &bob, &id, true).await["message"]["pinned"], true);
    pin(&app, &bob, &second, true).await;
    let events = app.count("events").await;
    pin(&app, &bob, &second, true).await;
    assert_eq!(app.count("events").await, events, "pinning twice is a no-op");
    let list = app
        .gql(
            Some(&bob),
            "query($c: ID!){ conversation(id: $c){ pinnedMessages{ id pinnedBy{ username } } } }",
            json!({ "c": room }),
        )
        .await;
    let pinned = &list["data"]["conversation"]["pinnedMessages"];
    assert_eq!(pinned[0]["id"], second.as_str());
    assert_eq!(pinned[1]["id"], id.as_str());
    assert_eq!(pinned[0]["pinnedBy"]["username"], "bob");
    // The owner restricts pins to admins: bob can no longer unpin.
    let upd = app
        .mutate(
            Some(&alice),
            "updateRoom",
            "UpdateRoomInput",
            json!({ "conversationId": room, "pinsAdminOnly": true }),
            "conversation{ pinsAdminOnly }",
        )
        .await;
    assert_eq!(upd["conversation"]["pinsAdminOnly"], true);
    // Refused: bob changing the setting back or unpinning, carol (a stranger)
    // unpinning. None of it writes anything.
    let (carol, _) = app.register("carol").await;
    let before = app.snapshot().await;
    let bob_room = app
        .mutate(
            Some(&bob),
            "updateRoom",
            "UpdateRoomInput",
            json!({ "conversationId": room, "pinsAdminOnly": false }),
            "conversation{ id }",
        )
        .await;
    assert_eq!(code(&bob_room), "FORBIDDEN");
    assert_eq!(code(&pin(&app, &bob, &id, false).await), "FORBIDDEN");
    assert_eq!(code(&pin(&app, &carol, &id, false).await), "NOT_FOUND");
    assert_eq!(app.snapshot().await, before, "refused pin changes write nothing");
    assert_eq!(pin(&app, &alice, &id, false).await["message"]["pinned"], false);
    // Strangers see no pins.
    let list = app
        .gql(
            Some(&carol),
            "query($c: ID!){ conversation(id: $c){ pinnedMessages{ id } } }",
            json!({ "c": room }),
        )
        .await;
    assert_eq!(list["data"]["conversation"]["pinnedMessages"], json!([]));
}

/// Every member sees edits, deletes, reactions, pins and room changes live, and
/// a client that was away replays exactly the same events from its cursor.
#[tokio::test]
async fn changes_are_live_and_replayed_after_a_disconnect() {
    let app = spawn_app().await;
    let (alice, bob, room, id) = setup(&app).await;
    // Start from a cursor taken before "ping", so the stream has it whether the
    // subscription registers before or after the send commits.
    let head = app.gql(Some(&alice), op("EventCursor"), json!({})).await["data"]["eventCursor"].clone();
    let mut ws = app.ws(&alice).await;
    ws.subscribe_events("s", Some(&room), head.as_str()).await;
    app.send(&bob, &room, "ping", "b-2").await;
    let ping = ws.event_where("s", |e| e["payload"]["message"]["body"] == "ping").await;
    let cursor = ping["cursor"].as_str().unwrap().to_string();
    edit(&app, &bob, &id, "hello world").await;
    react(&app, &alice, &id, "🎉", None).await;
    pin(&app, &bob, &id, true).await;
    pin(&app, &bob, &id, false).await;
    app.mutate(
        Some(&alice),
        "updateRoom",
        "UpdateRoomInput",
        json!({ "conversationId": room, "topic": "News" }),
        "conversation{ id }",
    )
    .await;
    delete(&app, &bob, &id).await;
    let mut live = Vec::new();
    for _ in 0..6 {
        live.push(ws.event("s").await);
    }
    let kinds: Vec<&str> = live.iter().map(|e| e["payload"]["__typename"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "MessageEdited",
            "ReactionsChanged",
            "MessagePinned",
            "MessageUnpinned",
            "ConversationUpdated",
            "MessageDeleted"
        ]
    );
    assert_eq!(live[0]["payload"]["message"]["body"], "hello world");
    assert_eq!(
        live[1]["payload"]["reactions"],
        json!([{ "emoji": "🎉", "count": 1, "users": [{ "username": "alice" }] }])
    );
    assert_eq!(live[2]["payload"]["by"]["username"], "bob");
    assert_eq!(live[4]["payload"]["conversation"]["topic"], "News");
    assert!(live[5]["payload"]["message"]["body"].is_null());
    // Replay from before the changes: the same events, same cursors, in order.
    let mut again = app.ws(&bob).await;
    again.subscribe_events("r", Some(&room), Some(&cursor)).await;
    for expected in &live {
        let ev = again.event("r").await;
        assert_eq!(ev["cursor"], expected["cursor"]);
        assert_eq!(ev["payload"]["__typename"], expected["payload"]["__typename"]);
    }
    assert!(again.quiet_for(300).await, "nothing doubled");
}
