//! Work per request is bounded: query cost counts list sizes, and every SQL
//! statement of the server has a timeout.

use std::time::{Duration, Instant};

use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, Opts};
use crate::ops::op;

#[tokio::test]
async fn aliased_list_heavy_queries_are_refused_with_their_cost() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "general").await;
    for i in 0..3 {
        app.send(&alice, &room, &format!("hello {i}"), &format!("c{i}")).await;
    }
    let one = "conversation(id: $c) { messages(last: 100) { nodes { seenBy { id } deliveredTo { id } } } }";
    let aliased: String = (0..10).map(|i| format!("a{i}: {one} ")).collect();
    let r = app.gql(Some(&alice), &format!("query($c: ID!) {{ {aliased} }}"), json!({ "c": room })).await;
    let e = &r["errors"][0];
    assert!(r.get("data").is_none(), "a request error has no data: {r}");
    assert_eq!(e["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{r}");
    assert_eq!(e["extensions"]["cost"], 103_020, "{r}");
    assert_eq!(e["extensions"]["limit"], 100_000, "{r}");
    let message = e["message"].as_str().unwrap();
    assert!(message.starts_with("query is too expensive: cost 103020 over the limit of 100000"), "{message}");
    // The same over the WebSocket.
    let mut ws = app.ws(&alice).await;
    let payload = json!({ "query": format!("query($c: ID!) {{ {aliased} }}"), "variables": { "c": room } });
    ws.send(json!({ "id": "1", "type": "subscribe", "payload": payload })).await;
    let m = ws.recv().await.unwrap();
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(m["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{m}");
    // The web app's largest query, at the largest page, runs.
    let r = app.gql(Some(&alice), op("ConversationHistory"), json!({ "id": room, "last": 100 })).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(r["data"]["conversation"]["messages"]["nodes"].as_array().unwrap().len(), 3);
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    statement_timeout: String,
}

#[tokio::test]
async fn every_statement_of_the_server_has_a_timeout() {
    let app = spawn_app_with(Opts { statement_timeout_ms: 300, ..Opts::default() }).await;
    let pool = &app.running.as_ref().unwrap().state.pool;
    let mut c = pool.get().await.unwrap();
    let shown: Setting = diesel::sql_query("SHOW statement_timeout").get_result(&mut c).await.unwrap();
    assert_eq!(shown.statement_timeout, "300ms");
    let started = Instant::now();
    let slow = diesel::sql_query("SELECT pg_sleep(3)").execute(&mut c).await;
    let err = slow.expect_err("cancelled").to_string();
    assert!(err.contains("statement timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // The connection stays usable, and requests still work.
    assert_eq!(diesel::sql_query("SELECT 1").execute(&mut c).await.unwrap(), 1);
    drop(c);
    app.register("alice").await;

    let default = spawn_app().await;
    let mut c = default.running.as_ref().unwrap().state.pool.get().await.unwrap();
    let shown: Setting = diesel::sql_query("SHOW statement_timeout").get_result(&mut c).await.unwrap();
    assert_eq!(shown.statement_timeout, "5s");
}
