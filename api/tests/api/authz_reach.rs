//! The authorization matrix, continued: fields reached indirectly — through a
//! notification, a search result, a reply's `replyTo` and `node(id:)` — answer
//! as a direct read would. A member removed from a private room keeps their
//! notifications (kind, actor, time) but sees no message content, reactions,
//! receipts, members or unread count of that room any more.

use serde_json::{json, Value};

use crate::helpers::*;

const INVITE: &str =
    "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }";
const REMOVE: &str =
    "mutation($c: ID!, $u: ID!){ removeMember(input:{conversationId:$c, userId:$u}){ userErrors{ code } } }";
const REPLY: &str = "mutation($c: ID!, $r: ID!){ sendMessage(input:{conversationId:$c, body:\"@former @member see above\", clientId:\"reply\", replyToId:$r}){ message{ id } userErrors{ code } } }";

/// Everything a notification leads to, in one query.
const NOTIFICATIONS: &str = "{ notifications(first: 10){ nodes{ kind actor{ username } message{ body reactions{ emoji } seenBy{ username } replyTo{ body } conversation{ name unreadCount members(first: 10){ nodes{ user{ username } } } } } conversation{ name unreadCount memberCount members(first: 10){ nodes{ user{ username } } } lastMessage{ body } pinnedMessages{ body } } } } }";

/// Search, replies and `node(id:)`.
const DIRECT: &str = "query($c: ID!, $m: ID!, $r: ID!){ searchMessages(query: \"above\"){ edges{ node{ body conversation{ name } } } } conversation(id:$c){ name } node(id:$m){ id } reply: node(id:$r){ ... on Message { body replyTo{ body } } } }";

struct Room {
    app: TestApp,
    owner: String,
    member: String,
    former: String,
    stranger: String,
    room: String,
    original: String,
    reply: String,
}

/// A private room: the owner replies to (and mentions) the former member and a
/// member; the message gets a reaction and a read receipt; then the former
/// member is removed.
async fn setup() -> Room {
    let app = spawn_app().await;
    let (owner, _) = app.register("owner").await;
    let (member, member_id) = app.register("member").await;
    let (former, former_id) = app.register("former").await;
    let (stranger, _) = app.register("stranger").await;
    let r = app
        .gql(
            Some(&owner),
            "mutation{ createRoom(input:{name:\"Secret\", visibility: PRIVATE}){ conversation{ id } } }",
            json!({}),
        )
        .await;
    let room = r["data"]["createRoom"]["conversation"]["id"].as_str().unwrap().to_string();
    for u in [&member_id, &former_id] {
        app.gql(Some(&owner), INVITE, json!({ "c": room, "u": u })).await;
    }
    let original =
        app.send(&former, &room, "secret plan", "o").await["message"]["id"].as_str().unwrap().to_string();
    let r = app.gql(Some(&owner), REPLY, json!({ "c": room, "r": original })).await;
    let reply = r["data"]["sendMessage"]["message"]["id"].as_str().unwrap().to_string();
    app.gql(
        Some(&member),
        "mutation($m: ID!){ toggleReaction(input:{messageId:$m, emoji:\"👍\"}){ userErrors{ code } } }",
        json!({ "m": reply }),
    )
    .await;
    app.gql(
        Some(&member),
        "mutation($c: ID!, $m: ID!){ markRead(input:{conversationId:$c, upToMessageId:$m}){ userErrors{ code } } }",
        json!({ "c": room, "m": reply }),
    )
    .await;
    let removed = app.gql(Some(&owner), REMOVE, json!({ "c": room, "u": former_id })).await;
    assert_eq!(removed["data"]["removeMember"]["userErrors"], json!([]), "{removed}");
    Room { app, owner, member, former, stranger, room, original, reply }
}

