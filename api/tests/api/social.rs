use std::collections::HashSet;

use serde_json::json;

use crate::helpers::*;

const OPEN: &str = "mutation($u: ID!){ openDirectConversation(input:{userId:$u}){ conversation{ id kind name visibility peer{ username } } userErrors{ field code } } }";

async fn open(app: &TestApp, token: &str, user: &str) -> serde_json::Value {
    app.gql(Some(token), OPEN, json!({ "u": user })).await["data"]["openDirectConversation"].clone()
}

async fn relate(app: &TestApp, token: &str, op: &str, user: &str) -> serde_json::Value {
    let q = format!("mutation($u: ID!){{ {op}(input:{{userId:$u}}){{ user{{ username isContact isBlocked }} userErrors{{ field code }} }} }}");
    app.gql(Some(token), &q, json!({ "u": user })).await["data"][op].clone()
}

#[tokio::test]
async fn one_direct_conversation_per_pair_even_when_opened_concurrently() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let opens = futures_util::future::join_all((0..6).map(|i| {
        if i % 2 == 0 {
            open(&app, &alice, &bob_id)
        } else {
            open(&app, &bob, &alice_id)
        }
    }))
    .await;
    let ids: HashSet<_> =
        opens.iter().map(|p| p["conversation"]["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 1, "{opens:?}");
    assert_eq!(app.count("conversations").await, 1);
    assert_eq!(app.count("members").await, 2);
    let p = open(&app, &alice, &bob_id).await;
    assert_eq!(p["conversation"]["kind"], "DIRECT");
    assert_eq!(p["conversation"]["visibility"], "PRIVATE");
    assert_eq!(p["conversation"]["peer"]["username"], "bob");
    let dm = p["conversation"]["id"].as_str().unwrap().to_string();
    assert_eq!(app.send(&bob, &dm, "hi alice", "d1").await["userErrors"], json!([]));
    // A third user cannot see or write into it.
    let (carol, _) = app.register("carol").await;
    let before = app.snapshot().await;
    assert_eq!(app.send(&carol, &dm, "hey", "c1").await["userErrors"][0]["code"], "NOT_FOUND");
    let r = app.gql(Some(&carol), "query($id: ID!){ conversation(id:$id){ id } }", json!({ "id": dm })).await;
    assert_eq!(r["data"]["conversation"], json!(null));
    let r = app
        .gql(
            Some(&carol),
            "mutation($c: ID!){ joinRoom(input:{conversationId:$c}){ userErrors{ code } } }",
            json!({ "c": dm }),
        )
        .await;
    assert_eq!(r["data"]["joinRoom"]["userErrors"], json!([{ "code": "NOT_FOUND" }]));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn bad_direct_opens_write_nothing() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let room_like = "Q29udmVyc2F0aW9uOjE"; // a Conversation id, not a User id
    let before = app.snapshot().await;
    for (user, code) in [
        (alice_id.as_str(), "INVALID"),
        ("VXNlcjo5OTk5", "NOT_FOUND"),
        ("garbage", "NOT_FOUND"),
        (room_like, "NOT_FOUND"),
    ] {
        assert_eq!(open(&app, &alice, user).await["userErrors"][0]["code"], code, "{user}");
    }
    let r = app.gql(None, OPEN, json!({ "u": alice_id })).await;
    assert_eq!(r["data"]["openDirectConversation"]["userErrors"][0]["code"], "UNAUTHENTICATED");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_blocked_user_cannot_message_you() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (mallory, mallory_id) = app.register("mallory").await;
    let dm = open(&app, &mallory, &alice_id).await["conversation"]["id"].as_str().unwrap().to_string();
    let room = app.create_room(&alice, "General").await;
    app.join(&mallory, &room).await;
    let p = relate(&app, &alice, "blockUser", &mallory_id).await;
    assert_eq!(p["user"], json!({ "username": "mallory", "isContact": false, "isBlocked": true }));
    let before = app.snapshot().await;
    let sent = app.send(&mallory, &dm, "let me in", "m1").await;
    assert_eq!(
        sent["userErrors"],
        json!([{ "field": "userId", "code": "FORBIDDEN", "message": "this user does not accept your messages" }])
    );
    assert_eq!(open(&app, &mallory, &alice_id).await["userErrors"][0]["code"], "FORBIDDEN");
    assert_eq!(app.snapshot().await, before);
    // Rooms are shared spaces: the block does not silence the room.
    assert_eq!(app.send(&mallory, &room, "in the room", "m2").await["userErrors"], json!([]));
    // Alice can still write; unblocking lets mallory write again.
    assert_eq!(app.send(&alice, &dm, "bye", "a1").await["userErrors"], json!([]));
    relate(&app, &alice, "unblockUser", &mallory_id).await;
    assert_eq!(app.send(&mallory, &dm, "sorry", "m3").await["userErrors"], json!([]));
}

#[tokio::test]
async fn contacts_and_search() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (_, bob_id) = app.register("bob").await;
    let (_, carol_id) = app.register("carol").await;
    for _ in 0..2 {
        let p = relate(&app, &alice, "addContact", &bob_id).await;
        assert_eq!(p["user"], json!({ "username": "bob", "isContact": true, "isBlocked": false }));
    }
    relate(&app, &alice, "addContact", &carol_id).await;
    assert_eq!(app.count("contacts").await, 2);
    let r = app
        .gql(
            Some(&alice),
            "{ contacts(first: 1){ nodes{ username } pageInfo{ hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["contacts"]["nodes"], json!([{ "username": "bob" }]));
    let after = r["data"]["contacts"]["pageInfo"]["endCursor"].clone();
    let r = app
        .gql(
            Some(&alice),
            "query($a: String){ contacts(first: 5, after: $a){ nodes{ username } } }",
            json!({ "a": after }),
        )
        .await;
    assert_eq!(r["data"]["contacts"]["nodes"], json!([{ "username": "carol" }]));
    relate(&app, &alice, "removeContact", &carol_id).await;
    relate(&app, &alice, "removeContact", &carol_id).await;
    // Blocking also removes from contacts.
    relate(&app, &alice, "blockUser", &bob_id).await;
    assert_eq!(app.count("contacts").await, 0);

    // Search by username or display name; email never searched or shown.
    let r =
        app.gql(Some(&alice), "{ searchUsers(query: \"CAR\"){ nodes{ username email } } }", json!({})).await;
    assert_eq!(r["data"]["searchUsers"]["nodes"], json!([{ "username": "carol", "email": null }]));
    let r = app
        .gql(Some(&alice), "{ searchUsers(query: \"example.com\"){ nodes{ username } } }", json!({}))
        .await;
    assert_eq!(r["data"]["searchUsers"]["nodes"], json!([]));
    let r = app.gql(Some(&alice), "{ searchUsers(query: \"  \"){ nodes{ username } } }", json!({})).await;
    assert_eq!(r["errors"][0]["message"], "query must be 1–64 characters");
    let r = app.gql(None, "{ searchUsers(query: \"a\"){ nodes{ username } } }", json!({})).await;
    assert_eq!(r["errors"][0]["message"], "log in first");

    // Not allowed and malformed: nothing written.
    let before = app.snapshot().await;
    let contacts = app.count("contacts").await;
    let alice_id = app.gql(Some(&alice), "{ viewer { id } }", json!({})).await["data"]["viewer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        relate(&app, &alice, "addContact", &alice_id).await["userErrors"],
        json!([{ "field": "userId", "code": "INVALID" }])
    );
    assert_eq!(
        relate(&app, &alice, "blockUser", "VXNlcjo5OTk5").await["userErrors"],
        json!([{ "field": "userId", "code": "NOT_FOUND" }])
    );
    let r = app
        .gql(
            None,
            "mutation($u: ID!){ addContact(input:{userId:$u}){ userErrors{ code } } }",
            json!({ "u": bob_id }),
        )
        .await;
    assert_eq!(r["data"]["addContact"]["userErrors"], json!([{ "code": "UNAUTHENTICATED" }]));
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.count("contacts").await, contacts);
}
