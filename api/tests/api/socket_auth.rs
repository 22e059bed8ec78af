//! Open WebSockets end with their credentials (issue 9): logout, token
//! revocation and access-token expiry close a socket authenticated at
//! `connection_init` with 4403, on the timer and on its next operation.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

/// A socket of `token` with a running `conversationEvents` subscription.
async fn subscribed(app: &TestApp, token: &str, room: &str) -> Ws {
    let mut ws = app.ws(token).await;
    ws.subscribe_events("s", Some(room), Some(&log_start())).await;
    ws.event("s").await;
    ws
}

/// Asserts the server closes with 4403 within `within`, answering no data first.
async fn closes_with_4403(ws: &mut Ws, within: Duration) {
    let started = Instant::now();
    loop {
        match ws.next().await {
            WsEvent::Closed(code) => {
                assert_eq!(code, Some(4403));
                break;
            }
            WsEvent::Json(m) => assert!(m["type"] != "next", "data after the credential ended: {m}"),
        }
    }
    assert!(started.elapsed() < within, "closed after {:?}", started.elapsed());
}

async fn pat(app: &TestApp, token: &str) -> (String, String) {
    let input = json!({ "name": "bot", "password": "password-alice" });
    let r = app
        .mutate(Some(token), "createAccessToken", "CreateAccessTokenInput", input, "token accessToken{ id }")
        .await;
    (r["token"].as_str().unwrap().to_string(), r["accessToken"]["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn logout_closes_the_sessions_open_sockets() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let mut ws = subscribed(&app, &alice, &room).await;
    let r = app.gql(Some(&alice), "mutation { logout(input: {}) { ok } }", json!({})).await;
    assert_eq!(r["data"]["logout"]["ok"], true, "{r}");
    closes_with_4403(&mut ws, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn revoking_a_token_closes_its_open_sockets() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let (token, id) = pat(&app, &alice).await;
    let mut ws = subscribed(&app, &token, &room).await;
    let ok = app
        .mutate(Some(&alice), "revokeAccessToken", "RevokeAccessTokenInput", json!({ "id": id }), "ok")
        .await;
    assert_eq!(ok["ok"], true);
    closes_with_4403(&mut ws, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn an_expired_access_token_closes_its_socket() {
    let app = spawn_app_with(Opts { access_ttl_secs: 1, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let mut ws = subscribed(&app, &alice, &room).await;
    // One second of life plus the verifier's five seconds of clock leeway.
    closes_with_4403(&mut ws, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn an_operation_after_the_credential_ended_is_refused_before_the_timer() {
    let app = spawn_app_with(Opts { credential_check_ms: 60_000, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let mut ws = subscribed(&app, &alice, &room).await;
    // Another session's change of password ends this one.
    let input = json!({ "currentPassword": "password-alice", "newPassword": "password-alice-2" });
    let relog = app
        .mutate(
            None,
            "login",
            "LoginInput",
            json!({ "usernameOrEmail": "alice", "password": "password-alice" }),
            "accessToken",
        )
        .await;
    let other = relog["accessToken"].as_str().unwrap().to_string();
    app.mutate(Some(&other), "changePassword", "ChangePasswordInput", input, "ok").await;
    ws.send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ viewer { username } }" } }))
        .await;
    closes_with_4403(&mut ws, Duration::from_secs(3)).await;
}

/// Logout on instance A closes the session's socket on instance B, within
/// B's cache freshness (10 s) plus its check period.
#[tokio::test]
async fn logout_on_one_instance_closes_the_socket_on_another() {
    let a = spawn_app().await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), Opts::default()).await;
    let (alice, _) = a.register("alice").await;
    let room = a.create_room(&alice, "General").await;
    let mut ws = subscribed(&b, &alice, &room).await;
    let r = a.gql(Some(&alice), "mutation { logout(input: {}) { ok } }", json!({})).await;
    assert_eq!(r["data"]["logout"]["ok"], true, "{r}");
    closes_with_4403(&mut ws, Duration::from_secs(12)).await;
}

/// A socket's timer re-checks its credential on the fan-out's pool, not on
/// the request pool: with every request connection of instance B taken, a
/// logout on A still closes the socket on B in the usual bound. (On the
/// request pool the check waited for a connection, and a database that
/// cannot answer leaves a socket open.)
#[tokio::test]
async fn a_socket_rechecks_its_credential_without_the_request_pool() {
    let a = spawn_app().await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), Opts::default()).await;
    let (alice, _) = a.register("alice").await;
    let room = a.create_room(&alice, "General").await;
    let mut ws = subscribed(&b, &alice, &room).await;
    let requests = b.running.as_ref().unwrap().state.pool.clone();
    let mut held = Vec::new();
    for _ in 0..requests.status().max_size {
        held.push(requests.get().await.unwrap());
    }
    assert_eq!(requests.status().available, 0);
    let r = a.gql(Some(&alice), "mutation { logout(input: {}) { ok } }", json!({})).await;
    assert_eq!(r["data"]["logout"]["ok"], true, "{r}");
    closes_with_4403(&mut ws, Duration::from_secs(12)).await;
    drop(held);
}

/// The sockets' re-checks of their sessions are batched: sessions that miss
/// the cache together are read with one statement, however many there are
/// (a thousand sockets opened in the same second all re-read within a few).
#[tokio::test]
async fn sessions_rechecked_together_are_read_with_one_statement() {
    let app = spawn_app_with(Opts { log_poll_ms: 60_000, ..Opts::default() }).await;
    let mut tokens = Vec::new();
    for i in 0..8 {
        // Registered, never used: their sessions are not in the cache yet.
        tokens.push(app.register(&format!("user{i}")).await.0);
    }
    let fanout = app.running.as_ref().unwrap().state.for_fanout();
    let before = crate::dataloaders::statements(&app).await;
    let viewers = futures_util::future::join_all(tokens.iter().map(|t| fanout.auth.authenticate(t))).await;
    let after = crate::dataloaders::statements(&app).await;
    assert!(viewers.iter().all(Option::is_some), "{viewers:?}");
    let users: std::collections::HashSet<_> = viewers.iter().flatten().map(|v| v.user_id).collect();
    assert_eq!(users.len(), 8, "each token stands for its own user: {viewers:?}");
    assert_eq!(after - before, 1, "8 sessions missing the cache together cost {} statements", after - before);
}
