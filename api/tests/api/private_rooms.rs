use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

const INVITE: &str = "mutation($c: ID!, $u: ID!){ inviteToRoom(input:{conversationId:$c, userId:$u}){ conversation{ memberCount } userErrors{ field code } } }";
const REMOVE: &str = "mutation($c: ID!, $u: ID!){ removeMember(input:{conversationId:$c, userId:$u}){ conversation{ memberCount } userErrors{ field code } } }";

async fn call(app: &TestApp, token: Option<&str>, q: &str, c: &str, u: &str) -> Value {
    let r = app.gql(token, q, json!({ "c": c, "u": u })).await;
    let data = r["data"].as_object().unwrap();
    data.values().next().unwrap().clone()
}

async fn private_room(app: &TestApp, token: &str) -> String {
    let r = app
        .gql(Some(token), op("CreateRoom"), json!({ "input": { "name": "Secret", "visibility": "PRIVATE" } }))
        .await;
    r["data"]["createRoom"]["conversation"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn owners_invite_members_do_not() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let (carol, carol_id) = app.register("carol").await;
    let room = private_room(&app, &alice).await;
    assert_eq!(
        call(&app, Some(&alice), INVITE, &room, &bob_id).await,
        json!({ "conversation": { "memberCount": 2 }, "userErrors": [] })
    );
    // Inviting again changes nothing.
    let events = app.count("events").await;
    assert_eq!(call(&app, Some(&alice), INVITE, &room, &bob_id).await["userErrors"], json!([]));
    assert_eq!(app.count("events").await, events);
    assert_eq!(app.send(&bob, &room, "thanks", "t").await["userErrors"], json!([]));

    let before = app.snapshot().await;
    let cases = [
        (Some(bob.as_str()), carol_id.as_str(), json!([{ "field": "conversationId", "code": "FORBIDDEN" }])),
        (
            Some(carol.as_str()),
            carol_id.as_str(),
            json!([{ "field": "conversationId", "code": "NOT_FOUND" }]),
        ),
        (Some(alice.as_str()), "VXNlcjo5OTk5", json!([{ "field": "userId", "code": "NOT_FOUND" }])),
        (Some(alice.as_str()), "junk", json!([{ "field": "userId", "code": "NOT_FOUND" }])),
        (None, carol_id.as_str(), json!([{ "field": null, "code": "UNAUTHENTICATED" }])),
    ];
    for (token, user, expected) in cases {
        assert_eq!(call(&app, token, INVITE, &room, user).await["userErrors"], expected, "{user}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn removal_ends_the_removed_members_stream_and_access() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let (_, carol_id) = app.register("carol").await;
    let room = private_room(&app, &alice).await;
    call(&app, Some(&alice), INVITE, &room, &bob_id).await;
    call(&app, Some(&alice), INVITE, &room, &carol_id).await;

    let (_, dave_id) = app.register("dave").await;
    // Not allowed / malformed: nothing written.
    let before = app.snapshot().await;
    assert_eq!(
        call(&app, Some(&bob), REMOVE, &room, &carol_id).await["userErrors"],
        json!([{ "field": "userId", "code": "FORBIDDEN" }])
    );
    assert_eq!(
        call(&app, Some(&bob), REMOVE, &room, &alice_id).await["userErrors"],
        json!([{ "field": "userId", "code": "FORBIDDEN" }])
    );
    assert_eq!(
        call(&app, Some(&alice), REMOVE, &room, &alice_id).await["userErrors"],
        json!([{ "field": "userId", "code": "INVALID" }])
    );
    assert_eq!(
        call(&app, Some(&alice), REMOVE, &room, &dave_id).await["userErrors"],
        json!([{ "field": "userId", "code": "NOT_FOUND" }])
    );
    assert_eq!(app.snapshot().await, before);

    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        call(&app, Some(&alice), REMOVE, &room, &bob_id).await,
        json!({ "conversation": { "memberCount": 2 }, "userErrors": [] })
    );
    let left = ws.event_where("1", |e| e["payload"]["__typename"] == "MemberLeft").await;
    assert_eq!(left["payload"]["user"]["username"], "bob");
    assert_eq!(ws.recv().await.unwrap(), json!({ "type": "complete", "id": "1" }));
    app.send(&alice, &room, "after bob left", "x").await;
    assert!(ws.quiet_for(300).await);
    assert_eq!(app.send(&bob, &room, "still here?", "y").await["userErrors"][0]["code"], "NOT_FOUND");
    let r = app.gql(Some(&bob), "query($id: ID!){ conversation(id:$id){ id } }", json!({ "id": room })).await;
    assert_eq!(r["data"]["conversation"], json!(null));
}

#[tokio::test]
async fn the_owner_makes_admins_and_admins_moderate_members() {
    const ROLE: &str = "mutation($c: ID!, $u: ID!, $a: Boolean!){ setMemberRole(input:{conversationId:$c, userId:$u, admin:$a}){ userErrors{ field code } } }";
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let (_, carol_id) = app.register("carol").await;
    let (_, dave_id) = app.register("dave").await;
    let room = private_room(&app, &alice).await;
    for u in [&bob_id, &carol_id, &dave_id] {
        call(&app, Some(&alice), INVITE, &room, u).await;
    }
    // Not allowed: nothing written.
    let before = app.snapshot().await;
    for (token, user, code) in [
        (&bob, &carol_id, "FORBIDDEN"),
        (&alice, &alice_id, "FORBIDDEN"),
        (&alice, &"VXNlcjo5OTk5".to_string(), "NOT_FOUND"),
    ] {
        let r = app.gql(Some(token), ROLE, json!({ "c": room, "u": user, "a": true })).await;
        assert_eq!(r["data"]["setMemberRole"]["userErrors"][0]["code"], code, "{r}");
    }
    assert_eq!(app.snapshot().await, before);
    let r = app.gql(Some(&alice), ROLE, json!({ "c": room, "u": bob_id, "a": true })).await;
    assert_eq!(r["data"]["setMemberRole"]["userErrors"], json!([]));
    let r = app
        .gql(Some(&bob), "query($c: ID!){ conversation(id:$c){ viewerRole } }", json!({ "c": room }))
        .await;
    assert_eq!(r["data"]["conversation"]["viewerRole"], "ADMIN");
    // An admin invites and removes plain members, but not the owner.
    assert_eq!(call(&app, Some(&bob), REMOVE, &room, &carol_id).await["userErrors"], json!([]));
    assert_eq!(call(&app, Some(&bob), REMOVE, &room, &alice_id).await["userErrors"][0]["code"], "FORBIDDEN");
    assert_eq!(call(&app, Some(&bob), INVITE, &room, &carol_id).await["userErrors"], json!([]));
    // Demoted again, bob is a plain member.
    app.gql(Some(&alice), ROLE, json!({ "c": room, "u": bob_id, "a": false })).await;
    assert_eq!(call(&app, Some(&bob), REMOVE, &room, &dave_id).await["userErrors"][0]["code"], "FORBIDDEN");
}
