//! Every top-level error carries the conventional `extensions.code` (Apollo's
//! names), over HTTP and over the WebSocket; payload `userErrors` are unchanged.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Opts};

fn code(r: &Value) -> &Value {
    &r["errors"][0]["extensions"]["code"]
}

#[tokio::test]
async fn top_level_errors_over_http_carry_their_code() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&bob, "bobs").await;
    let cases: &[(Option<&str>, &str, Value, &str, &str)] = &[
        (Some(&alice), "{ viewer { id ", json!({}), "GRAPHQL_PARSE_FAILED", ""),
        (Some(&alice), "{ conversations { nodes { nope } } }", json!({}), "GRAPHQL_VALIDATION_FAILED", ""),
        (
            Some(&alice),
            "{ conversations(after: \"garbage\") { nodes { id } } }",
            json!({}),
            "BAD_USER_INPUT",
            "invalid cursor",
        ),
        (
            Some(&alice),
            "{ conversations(first: 101) { nodes { id } } }",
            json!({}),
            "BAD_USER_INPUT",
            "first/last must be between 0 and 100",
        ),
        (
            Some(&alice),
            "query($n: Int){ conversations(first: $n) { nodes { id } } }",
            json!({ "n": "many" }),
            "GRAPHQL_VALIDATION_FAILED",
            "",
        ),
        (
            Some(&alice),
            "{ searchMessages(query: \"hi\", after: \"x\") { nodes { id } } }",
            json!({}),
            "BAD_USER_INPUT",
            "invalid cursor",
        ),
        (None, "{ conversations { nodes { id } } }", json!({}), "UNAUTHENTICATED", "log in first"),
        (
            Some(&alice),
            "query($c: ID!){ conversation(id: $c) { messages { nodes { id } } } }",
            json!({ "c": room }),
            "FORBIDDEN",
            "join the conversation to read its messages",
        ),
    ];
    for (token, query, variables, expected, message) in cases {
        let r = app.gql(*token, query, variables.clone()).await;
        assert_eq!(code(&r), expected, "{query}: {r}");
        if !message.is_empty() {
            assert_eq!(r["errors"][0]["message"], *message, "{query}: {r}");
        }
    }
    // userErrors keep their own codes and raise no top-level error.
    let r = app
        .gql(
            Some(&alice),
            "mutation { joinRoom(input: { conversationId: \"nope\" }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(r["data"]["joinRoom"]["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn faults_and_refusals_before_graphql_carry_their_code() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let post = |token: Option<&str>, body: Value| {
        let mut req = app.http.post(app.url("/graphql")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let resp = post(Some("not-a-token"), json!({ "query": "{ viewer { id } }" })).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(code(&resp.json().await.unwrap()), "UNAUTHENTICATED");
    let resp = post(None, json!({ "query": 5 })).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(code(&resp.json().await.unwrap()), "BAD_REQUEST");
    // A broken database is an internal error, coded as such.
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut c = AsyncPgConnection::establish(&app.db_url).await.unwrap();
        diesel::sql_query("ALTER TABLE notifications RENAME TO notifications_gone")
            .execute(&mut c)
            .await
            .unwrap();
    }
    let resp = post(Some(&alice), json!({ "query": "{ notifications { nodes { id } } }" })).await.unwrap();
    let r: Value = resp.json().await.unwrap();
    assert_eq!(code(&r), "INTERNAL_SERVER_ERROR", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().starts_with("internal error (id "), "{r}");

    let limited = spawn_app_with(Opts { ip_rate: 1, ..Opts::default() }).await;
    let mut refused = None;
    for _ in 0..20 {
        let resp = limited.http.post(limited.url("/graphql")).json(&json!({ "query": "{ viewer { id } }" }));
        let resp = resp.send().await.unwrap();
        if resp.status() == 429 {
            refused = Some(resp.json::<Value>().await.unwrap());
            break;
        }
    }
    assert_eq!(code(&refused.expect("a 429 within 20 requests")), "RATE_LIMITED");
}

#[tokio::test]
async fn websocket_errors_carry_their_code() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let mut ws = app.ws(&alice).await;
    let cases = [
        ("1", "subscription { conversationEvents(after: \"garbage\") { cursor } }", "BAD_USER_INPUT"),
        ("2", "subscription { conversationEvents(", "GRAPHQL_PARSE_FAILED"),
        ("3", "subscription { nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("4", "{ conversations(first: 101) { nodes { id } } }", "BAD_USER_INPUT"),
    ];
    for (id, query, expected) in cases {
        ws.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } })).await;
        let m = ws.recv().await.expect("an answer");
        assert_eq!(m["id"], id, "{m}");
        let errors = if m["type"] == "error" { &m["payload"] } else { &m["payload"]["errors"] };
        assert_eq!(errors[0]["extensions"]["code"], expected, "{query}: {m}");
    }
}

#[tokio::test]
async fn text_with_nul_is_bad_input_not_an_internal_error() {
    // Found by the fuzz step: PostgreSQL refuses U+0000 in text, which used to
    // surface as an internal error.
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "general").await;
    let before = app.snapshot().await;
    let cases = [
        ("{ user(username: \"a\\u0000b\") { id } }", json!({})),
        ("query($u: String!){ user(username: $u) { id } }", json!({ "u": "a\u{0}b" })),
        ("{ ...F } fragment F on Query { publicRooms(query: \"x\\u0000\") { nodes { id } } }", json!({})),
        (
            "subscription($c: ID){ conversationEvents(conversationId: $c) { cursor } }",
            json!({ "c": "\u{0}" }),
        ),
    ];
    for (query, variables) in cases {
        let r = app.gql(Some(&alice), query, variables).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{query}: {r}");
        assert_eq!(r["errors"][0]["message"], "text must not contain U+0000 (NUL)", "{query}: {r}");
    }
    // Mutations answer with their userErrors, never an internal error.
    let mutations = [
        (
            "sendMessage",
            "SendMessageInput",
            json!({ "conversationId": room, "body": "a\u{0}", "clientId": "n1" }),
        ),
        ("login", "LoginInput", json!({ "usernameOrEmail": "al\u{0}ice", "password": "x\u{0}" })),
        ("requestPasswordReset", "RequestPasswordResetInput", json!({ "email": "a\u{0}@example.com" })),
        ("resetPassword", "ResetPasswordInput", json!({ "token": "t\u{0}", "newPassword": "password-new" })),
        (
            "createAccessToken",
            "CreateAccessTokenInput",
            json!({ "name": "t\u{0}", "password": "password-alice" }),
        ),
        ("createRoom", "CreateRoomInput", json!({ "name": "r\u{0}" })),
    ];
    for (name, input, value) in mutations {
        let r = app.mutate(Some(&alice), name, input, value, "").await;
        assert_ne!(r["userErrors"], json!([]), "{name}: {r}");
    }
    assert_eq!(app.snapshot().await, before);
}
