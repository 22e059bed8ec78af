//! Persisted operations (issue 12, item 4): Automatic Persisted Queries over
//! POST, GET and WebSocket, shared between instances through Redis, and the
//! trusted-operations mode with the web app's manifest.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs a request body as is; returns (status, content type, JSON).
async fn post(app: &TestApp, token: Option<&str>, accept: &str, body: Value) -> (u16, String, Value) {
    let mut req = app.http.post(app.url("/graphql")).header("accept", accept).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let media =
        res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, media, res.json().await.unwrap())
}

/// GETs `/graphql` with these query-string pairs; returns (status, JSON).
async fn get(app: &TestApp, token: &str, pairs: &[(&str, String)]) -> (u16, Value) {
    let res = app.http.get(app.url("/graphql")).query(pairs).bearer_auth(token).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// A query text no earlier run registered (Redis outlives test runs).
fn fresh_query() -> String {
    format!("query Me{} {{ viewer {{ username }} }}", jeco_api::auth::random_token(6).replace('-', "_"))
}

#[tokio::test]
async fn a_hash_is_not_found_until_its_text_is_sent_then_found_over_post_get_and_websocket() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let query = fresh_query();
    let hash = sha256(&query);
    // Hash only, unknown: the answer Apollo's and urql's links retry on, with the text.
    let (status, media, r) =
        post(&app, Some(&alice), "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!((status, media.as_str()), (200, "application/json"));
    assert_eq!(
        r,
        json!({ "errors": [{ "message": "PersistedQueryNotFound", "extensions": { "code": "PERSISTED_QUERY_NOT_FOUND" } }] })
    );
    let (status, media, _) =
        post(&app, Some(&alice), GRAPHQL_RESPONSE, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!((status, media.as_str()), (400, GRAPHQL_RESPONSE));
    // A text with another text's hash is refused and not stored.
    let (_, _, r) = post(
        &app,
        Some(&alice),
        "application/json",
        json!({ "query": "{ eventCursor }", "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(r["errors"][0]["message"], "provided sha does not match query", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_HASH_MISMATCH", "{r}");
    assert!(r.get("data").is_none(), "{r}");
    let (_, _, r) =
        post(&app, Some(&alice), "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND", "{r}");
    // The text with its hash runs and is remembered.
    let (_, _, r) = post(
        &app,
        Some(&alice),
        "application/json",
        json!({ "query": query, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(r, json!({ "data": { "viewer": { "username": "alice" } } }));
    // Then the hash alone: over POST, over GET (Apollo's useGETForHashedQueries), over the WebSocket.
    let (_, _, r) =
        post(&app, Some(&alice), "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(r, json!({ "data": { "viewer": { "username": "alice" } } }));
    let (status, r) = get(&app, &alice, &[("extensions", persisted(&hash).to_string())]).await;
    assert_eq!((status, r), (200, json!({ "data": { "viewer": { "username": "alice" } } })));
    let mut ws = app.ws(&alice).await;
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "extensions": persisted(&hash) } })).await;
    let m = ws.recv().await.unwrap();
    assert_eq!(
        m,
        json!({ "id": "1", "type": "next", "payload": { "data": { "viewer": { "username": "alice" } } } })
    );
    assert_eq!(ws.recv().await.unwrap(), json!({ "id": "1", "type": "complete" }));
    let unknown = sha256("{ nothing }");
    ws.send(json!({ "id": "2", "type": "subscribe", "payload": { "extensions": persisted(&unknown) } }))
        .await;
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(m["payload"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND", "{m}");
}

#[tokio::test]
async fn a_persisted_mutation_never_runs_over_get_and_bad_extensions_are_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let mutation = format!(
        "mutation Logout{} {{ logout(input: {{}}) {{ userErrors {{ code }} }} }}",
        jeco_api::auth::random_token(4).replace('-', "_")
    );
    let hash = sha256(&mutation);
    let (_, _, r) =
        post(&app, None, "application/json", json!({ "query": mutation, "extensions": persisted(&hash) }))
            .await;
    assert!(r["data"]["logout"].is_object(), "{r}");
    let (status, _) = get(&app, &alice, &[("extensions", persisted(&hash).to_string())]).await;
    assert_eq!(status, 405);
    let bad = json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } });
    let (_, _, r) = post(&app, Some(&alice), "application/json", json!({ "extensions": bad })).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_SUPPORTED", "{r}");
}

/// Registered on A, found on B: the text went through Redis (B has never seen it).
#[tokio::test]
async fn a_query_registered_on_one_instance_is_found_on_another() {
    let opts = || Opts { redis_url: Some(redis_url()), ..Opts::default() };
    let a = spawn_app_with(opts()).await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), opts()).await;
    let (alice, _) = a.register("alice").await;
    let query = fresh_query();
    let hash = sha256(&query);
    let (_, _, r) =
        post(&b, Some(&alice), "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND", "{r}");
    let (_, _, r) =
        post(&a, Some(&alice), "application/json", json!({ "query": query, "extensions": persisted(&hash) }))
            .await;
    assert_eq!(r["data"]["viewer"]["username"], "alice", "{r}");
    let (_, _, r) =
        post(&b, Some(&alice), "application/json", json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(r, json!({ "data": { "viewer": { "username": "alice" } } }));
}

fn trusted_opts() -> Opts {
    let manifest =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphql/trusted-operations.json");
    Opts {
        operations: jeco_api::config::Operations { apq_cache: 100, trusted: Some(manifest) },
        ..Opts::default()
    }
}

#[tokio::test]
async fn with_trusted_operations_only_the_web_apps_operations_run() {
    let app = spawn_app_with(trusted_opts()).await;
    // The web app's own operations, by text (as the web app sends them) and by hash alone.
    let (alice, _) = app.register("alice").await;
    let (_, _, r) = post(&app, Some(&alice), "application/json", json!({ "query": op("Viewer") })).await;
    assert_eq!(r["data"]["viewer"]["username"], "alice", "{r}");
    let by_hash = json!({ "operationName": "Viewer", "extensions": persisted(&sha256(op("Viewer"))) });
    let (_, _, r) = post(&app, Some(&alice), "application/json", by_hash).await;
    assert_eq!(r["data"]["viewer"]["username"], "alice", "{r}");
    let room = app.create_room(&alice, "general").await;
    // Anything else is refused before it runs, and writes nothing: an unlisted
    // mutation, GraphiQL's introspection, a new text sent with its own hash.
    let before = app.snapshot().await;
    let unlisted = "mutation { createRoom(input: {name: \"other\"}) { conversation { id } } }";
    let introspection = "{ __schema { queryType { name } } }";
    for body in [
        json!({ "query": unlisted }),
        json!({ "query": introspection }),
        json!({ "query": unlisted, "extensions": persisted(&sha256(unlisted)) }),
        json!({ "extensions": persisted(&sha256(unlisted)) }),
    ] {
        let (status, media, r) = post(&app, Some(&alice), GRAPHQL_RESPONSE, body.clone()).await;
        assert_eq!((status, media.as_str()), (400, GRAPHQL_RESPONSE), "{body}");
        assert_eq!(r["errors"][0]["extensions"]["code"], "OPERATION_NOT_TRUSTED", "{body}: {r}");
        assert!(r.get("data").is_none(), "{r}");
    }
    assert_eq!(app.snapshot().await, before);
    // The same over GET and the WebSocket.
    let (status, r) = get(&app, &alice, &[("query", introspection.to_string())]).await;
    assert_eq!(status, 200);
    assert_eq!(r["errors"][0]["extensions"]["code"], "OPERATION_NOT_TRUSTED", "{r}");
    let mut ws = app.ws(&alice).await;
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { conversationEvents { cursor } }" } })).await;
    let m = ws.recv().await.unwrap();
    assert_eq!(
        (&m["type"], &m["payload"][0]["extensions"]["code"]),
        (&json!("error"), &json!("OPERATION_NOT_TRUSTED"))
    );
    let events = json!({ "after": log_start() });
    let listed = json!({ "query": op("ConversationEvents"), "variables": events, "operationName": "ConversationEvents" });
    ws.send(json!({ "id": "2", "type": "subscribe", "payload": listed })).await;
    let m = ws.event("2").await;
    assert_eq!(m["conversationId"], room.as_str(), "{m}");
}

/// Refusals made before GraphQL runs (a bad token's 401 here) answer in the
/// type the client negotiated, like every GraphQL response.
#[tokio::test]
async fn refusals_before_graphql_answer_the_negotiated_type() {
    let app = spawn_app().await;
    let (status, media, r) =
        post(&app, Some("not-a-token"), GRAPHQL_RESPONSE, json!({ "query": "{ eventCursor }" })).await;
    assert_eq!((status, media.as_str()), (401, GRAPHQL_RESPONSE));
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{r}");
    let (status, media, _) =
        post(&app, Some("not-a-token"), "application/json", json!({ "query": "{ eventCursor }" })).await;
    assert_eq!((status, media.as_str()), (401, "application/json"));
    let res = app
        .http
        .post(app.url("/graphql"))
        .header("accept", GRAPHQL_RESPONSE)
        .header("content-type", "text/plain")
        .body("{ eventCursor }")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);
    assert_eq!(res.headers()["content-type"], GRAPHQL_RESPONSE);
}

/// Over the WebSocket, a query whose root field fails while running is a
/// `next` with its errors and then `complete` (graphql-transport-ws keeps
/// `error` for requests that never ran).
#[tokio::test]
async fn a_websocket_query_failing_while_running_is_next_then_complete() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let mut ws = app.ws(&alice).await;
    let query = "{ conversations(first: 101) { nodes { id } } }";
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": query } })).await;
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "next", "{m}");
    assert_eq!(m["payload"]["data"], Value::Null, "{m}");
    assert_eq!(m["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{m}");
    assert_eq!(ws.recv().await.unwrap(), json!({ "id": "1", "type": "complete" }));
}
