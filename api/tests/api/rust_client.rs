//! The Rust `graphql-ws-client` crate as a third party uses it: the example
//! `api/examples/rust_client.rs` (whose middle the README shows), run here
//! against the real server.

use crate::helpers::*;

#[path = "../../examples/rust_client.rs"]
#[allow(dead_code)]
mod example;

#[tokio::test]
async fn the_graphql_ws_client_example_queries_mutates_resumes_and_reads_error_codes() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "general").await;
    let url = format!("ws://{}/graphql/ws", app.addr);
    let tour = example::tour(&url, &alice, &room).await.map_err(|e| e.to_string()).unwrap();
    assert_eq!(tour.username, "alice");
    assert_eq!(tour.live, ["one", "two"]);
    assert_eq!(tour.resumed, ["three", "four"]);
    assert_eq!(tour.error_code, "BAD_USER_INPUT");
}
