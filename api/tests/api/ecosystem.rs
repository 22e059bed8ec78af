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

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

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

/// POSTs `query` with `accept` (none: reqwest's default); returns status, content type and body.
async fn post(app: &TestApp, accept: Option<&str>, query: &str) -> (u16, String, Value) {
    let mut req = app.http.post(app.url("/graphql")).json(&json!({ "query": query }));
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    (status, content_type, resp.json().await.unwrap())
}

#[tokio::test]
async fn request_errors_have_no_data_and_400_for_graphql_response_json() {
    let app = spawn_app().await;
    let apollo = "application/graphql-response+json,application/json;q=0.9";
    let request_errors = [
        ("{ viewer { id ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("query A { viewer { id } } query B { viewer { id } }", "BAD_USER_INPUT"),
    ];
    for (query, code) in request_errors {
        for (accept, status, media) in [
            (None, 200, "application/json"),
            (Some("application/json"), 200, "application/json"),
            (Some(GRAPHQL_RESPONSE), 400, GRAPHQL_RESPONSE),
            (Some(apollo), 400, GRAPHQL_RESPONSE),
        ] {
            let (got_status, got_media, r) = post(&app, accept, query).await;
            assert_eq!((got_status, got_media.as_str()), (status, media), "{query} {accept:?}: {r}");
            assert!(r.get("data").is_none(), "{query} {accept:?}: {r}");
            assert_eq!(r["errors"][0]["extensions"]["code"], code, "{query} {accept:?}: {r}");
        }
    }
    // A field error is not a request error: `data` is there (null) and the status 200.
    let (status, media, r) = post(&app, Some(GRAPHQL_RESPONSE), "{ conversations { nodes { id } } }").await;
    assert_eq!((status, media.as_str()), (200, GRAPHQL_RESPONSE), "{r}");
    assert_eq!(r.get("data"), Some(&Value::Null), "{r}");
    assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{r}");
    // Success, in whichever type the client prefers.
    let (status, media, r) = post(&app, Some(apollo), "{ viewer { id } }").await;
    assert_eq!((status, media.as_str(), &r), (200, GRAPHQL_RESPONSE, &json!({ "data": { "viewer": null } })));
    let prefers_json = "application/json, application/graphql-response+json;q=0.5";
    let (status, media, _) = post(&app, Some(prefers_json), "{ nope }").await;
    assert_eq!((status, media.as_str()), (200, "application/json"));
    // GET answers the same way.
    let url = app.url("/graphql?query=%7B%20nope%20%7D");
    let resp = app.http.get(url).header("accept", GRAPHQL_RESPONSE).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let r: Value = resp.json().await.unwrap();
    assert!(r.get("data").is_none(), "{r}");
    assert_eq!(r["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{r}");
}