fn notifications(r: &Value) -> Vec<Value> {
    r["data"]["notifications"]["nodes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn notifications_show_what_a_direct_read_shows() {
    let s = setup().await;
    // The member still sees everything the notification leads to.
    let r = s.app.gql(Some(&s.member), NOTIFICATIONS, json!({})).await;
    let nodes = notifications(&r);
    assert_eq!(nodes.len(), 1, "{r}");
    assert_eq!(nodes[0]["kind"], "MENTION");
    assert_eq!(nodes[0]["message"]["body"], "@former @member see above");
    assert_eq!(nodes[0]["message"]["reactions"], json!([{ "emoji": "👍" }]));
    assert_eq!(nodes[0]["message"]["seenBy"], json!([{ "username": "member" }]));
    assert_eq!(nodes[0]["message"]["replyTo"], json!({ "body": "secret plan" }));
    assert_eq!(nodes[0]["conversation"]["name"], "Secret");
    assert_eq!(nodes[0]["conversation"]["memberCount"], 2);
    // The removed member keeps the notification itself, and nothing behind it:
    // `message` and `conversation` are null, as `node(id:)` and
    // `conversation(id:)` answer them.
    let r = s.app.gql(Some(&s.former), NOTIFICATIONS, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    let nodes = notifications(&r);
    assert_eq!(nodes.len(), 1, "one notification per message and person: {r}");
    assert_eq!(
        nodes[0],
        json!({ "kind": "MENTION", "actor": { "username": "owner" }, "message": null, "conversation": null })
    );
    // Nobody else was notified.
    for token in [&s.owner, &s.stranger] {
        assert_eq!(
            notifications(&s.app.gql(Some(token), NOTIFICATIONS, json!({})).await),
            Vec::<Value>::new()
        );
    }
}

#[tokio::test]
async fn search_replies_and_node_show_what_a_direct_read_shows() {
    let s = setup().await;
    let vars = json!({ "c": s.room, "m": s.original, "r": s.reply });
    let r = s.app.gql(Some(&s.member), DIRECT, vars.clone()).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(
        r["data"]["searchMessages"]["edges"],
        json!([{ "node": { "body": "@former @member see above", "conversation": { "name": "Secret" } } }])
    );
    assert_eq!(r["data"]["conversation"], json!({ "name": "Secret" }));
    assert_eq!(r["data"]["node"], json!({ "id": s.original }));
    assert_eq!(
        r["data"]["reply"],
        json!({ "body": "@former @member see above", "replyTo": { "body": "secret plan" } })
    );
    // The removed member and a stranger: nothing, not even their own old message.
    for token in [&s.former, &s.stranger] {
        let r = s.app.gql(Some(token), DIRECT, vars.clone()).await;
        assert!(r["errors"].is_null(), "{r}");
        assert_eq!(r["data"]["searchMessages"]["edges"], json!([]), "{r}");
        assert_eq!(r["data"]["conversation"], Value::Null, "{r}");
        assert_eq!(r["data"]["node"], Value::Null, "{r}");
        assert_eq!(r["data"]["reply"], Value::Null, "{r}");
    }
}

/// A public room's notification keeps its conversation (anyone may read a
/// public room's name and members), but not the unread count, which is the
/// viewer's own count as a member: 0 once they left.
#[tokio::test]
async fn a_public_room_left_keeps_its_face_not_its_unread_count() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "Lobby").await;
    app.join(&bob, &room).await;
    app.send(&alice, &room, "hi @bob", "m1").await;
    app.send(&alice, &room, "more", "m2").await;
    let q = "{ notifications(first: 5){ nodes{ message{ body } conversation{ name unreadCount } } } }";
    let r = app.gql(Some(&bob), q, json!({})).await;
    assert_eq!(
        notifications(&r),
        vec![
            json!({ "message": { "body": "hi @bob" }, "conversation": { "name": "Lobby", "unreadCount": 2 } })
        ]
    );
    app.gql(
        Some(&bob),
        "mutation($c: ID!){ leaveRoom(input:{conversationId:$c}){ userErrors{ code } } }",
        json!({ "c": room }),
    )
    .await;
    let r = app.gql(Some(&bob), q, json!({})).await;
    assert_eq!(
        notifications(&r),
        vec![json!({ "message": null, "conversation": { "name": "Lobby", "unreadCount": 0 } })]
    );
}
