use serde_json::json;

use crate::helpers::*;

const CREATE: &str = "mutation($i: CreateRoomInput!){ createRoom(input:$i){ conversation{ id name topic visibility viewerRole memberCount } userErrors{ field code } } }";
const JOIN: &str = "mutation($i: JoinRoomInput!){ joinRoom(input:$i){ conversation{ id viewerRole memberCount } userErrors{ field code } } }";
const LEAVE: &str = "mutation($i: LeaveRoomInput!){ leaveRoom(input:$i){ conversation{ id viewerRole } userErrors{ field code } } }";

#[tokio::test]
async fn create_join_leave_round_trip() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let r = app.gql(Some(&alice), CREATE, json!({ "i": { "name": "General", "topic": "Anything" } })).await;
    let conv = &r["data"]["createRoom"]["conversation"];
    assert_eq!(conv["viewerRole"], "OWNER");
    assert_eq!(conv["visibility"], "PUBLIC");
    assert_eq!(conv["memberCount"], 1);
    let id = conv["id"].as_str().unwrap().to_string();

    let r = app.gql(Some(&bob), JOIN, json!({ "i": { "conversationId": id } })).await;
    assert_eq!(r["data"]["joinRoom"]["conversation"]["viewerRole"], "MEMBER");
    assert_eq!(r["data"]["joinRoom"]["conversation"]["memberCount"], 2);
    // Joining again changes nothing.
    let events = app.count("events").await;
    let r = app.gql(Some(&bob), JOIN, json!({ "i": { "conversationId": id } })).await;
    assert_eq!(r["data"]["joinRoom"]["userErrors"], json!([]));
    assert_eq!(app.count("events").await, events);
    assert_eq!(app.count("members").await, 2);

    let r = app.gql(Some(&bob), "{ conversations { nodes { name } } }", json!({})).await;
    assert_eq!(r["data"]["conversations"]["nodes"], json!([{ "name": "General" }]));

    let r = app.gql(Some(&bob), LEAVE, json!({ "i": { "conversationId": id } })).await;
    assert_eq!(r["data"]["leaveRoom"]["conversation"]["viewerRole"], json!(null));
    assert_eq!(app.count("members").await, 1);
    // Leaving twice: not a member any more, nothing written.
    let before = app.snapshot().await;
    let r = app.gql(Some(&bob), LEAVE, json!({ "i": { "conversationId": id } })).await;
    assert_eq!(
        r["data"]["leaveRoom"]["userErrors"],
        json!([{ "field": "conversationId", "code": "NOT_FOUND" }])
    );
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn owner_leaving_hands_the_room_on() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let id = app.create_room(&alice, "General").await;
    app.join(&bob, &id).await;
    app.gql(Some(&alice), LEAVE, json!({ "i": { "conversationId": id } })).await;
    let r = app
        .gql(Some(&bob), "query($id: ID!){ conversation(id:$id){ viewerRole } }", json!({ "id": id }))
        .await;
    assert_eq!(r["data"]["conversation"]["viewerRole"], "OWNER");
}

#[tokio::test]
async fn bad_and_forbidden_room_operations_write_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    app.create_room(&alice, "General").await;
    let r =
        app.gql(Some(&alice), CREATE, json!({ "i": { "name": "secret", "visibility": "PRIVATE" } })).await;
    let private = r["data"]["createRoom"]["conversation"]["id"].as_str().unwrap().to_string();
    let before = app.snapshot().await;

    let cases = [
        (
            None,
            CREATE,
            json!({ "name": "Anon room" }),
            "createRoom",
            json!([{ "field": null, "code": "UNAUTHENTICATED" }]),
        ),
        (
            Some(&bob),
            CREATE,
            json!({ "name": "general" }),
            "createRoom",
            json!([{ "field": "name", "code": "TAKEN" }]),
        ),
        (
            Some(&bob),
            CREATE,
            json!({ "name": "   " }),
            "createRoom",
            json!([{ "field": "name", "code": "INVALID" }]),
        ),
        (
            Some(&bob),
            CREATE,
            json!({ "name": "x".repeat(65) }),
            "createRoom",
            json!([{ "field": "name", "code": "TOO_LONG" }]),
        ),
        (
            Some(&bob),
            CREATE,
            json!({ "name": "ok", "topic": "t".repeat(251) }),
            "createRoom",
            json!([{ "field": "topic", "code": "TOO_LONG" }]),
        ),
        (
            Some(&bob),
            JOIN,
            json!({ "conversationId": private }),
            "joinRoom",
            json!([{ "field": "conversationId", "code": "NOT_FOUND" }]),
        ),
        (
            Some(&bob),
            JOIN,
            json!({ "conversationId": "bogus" }),
            "joinRoom",
            json!([{ "field": "conversationId", "code": "NOT_FOUND" }]),
        ),
        (
            None,
            JOIN,
            json!({ "conversationId": private }),
            "joinRoom",
            json!([{ "field": null, "code": "UNAUTHENTICATED" }]),
        ),
        (
            Some(&bob),
            LEAVE,
            json!({ "conversationId": private }),
            "leaveRoom",
            json!([{ "field": "conversationId", "code": "NOT_FOUND" }]),
        ),
    ];
    for (token, query, input, field, expected) in cases {
        let r = app.gql(token.map(|t| t.as_str()), query, json!({ "i": input })).await;
        assert_eq!(r["data"][field]["userErrors"], expected, "{field} {input}: {r}");
    }
    // A private room looks exactly like a missing one to a stranger.
    let r = app
        .gql(
            Some(&bob),
            "query($id: ID!){ conversation(id:$id){ id } node(id:$id){ id } }",
            json!({ "id": private }),
        )
        .await;
    assert_eq!(r["data"], json!({ "conversation": null, "node": null }));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn public_rooms_search_and_pages() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    for name in ["Rust", "rustaceans", "Go", "Books", "Rusty_cars"] {
        app.create_room(&alice, name).await;
    }
    app.gql(Some(&alice), CREATE, json!({ "i": { "name": "rust-private", "visibility": "PRIVATE" } })).await;
    let q = "query($q: String, $a: String){ publicRooms(query:$q, first: 2, after: $a){ nodes{ name } pageInfo{ hasNextPage endCursor } } }";
    let r = app.gql(None, q, json!({ "q": "RUST" })).await;
    assert_eq!(r["data"]["publicRooms"]["nodes"], json!([{ "name": "Rust" }, { "name": "rustaceans" }]));
    assert_eq!(r["data"]["publicRooms"]["pageInfo"]["hasNextPage"], true);
    let after = r["data"]["publicRooms"]["pageInfo"]["endCursor"].clone();
    let r = app.gql(None, q, json!({ "q": "rust", "a": after })).await;
    assert_eq!(r["data"]["publicRooms"]["nodes"], json!([{ "name": "Rusty_cars" }]));
    assert_eq!(r["data"]["publicRooms"]["pageInfo"]["hasNextPage"], false);
    // `_` and `%` are literal characters in the search.
    let r = app.gql(None, q, json!({ "q": "y_c" })).await;
    assert_eq!(r["data"]["publicRooms"]["nodes"], json!([{ "name": "Rusty_cars" }]));
    let r = app.gql(None, q, json!({ "q": "%" })).await;
    assert_eq!(r["data"]["publicRooms"]["nodes"], json!([]));
}
