//! Jeco Chat from Rust with the `graphql-ws-client` crate (over tokio-tungstenite):
//! a query, a mutation, a subscription resumed from its last cursor after a
//! disconnect, and an error's `extensions.code`. The integration tests run
//! [`tour`] against a real server (`api/tests/api/rust_client.rs`), and the
//! README shows the part between the `snippet` markers, checked to be the same.
//!
//! ```sh
//! JECO_URL=ws://localhost:8080/graphql/ws JECO_TOKEN=<access token> JECO_ROOM=<room id> \
//!   cargo run -p jeco-api --example rust_client
//! ```

// snippet:begin rust
use std::error::Error;
use std::future::IntoFuture;

use futures_util::StreamExt;
use graphql_ws_client::graphql::GraphqlOperation;
use graphql_ws_client::Client;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// An operation with JSON variables; its response is the whole JSON result
/// (`data` and `errors`).
#[derive(serde::Serialize)]
pub struct Op {
    query: &'static str,
    variables: Value,
}

impl GraphqlOperation for Op {
    type Response = Value;
    type Error = serde_json::Error;

    fn decode(&self, result: Value) -> Result<Value, serde_json::Error> {
        Ok(result)
    }
}

/// Connects to `ws://host/graphql/ws` with an access token (or personal access token).
pub async fn connect(url: &str, token: &str) -> Result<Client, Box<dyn Error>> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    let (client, actor) = Client::build(socket).payload(json!({ "authToken": token }))?.await?;
    tokio::spawn(actor.into_future());
    Ok(client)
}

/// Runs a query or mutation over the socket: its one result.
pub async fn run(client: &Client, query: &'static str, variables: Value) -> Result<Value, Box<dyn Error>> {
    let mut results = client.subscribe(Op { query, variables }).await?;
    Ok(results.next().await.ok_or("no result")??)
}

const SEND: &str = "mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { message { id body } userErrors { code message } }
}";

const EVENTS: &str = "subscription Events($room: ID!, $after: String) {
  conversationEvents(conversationId: $room, after: $after) {
    cursor
    payload { ... on MessageCreated { message { body } } }
  }
}";

/// What [`tour`] saw.
#[derive(Debug)]
pub struct Tour {
    /// The viewer's username (a query).
    pub username: String,
    /// Message bodies received live (sent by mutations).
    pub live: Vec<String>,
    /// Message bodies received after resuming from the last cursor.
    pub resumed: Vec<String>,
    /// `extensions.code` of a failed query.
    pub error_code: Value,
}

/// Receives `n` message bodies from an event stream, and the last cursor.
async fn bodies(
    events: &mut (impl futures_util::Stream<Item = Result<Value, graphql_ws_client::Error>> + Unpin),
    n: usize,
) -> Result<(Vec<String>, String), Box<dyn Error>> {
    let (mut seen, mut cursor) = (Vec::new(), String::new());
    while seen.len() < n {
        let event = events.next().await.ok_or("stream ended")??;
        let event = &event["data"]["conversationEvents"];
        cursor = event["cursor"].as_str().ok_or("no cursor")?.to_string();
        if let Some(body) = event["payload"]["message"]["body"].as_str() {
            seen.push(body.to_string());
        }
    }
    Ok((seen, cursor))
}

/// A query, a mutation, a subscription resumed after a disconnect, an error code.
pub async fn tour(url: &str, token: &str, room: &str) -> Result<Tour, Box<dyn Error>> {
    let client = connect(url, token).await?;
    let viewer = run(&client, "query { viewer { username } eventCursor }", json!({})).await?;
    let username = viewer["data"]["viewer"]["username"].as_str().unwrap_or_default().to_string();
    let start = viewer["data"]["eventCursor"].clone();

    // Live events from `start`; two messages arrive, then the connection drops.
    let mut events =
        client.subscribe(Op { query: EVENTS, variables: json!({ "room": room, "after": start }) }).await?;
    for body in ["one", "two"] {
        let input = json!({ "conversationId": room, "body": body, "clientId": format!("rust-{body}") });
        run(&client, SEND, json!({ "input": input })).await?;
    }
    let (live, cursor) = bodies(&mut events, 2).await?;
    drop(events);
    client.close(1000, "bye").await;

    // Sent while we were away (from another connection).
    let other = connect(url, token).await?;
    for body in ["three", "four"] {
        let input = json!({ "conversationId": room, "body": body, "clientId": format!("rust-{body}") });
        run(&other, SEND, json!({ "input": input })).await?;
    }

    // Back: resume after the last cursor seen, and get exactly what was missed.
    let mut events =
        other.subscribe(Op { query: EVENTS, variables: json!({ "room": room, "after": cursor }) }).await?;
    let (resumed, _) = bodies(&mut events, 2).await?;

    // Errors carry a stable code.
    let failed = run(&other, "query { conversations(first: 101) { nodes { id } } }", json!({})).await?;
    let error_code = failed["errors"][0]["extensions"]["code"].clone();
    Ok(Tour { username, live, resumed, error_code })
}
// snippet:end

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let tour = tour(&var("JECO_URL")?, &var("JECO_TOKEN")?, &var("JECO_ROOM")?).await?;
    println!("{tour:#?}");
    Ok(())
}
