//! What GraphQL clients take for granted (issue 12): a WebSocket close is
//! answered with a Close frame, WebSocket payloads keep the query's field order
//! as HTTP does, and request errors follow GraphQL-over-HTTP (no `data`, and
//! `application/graphql-response+json` with 400 when the client accepts it).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
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
