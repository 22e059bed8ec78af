use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn exported_schema_file_matches_the_server() {
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../graphql/schema.graphql")).unwrap();
    assert!(
        file == jeco_api::http::sdl(),
        "graphql/schema.graphql is stale: run `jeco export-schema > graphql/schema.graphql`"
    );
    let app = spawn_app().await;
    let served = app.http.get(app.url("/graphql/schema.graphql")).send().await.unwrap().text().await.unwrap();
    assert!(served == file, "served SDL differs from graphql/schema.graphql");
}

#[tokio::test]
async fn health_endpoints() {
    let app = spawn_app().await;
    assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    let ready: serde_json::Value =
        app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready, json!({ "database": true, "broker": true, "draining": false }));
}

#[tokio::test]
async fn malformed_and_abusive_requests_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let before = app.snapshot().await;
    let create = "mutation{ createRoom(input:{name:\"Sneaky\"}){ userErrors{ code } } }";

    // Batching.
    let resp = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&alice)
        .json(&json!([{ "query": create }, { "query": create }]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // Mutation over GET.
    let resp = app
        .http
        .get(app.url("/graphql"))
        .bearer_auth(&alice)
        .query(&[("query", create)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    // Queries over GET work.
    let resp = app
        .http
        .get(app.url("/graphql"))
        .bearer_auth(&alice)
        .query(&[("query", "{ viewer { username } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["data"]["viewer"]["username"], "alice");
    // A cross-site form post (CSRF): wrong content type.
    let resp = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("query={create}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body(json!({ "query": create }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    // A browser on a foreign origin, without a bearer token (see cors.rs).
    let resp = app
        .http
        .post(app.url("/graphql"))
        .header("origin", "https://evil.example")
        .json(&json!({ "query": create }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    // Not JSON, wrong shape, oversize.
    let resp = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app.http.post(app.url("/graphql")).json(&json!({ "query": 5 })).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let big = "x".repeat(70 * 1024);
    let resp = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&alice)
        .json(&json!({ "query": create, "variables": { "pad": big } }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn query_limits() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let r = app.gql(Some(&alice), "{ conversations(first: 101) { nodes { id } } }", json!({})).await;
    assert_eq!(r["errors"][0]["message"], "first/last must be between 0 and 100");
    let deep = "{ conversations { nodes { lastMessage { conversation { lastMessage { conversation { lastMessage { conversation { lastMessage { conversation { lastMessage { conversation { lastMessage { conversation { lastMessage { id } } } } } } } } } } } } } } } }";
    let r = app.gql(Some(&alice), deep, json!({})).await;
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("too deep"), "{r}");
    let r = app.gql(Some(&alice), "{ conversations { nodes { nope } } }", json!({})).await;
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("Unknown field"), "{r}");
    let r = app.gql(Some(&alice), "{ conversations(after: \"garbage\") { nodes { id } } }", json!({})).await;
    assert_eq!(r["errors"][0]["message"], "invalid cursor");
    let r = app.gql(None, "{ conversations { nodes { id } } }", json!({})).await;
    assert_eq!(r["errors"][0]["message"], "log in first");
}

#[tokio::test]
async fn requests_and_upgrades_are_rate_limited_per_address() {
    let app = spawn_app_with(Opts { ip_rate: 2, ..Opts::default() }).await;
    // Burst of 8 at 2/s: of 20 rapid requests, most are refused with 429.
    let mut refused = 0;
    for _ in 0..20 {
        let resp = app
            .http
            .post(app.url("/graphql"))
            .json(&json!({ "query": "{ viewer { id } }" }))
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            refused += 1;
        }
    }
    assert!(refused >= 10, "refused {refused}");
    assert!(app.ws_raw(None).await.is_err(), "upgrade refused while over the rate");
}

#[tokio::test]
async fn faults_never_leak_internal_text() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    // Break the database under the running server.
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut c = AsyncPgConnection::establish(&app.db_url).await.unwrap();
        diesel::sql_query("ALTER TABLE messages RENAME TO messages_gone").execute(&mut c).await.unwrap();
    }
    let r = app
        .gql(
            Some(&alice),
            "mutation($c: ID!){ sendMessage(input:{conversationId:$c, body:\"hi\", clientId:\"x\"}){ userErrors{ code } } }",
            json!({ "c": room }),
        )
        .await;
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut c = AsyncPgConnection::establish(&app.db_url).await.unwrap();
        diesel::sql_query("ALTER TABLE messages_gone RENAME TO messages").execute(&mut c).await.unwrap();
    }
    let message = r["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("internal error (id "), "{message}");
    assert!(!message.contains("messages") && !message.contains("relation"), "{message}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_limits_apply_per_forwarded_client() {
    let app = spawn_app_with(Opts { ip_rate: 1, trust_forwarded_for: true, ..Opts::default() }).await;
    let post = |xff: &'static str| {
        app.http
            .post(app.url("/graphql"))
            .header("x-forwarded-for", xff)
            .json(&json!({ "query": "{ viewer { id } }" }))
            .send()
    };
    // Client 10.0.0.1 uses up its burst of 4 ...
    for _ in 0..4 {
        assert_eq!(post("10.0.0.1").await.unwrap().status(), 200);
    }
    assert_eq!(post("10.0.0.1").await.unwrap().status(), 429);
    // ... a spoofed first hop does not help it (the proxy's appended hop counts) ...
    assert_eq!(post("10.9.9.9, 10.0.0.1").await.unwrap().status(), 429);
    // ... and another client behind the same proxy is unaffected.
    assert_eq!(post("10.0.0.2").await.unwrap().status(), 200);
}
