//! What GraphQL clients take for granted (issue 12): a WebSocket close is
//! answered with a Close frame, WebSocket payloads keep the query's field order
//! as HTTP does, and request errors follow GraphQL-over-HTTP (no `data`, and
//! `application/graphql-response+json` with 400 when the client accepts it).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

#[tokio::test]
async fn a_client_close_is_answered_with_its_code() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "general").await;
    let mut ws = app.ws(&alice).await;
    // With an operation running, as a client leaving a page has.
    ws.subscribe_events("s", Some(&room), Some(&log_start())).await;
    ws.event("s").await;
    let bye = CloseFrame { code: CloseCode::Normal, reason: "bye".into() };
    ws.stream.send(Message::Close(Some(bye))).await.unwrap();
    let answer = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.stream.next()).await.expect("an answer") {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            // Operation messages already on their way before the close.
            Some(Ok(_)) => continue,
            other => panic!("connection dropped without a Close frame: {other:?}"),
        }
    };
    assert_eq!(answer, Some(1000));
}

/// The next text frame's raw text (pings answered and skipped).
async fn raw_text(ws: &mut Ws) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(15), ws.stream.next()).await.expect("a frame");
        match frame {
            Some(Ok(Message::Text(t))) if t.as_str().contains(r#""type":"ping""#) => {
                ws.send(json!({ "type": "pong" })).await;
            }
            Some(Ok(Message::Text(t))) => return t.as_str().to_string(),
            Some(Ok(_)) => continue,
            other => panic!("no text frame: {other:?}"),
        }
    }
}

/// Whether `keys` appear in the `data` of a message's text in this order.
fn in_order(text: &str, keys: &[&str]) -> bool {
    let data = &text[text.find(r#""data":"#).expect("data")..];
    let at: Vec<usize> = keys.iter().map(|k| data.find(&format!("\"{k}\":")).expect(k)).collect();
    at.windows(2).all(|w| w[0] < w[1])
}

#[tokio::test]
async fn websocket_payloads_keep_the_query_field_order() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "general").await;
    let mut ws = app.ws(&alice).await;

    // A query: the payload is exactly what HTTP answers.
    let query = "{ viewer { username id email } }";
    ws.send(json!({ "id": "q", "type": "subscribe", "payload": { "query": query } })).await;
    let text = raw_text(&mut ws).await;
    assert!(in_order(&text, &["username", "id", "email"]), "{text}");
    let http = app.http.post(app.url("/graphql")).bearer_auth(&alice).json(&json!({ "query": query }));
    let http = http.send().await.unwrap().text().await.unwrap();
    assert!(text.contains(&http), "{text} does not hold {http}");
    assert_eq!(serde_json::from_str::<Value>(&raw_text(&mut ws).await).unwrap()["type"], "complete");

    // A subscription.
    let query = "subscription($c: ID, $after: String){ conversationEvents(conversationId: $c, after: $after){ payload { __typename } cursor conversationId } }";
    let payload = json!({ "query": query, "variables": { "c": room, "after": log_start() } });
    ws.send(json!({ "id": "s", "type": "subscribe", "payload": payload })).await;
    let text = raw_text(&mut ws).await;
    assert!(text.contains(r#""type":"next""#), "{text}");
    assert!(in_order(&text, &["payload", "__typename", "cursor", "conversationId"]), "{text}");
}
