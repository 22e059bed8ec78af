use serde_json::json;

use crate::helpers::*;

const REGISTER: &str = "mutation($i: RegisterInput!){ register(input:$i){ accessToken refreshToken user{ id username email } userErrors{ field code } } }";
const LOGIN: &str =
    "mutation($i: LoginInput!){ login(input:$i){ accessToken refreshToken userErrors{ code } } }";
const REFRESH: &str = "mutation($i: RefreshSessionInput!){ refreshSession(input:$i){ accessToken refreshToken userErrors{ code } } }";

#[tokio::test]
async fn register_then_viewer_shows_own_email_only() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let r = app.gql(Some(&alice), "{ viewer { username email } }", json!({})).await;
    assert_eq!(r["data"]["viewer"], json!({ "username": "alice", "email": "alice@example.com" }));
    let (bob, _) = app.register("bob").await;
    let r = app.gql(Some(&bob), "{ user(username: \"ALICE\") { username email } }", json!({})).await;
    assert_eq!(r["data"]["user"], json!({ "username": "alice", "email": null }));
    let r = app.gql(None, "{ viewer { id } }", json!({})).await;
    assert_eq!(r["data"]["viewer"], json!(null));
}

#[tokio::test]
async fn duplicate_and_malformed_registrations_write_nothing() {
    let app = spawn_app().await;
    app.register("alice").await;
    let before = app.snapshot().await;
    let cases = [
        (
            json!({ "username": "ALICE", "email": "new@example.com", "password": "long-enough" }),
            "username",
            "TAKEN",
        ),
        (
            json!({ "username": "alice2", "email": "Alice@Example.com", "password": "long-enough" }),
            "email",
            "TAKEN",
        ),
        (
            json!({ "username": "a", "email": "x@example.com", "password": "long-enough" }),
            "username",
            "INVALID",
        ),
        (
            json!({ "username": "carol", "email": "not-an-email", "password": "long-enough" }),
            "email",
            "INVALID",
        ),
        (
            json!({ "username": "carol", "email": "c@example.com", "password": "short" }),
            "password",
            "INVALID",
        ),
        (
            json!({ "username": "carol", "email": "c@example.com", "password": "x".repeat(129) }),
            "password",
            "TOO_LONG",
        ),
    ];
    for (input, field, code) in cases {
        let r = app.gql(None, REGISTER, json!({ "i": input })).await;
        assert_eq!(r["data"]["register"]["userErrors"], json!([{ "field": field, "code": code }]), "{input}");
        assert_eq!(r["data"]["register"]["accessToken"], json!(null));
    }
    // Wrong types and unknown fields are rejected before anything runs.
    let r = app
        .gql(
            None,
            REGISTER,
            json!({ "i": { "username": 5, "email": "e@example.com", "password": "long-enough" } }),
        )
        .await;
    assert!(r["errors"].is_array(), "{r}");
    let r = app.gql(None, REGISTER, json!({ "i": { "username": "dave", "email": "d@example.com", "password": "long-enough", "admin": true } })).await;
    assert!(r["errors"].is_array(), "{r}");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn login_checks_the_password_and_locks_out_per_account_and_address() {
    let app = spawn_app().await;
    app.register("alice").await;
    let ok = app
        .gql(
            None,
            LOGIN,
            json!({ "i": { "usernameOrEmail": "ALICE@example.com", "password": "password-alice" } }),
        )
        .await;
    assert!(ok["data"]["login"]["accessToken"].is_string(), "{ok}");
    let sessions = app.count("sessions").await;
    for _ in 0..5 {
        let r = app
            .gql(None, LOGIN, json!({ "i": { "usernameOrEmail": "alice", "password": "wrong-password" } }))
            .await;
        assert_eq!(r["data"]["login"]["userErrors"], json!([{ "code": "INVALID_CREDENTIALS" }]));
    }
    // Now even the right password is refused from this address, for a while.
    let r = app
        .gql(None, LOGIN, json!({ "i": { "usernameOrEmail": "alice", "password": "password-alice" } }))
        .await;
    assert_eq!(r["data"]["login"]["userErrors"], json!([{ "code": "LOCKED_OUT" }]));
    assert_eq!(app.count("sessions").await, sessions, "no session for failed or locked logins");
    // The lock is scoped to (account, address) and expires: never permanent.
    let n = app.scalar("SELECT count(*) AS n FROM login_failures WHERE ip = '127.0.0.1' AND locked_until < now() + interval '16 minutes'").await;
    assert_eq!(n, 1);
    // Unknown accounts get the same answer as a wrong password.
    let r = app
        .gql(None, LOGIN, json!({ "i": { "usernameOrEmail": "nobody", "password": "whatever-pass" } }))
        .await;
    assert_eq!(r["data"]["login"]["userErrors"], json!([{ "code": "INVALID_CREDENTIALS" }]));
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = spawn_app().await;
    let r = app
        .gql(
            None,
            REGISTER,
            json!({ "i": { "username": "alice", "email": "a@example.com", "password": "password-alice" } }),
        )
        .await;
    let first = r["data"]["register"]["refreshToken"].as_str().unwrap().to_string();
    let r = app.gql(None, REFRESH, json!({ "i": { "refreshToken": first } })).await;
    let second = r["data"]["refreshSession"]["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert!(r["data"]["refreshSession"]["accessToken"].is_string());
    // Replaying the rotated token: refused, and the whole session dies.
    let r = app.gql(None, REFRESH, json!({ "i": { "refreshToken": first } })).await;
    assert_eq!(r["data"]["refreshSession"]["userErrors"], json!([{ "code": "SESSION_REVOKED" }]));
    let r = app.gql(None, REFRESH, json!({ "i": { "refreshToken": second } })).await;
    assert_eq!(r["data"]["refreshSession"]["userErrors"], json!([{ "code": "SESSION_REVOKED" }]));
    // Garbage tokens are refused without writing.
    let before = app.snapshot().await;
    for bad in ["", "abc", "1.x", "999.aaaaaaaaaaaaaaaaaaaaaaa"] {
        let r = app.gql(None, REFRESH, json!({ "i": { "refreshToken": bad } })).await;
        assert_eq!(r["data"]["refreshSession"]["userErrors"], json!([{ "code": "SESSION_REVOKED" }]));
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn cookie_mode_keeps_the_refresh_token_out_of_the_body() {
    let app = spawn_app().await;
    let resp = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": REGISTER, "variables": { "i": { "username": "alice", "email": "a@example.com", "password": "password-alice", "refreshTokenInCookie": true } } }))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("jeco_refresh=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["register"]["refreshToken"], json!(null));
    let pair = cookie.split(';').next().unwrap().to_string();
    let resp = app
        .http
        .post(app.url("/graphql"))
        .header("cookie", &pair)
        .json(&json!({ "query": REFRESH, "variables": { "i": { "refreshTokenInCookie": true } } }))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("set-cookie").is_some());
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["data"]["refreshSession"]["accessToken"].is_string(), "{body}");
    // Without a cookie or token, logout ends the bearer's session.
    let token = body["data"]["refreshSession"]["accessToken"].as_str().unwrap();
    let r = app.gql(Some(token), "mutation{ logout(input:{}){ ok userErrors{ code } } }", json!({})).await;
    assert_eq!(r["data"]["logout"], json!({ "ok": true, "userErrors": [] }));
    assert_eq!(app.scalar("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NOT NULL").await, 1);
}

#[tokio::test]
async fn logout_revokes_and_bad_bearer_is_401() {
    let app = spawn_app().await;
    let r = app
        .gql(
            None,
            REGISTER,
            json!({ "i": { "username": "alice", "email": "a@example.com", "password": "password-alice" } }),
        )
        .await;
    let refresh = r["data"]["register"]["refreshToken"].as_str().unwrap().to_string();
    let r = app
        .gql(
            None,
            "mutation($t: String){ logout(input:{ refreshToken: $t }){ ok } }",
            json!({ "t": refresh }),
        )
        .await;
    assert_eq!(r["data"]["logout"]["ok"], json!(true));
    let r = app.gql(None, REFRESH, json!({ "i": { "refreshToken": refresh } })).await;
    assert_eq!(r["data"]["refreshSession"]["userErrors"], json!([{ "code": "SESSION_REVOKED" }]));
    let resp = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth("not.a.jwt")
        .json(&json!({ "query": "{ viewer { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn auth_calls_are_rate_limited_per_address() {
    let app = spawn_app_with(Opts { send_rate: 100, auth_rate: 3, ..Opts::default() }).await;
    for i in 0..3 {
        let r = app
            .gql(
                None,
                LOGIN,
                json!({ "i": { "usernameOrEmail": format!("nobody{i}"), "password": "whatever-pass" } }),
            )
            .await;
        assert_eq!(r["data"]["login"]["userErrors"], json!([{ "code": "INVALID_CREDENTIALS" }]));
    }
    let users = app.count("users").await;
    let r = app
        .gql(
            None,
            REGISTER,
            json!({ "i": { "username": "alice", "email": "a@example.com", "password": "password-alice" } }),
        )
        .await;
    assert_eq!(r["data"]["register"]["userErrors"], json!([{ "field": null, "code": "RATE_LIMITED" }]));
    assert_eq!(app.count("users").await, users);
}

#[tokio::test]
async fn an_ended_sessions_access_tokens_stop_working() {
    let app = spawn_app().await;
    let r = app
        .gql(
            None,
            REGISTER,
            json!({ "i": { "username": "alice", "email": "a@example.com", "password": "password-alice" } }),
        )
        .await;
    let access = r["data"]["register"]["accessToken"].as_str().unwrap().to_string();
    let refresh = r["data"]["register"]["refreshToken"].as_str().unwrap().to_string();
    let other = app
        .gql(None, LOGIN, json!({ "i": { "usernameOrEmail": "alice", "password": "password-alice" } }))
        .await;
    let other_access = other["data"]["login"]["accessToken"].as_str().unwrap().to_string();
    let viewer = |token: String| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": "{ viewer { username } }" }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(viewer(access.clone()).await, 200);
    let r = app.gql(Some(&access), "mutation{ logout(input:{}){ ok } }", json!({})).await;
    assert_eq!(r["data"]["logout"]["ok"], true);
    // The logged-out session's token is refused at once, over HTTP and WebSocket ...
    assert_eq!(viewer(access.clone()).await, 401);
    let mut ws = app.ws_raw(None).await.unwrap();
    ws.send(json!({ "type": "connection_init", "payload": { "authToken": access } })).await;
    assert_eq!(ws.close_code().await, Some(4403));
    // ... while the other device's session goes on.
    assert_eq!(viewer(other_access.clone()).await, 200);
    // Reusing a rotated refresh token ends that session too.
    let refreshed = app.gql(None, REFRESH, json!({ "i": { "refreshToken": refresh } })).await;
    assert_eq!(refreshed["data"]["refreshSession"]["userErrors"], json!([{ "code": "SESSION_REVOKED" }]));
    let r = app
        .gql(None, LOGIN, json!({ "i": { "usernameOrEmail": "alice", "password": "password-alice" } }))
        .await;
    let (third_access, third_refresh) = (
        r["data"]["login"]["accessToken"].as_str().unwrap().to_string(),
        r["data"]["login"]["refreshToken"].as_str().unwrap().to_string(),
    );
    app.gql(None, REFRESH, json!({ "i": { "refreshToken": third_refresh } })).await;
    app.gql(None, REFRESH, json!({ "i": { "refreshToken": third_refresh } })).await;
    assert_eq!(viewer(third_access).await, 401);
}
