//! Abuse limits: WebSocket frame cap, init and idle timeouts, connection caps
//! per user and per address, WebSocket operations under the address rate, and
//! the per-user write rate on every writing mutation.

use std::time::Duration;

use jeco_api::config::Limits;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite;

use crate::helpers::{spawn_app_with, Opts, TestApp, WsEvent};

/// Test options with some limits changed.
fn with_limits(f: impl FnOnce(&mut Limits)) -> Opts {
    let mut opts = Opts::default();
    f(&mut opts.limits);
    opts
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A `subscribe` message running sendMessage, padded to about `pad` bytes.
fn padded_send(room: &str, client_id: &str, pad: usize) -> Value {
    json!({ "type": "subscribe", "id": client_id, "payload": {
        "query": "mutation($i: SendMessageInput!){ sendMessage(input:$i){ message { id } userErrors { code } } }",
        "variables": { "i": { "conversationId": room, "body": "hello", "clientId": client_id } },
        "extensions": { "pad": "x".repeat(pad) },
    }})
}

#[tokio::test]
async fn an_oversized_frame_closes_1009_before_it_is_buffered_and_writes_nothing() {
    let app = spawn_app_with(Opts::default()).await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "Big").await;

    // Control: the same operation in a frame under the cap is executed.
    let mut ws = app.ws(&alice).await;
    ws.send(padded_send(&room, "small", 1000)).await;
    let m = ws.recv().await.unwrap();
    assert_eq!(m["payload"]["data"]["sendMessage"]["userErrors"], json!([]), "{m}");
    assert_eq!(app.count("messages").await, 1);

    // Over the cap (64 KiB): closed with 1009, not executed.
    ws.send(padded_send(&room, "big", 100 * 1024)).await;
    assert_eq!(ws.close_code().await, Some(1009));
    assert_eq!(app.count("messages").await, 1);

    // A frame header announcing 1 MiB is refused at once, without waiting for
    // (and buffering) its payload: text, FIN, masked, 64-bit length.
    let mut ws = app.ws(&alice).await;
    let mut header = vec![0x81u8, 0x80 | 127];
    header.extend_from_slice(&(1u64 << 20).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    ws.write_raw(&header).await;
    let code = tokio::time::timeout(Duration::from_secs(3), ws.close_code_without_pongs())
        .await
        .expect("closed before the payload arrived");
    assert_eq!(code, Some(1009));
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn sockets_without_init_close_4408_and_idle_or_silent_ones_close_1001() {
    let app = spawn_app_with(with_limits(|l| {
        l.ws_init_timeout = ms(300);
        l.ws_idle_timeout = ms(800);
        l.ws_ping_every = ms(200);
    }))
    .await;
    let (alice, _) = app.register("alice").await;

    // No connection_init: 4408 after the configured timeout.
    let started = std::time::Instant::now();
    let mut ws = app.ws_raw(None).await.unwrap();
    assert_eq!(ws.close_code().await, Some(4408));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // Initialised but running nothing (pings answered): closed once idle.
    let mut idle = app.ws(&alice).await;
    assert_eq!(idle.close_code().await, Some(1001));

    // A subscription keeps an answering connection open past the idle timeout.
    let mut busy = app.ws(&alice).await;
    busy.subscribe_events("e", None, None).await;
    assert!(busy.quiet_for(1500).await, "a connection with a running subscription stays open");
    // Ending the last operation restarts the idle clock: no close at once.
    busy.send(json!({ "type": "complete", "id": "e" })).await;
    assert!(busy.quiet_for(400).await, "closed at once after its last operation ended");
    assert_eq!(busy.close_code().await, Some(1001));

    // A peer that stops answering pings is closed even with a subscription.
    let mut silent = app.ws(&alice).await;
    silent.subscribe_events("e", None, None).await;
    assert_eq!(silent.close_code_without_pongs().await, Some(1001));
}

/// The HTTP status of a refused upgrade.
async fn upgrade_status(app: &TestApp) -> Option<u16> {
    match app.ws_raw(None).await {
        Ok(_) => None,
        Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
        Err(e) => panic!("unexpected upgrade error {e}"),
    }
}

#[tokio::test]
async fn connections_per_user_and_per_address_are_capped() {
    let app = spawn_app_with(with_limits(|l| {
        l.ws_per_user = 1;
        l.ws_per_ip = 3;
    }))
    .await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;

    // One socket per user: alice's second is closed at connection_init with 1008.
    let _alice1 = app.ws(&alice).await;
    let mut alice2 = app.ws_raw(None).await.unwrap();
    alice2.send(json!({ "type": "connection_init", "payload": { "authToken": alice } })).await;
    assert_eq!(alice2.close_code().await, Some(1008));
    // Other users are not affected.
    let _bob = app.ws(&bob).await;
    tokio::time::sleep(ms(200)).await;

    // Three sockets per address: the fourth upgrade is refused with 429.
    let third = app.ws_raw(None).await.unwrap();
    assert_eq!(upgrade_status(&app).await, Some(429));
    // A closed socket gives its place back.
    drop(third);
    tokio::time::sleep(ms(300)).await;
    assert!(app.ws_raw(None).await.is_ok());
}

#[tokio::test]
async fn websocket_operations_count_against_the_address_rate() {
    // 1 per second, burst 4; the upgrade itself takes one.
    let app = spawn_app_with(Opts { ip_rate: 1, ..Opts::default() }).await;
    let mut ws = app.ws_raw(None).await.unwrap();
    ws.send(json!({ "type": "connection_init" })).await;
    assert_eq!(ws.recv().await.unwrap()["type"], "connection_ack");
    for i in 0..8 {
        ws.send(
            json!({ "type": "subscribe", "id": format!("q{i}"), "payload": { "query": "{ __typename }" } }),
        )
        .await;
    }
    let (mut answered, mut limited) = (0, 0);
    while answered + limited < 8 {
        let m = ws.recv().await.expect("message");
        match m["type"].as_str() {
            Some("next") => answered += 1,
            Some("error") => {
                assert_eq!(m["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{m}");
                limited += 1;
            }
            _ => {}
        }
    }
    assert!(answered <= 4 && limited >= 4, "answered {answered}, limited {limited}");
}

/// Runs a mutation until it answers RATE_LIMITED (a token may refill between
/// attempts; the first attempts may succeed); panics if it never does.
async fn until_limited(app: &TestApp, token: &str, name: &str, input_type: &str, input: Value) {
    for _ in 0..4 {
        let p = app.mutate(Some(token), name, input_type, input.clone(), "").await;
        if p["userErrors"][0]["code"] == "RATE_LIMITED" {
            return;
        }
    }
    panic!("{name} is never rate limited");
}

#[tokio::test]
async fn every_writing_mutation_is_rate_limited_per_user_over_http_and_websocket() {
    let app = spawn_app_with(with_limits(|l| l.write_rate = 1)).await;
    let (alice, _) = app.register("alice").await;
    let (bob, bob_id) = app.register("bob").await;
    let room = app.create_room(&alice, "Limited").await;
    let sent = app.send(&alice, &room, "hello", "m1").await;
    let message = sent["message"]["id"].as_str().unwrap().to_string();

    until_limited(&app, &alice, "updateProfile", "UpdateProfileInput", json!({ "displayName": "A" })).await;
    // A refused write changes nothing.
    let p = app
        .mutate(Some(&alice), "updateProfile", "UpdateProfileInput", json!({ "displayName": "Refused" }), "")
        .await;
    if p["userErrors"][0]["code"] == "RATE_LIMITED" {
        let r = app.gql(Some(&alice), "{ viewer { displayName } }", json!({})).await;
        assert_ne!(r["data"]["viewer"]["displayName"], "Refused");
    }
    let m = json!({ "messageId": message });
    for (name, input_type, input) in [
        ("toggleReaction", "ToggleReactionInput", json!({ "messageId": message, "emoji": "👍" })),
        ("editMessage", "EditMessageInput", json!({ "messageId": message, "body": "edited" })),
        ("pinMessage", "PinMessageInput", m.clone()),
        ("unpinMessage", "PinMessageInput", m.clone()),
        ("markRead", "MarkReadInput", json!({ "conversationId": room, "upToMessageId": message })),
        ("addContact", "ContactInput", json!({ "userId": bob_id })),
        ("removeContact", "ContactInput", json!({ "userId": bob_id })),
        ("blockUser", "ContactInput", json!({ "userId": bob_id })),
        ("unblockUser", "ContactInput", json!({ "userId": bob_id })),
        ("joinRoom", "JoinRoomInput", json!({ "conversationId": room })),
        ("updateRoom", "UpdateRoomInput", json!({ "conversationId": room, "topic": "t" })),
        ("inviteToRoom", "RoomMemberInput", json!({ "conversationId": room, "userId": bob_id })),
        ("openDirectConversation", "OpenDirectConversationInput", json!({ "userId": bob_id })),
        ("markNotificationsRead", "MarkNotificationsReadInput", json!({ "all": true })),
        ("createRoom", "CreateRoomInput", json!({ "name": "Another" })),
        ("deleteMessage", "DeleteMessageInput", m.clone()),
    ] {
        until_limited(&app, &alice, name, input_type, input).await;
    }
    // Bob has his own budget.
    let p = app.mutate(Some(&bob), "updateProfile", "UpdateProfileInput", json!({ "bio": "hi" }), "").await;
    assert_eq!(p["userErrors"], json!([]));

    // The same budget holds for mutations over a WebSocket.
    let mut ws = app.ws(&alice).await;
    let mut limited = false;
    for i in 0..4 {
        ws.send(json!({ "type": "subscribe", "id": format!("w{i}"), "payload": {
            "query": "mutation { updateProfile(input: { bio: \"ws\" }) { userErrors { code } } }" } }))
            .await;
        let m = loop {
            let WsEvent::Json(m) = ws.next().await else { panic!("closed") };
            if m["type"] == "next" {
                break m;
            }
        };
        if m["payload"]["data"]["updateProfile"]["userErrors"][0]["code"] == "RATE_LIMITED" {
            limited = true;
            break;
        }
    }
    assert!(limited, "a WebSocket mutation is rate limited too");
}
