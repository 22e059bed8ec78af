//! Profile, password change and reset (mail read from the outbox), personal
//! access tokens over HTTP and WebSocket, and account deletion.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::ops::op;

fn code(payload: &Value) -> &str {
    payload["userErrors"][0]["code"].as_str().unwrap_or("none")
}

async fn login(app: &TestApp, user: &str, password: &str) -> Value {
    app.mutate(
        None,
        "login",
        "LoginInput",
        json!({ "usernameOrEmail": user, "password": password }),
        "accessToken refreshToken",
    )
    .await
}

async fn viewer(app: &TestApp, token: &str) -> Value {
    let r = app.gql(Some(token), "{ viewer { username displayName bio } }", json!({})).await;
    r["data"]["viewer"].clone()
}

/// Polls the outbox for a mail; returns its text.
async fn wait_for_mail(app: &TestApp) -> String {
    let dir = app.data_dir.join("outbox");
    for _ in 0..100 {
        if let Ok(mut entries) = std::fs::read_dir(&dir) {
            if let Some(Ok(e)) = entries.next() {
                // Undo quoted-printable soft breaks and escapes, as a mail client would.
                let raw = std::fs::read_to_string(e.path()).unwrap();
                return raw.replace("=\r\n", "").replace("=3D", "=");
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail in {}", dir.display());
}

fn outbox_len(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir.join("outbox")).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn profiles_update_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let p = app
        .mutate(
            Some(&alice),
            "updateProfile",
            "UpdateProfileInput",
            json!({ "displayName": "Alice A.", "bio": "Rust & tea" }),
            "user{ displayName bio }",
        )
        .await;
    assert_eq!(p["user"], json!({ "displayName": "Alice A.", "bio": "Rust & tea" }));
    for (input, field) in [
        (json!({ "displayName": "  " }), "displayName"),
        (json!({ "bio": "x".repeat(501) }), "bio"),
        (json!({ "displayName": "a\u{0}b" }), "displayName"),
    ] {
        let r = app.mutate(Some(&alice), "updateProfile", "UpdateProfileInput", input, "user{ id }").await;
        assert_eq!(r["userErrors"][0]["field"], field, "{r}");
    }
    let anon =
        app.mutate(None, "updateProfile", "UpdateProfileInput", json!({ "bio": "x" }), "user{ id }").await;
    assert_eq!(code(&anon), "UNAUTHENTICATED");
    assert_eq!(
        viewer(&app, &alice).await,
        json!({ "username": "alice", "displayName": "Alice A.", "bio": "Rust & tea" })
    );
    // An empty bio clears it.
    app.mutate(Some(&alice), "updateProfile", "UpdateProfileInput", json!({ "bio": "" }), "user{ id }").await;
    assert!(viewer(&app, &alice).await["bio"].is_null());
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_only() {
    let app = spawn_app().await;
    let (here, _) = app.register("alice").await;
    let other = login(&app, "alice", "password-alice").await["accessToken"].as_str().unwrap().to_string();
    let sessions_open = "SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL";
    let (before, open_before) = (app.snapshot().await, app.scalar(sessions_open).await);
    let wrong = app
        .mutate(
            Some(&here),
            "changePassword",
            "ChangePasswordInput",
            json!({ "currentPassword": "nope-nope", "newPassword": "new-password-1" }),
            "ok",
        )
        .await;
    assert_eq!(code(&wrong), "INVALID_CREDENTIALS");
    let short = app
        .mutate(
            Some(&here),
            "changePassword",
            "ChangePasswordInput",
            json!({ "currentPassword": "password-alice", "newPassword": "short" }),
            "ok",
        )
        .await;
    assert_eq!(short["userErrors"][0]["field"], "newPassword");
    assert_eq!((app.snapshot().await, app.scalar(sessions_open).await), (before, open_before));
    assert_eq!(login(&app, "alice", "password-alice").await["userErrors"], json!([]), "unchanged so far");
    let ok = app
        .mutate(
            Some(&here),
            "changePassword",
            "ChangePasswordInput",
            json!({ "currentPassword": "password-alice", "newPassword": "new-password-1" }),
            "ok",
        )
        .await;
    assert_eq!(ok["ok"], true);
    assert_eq!(viewer(&app, &here).await["username"], "alice", "this session stays");
    let r = app.gql(Some(&other), "{ viewer { username } }", json!({})).await;
    assert!(r["errors"].is_array(), "the other session ended: {r}");
    assert_eq!(code(&login(&app, "alice", "password-alice").await), "INVALID_CREDENTIALS");
    assert_eq!(login(&app, "alice", "new-password-1").await["userErrors"], json!([]));
}

#[tokio::test]
async fn password_reset_by_mail_works_once_and_says_the_same_for_unknown_addresses() {
    let app = spawn_app().await;
    let (old, _) = app.register("alice").await;
    let ask = |email: &str| {
        app.mutate(None, "requestPasswordReset", "RequestPasswordResetInput", json!({ "email": email }), "ok")
    };
    // Unknown address: same answer, no mail, nothing written.
    let before = app.snapshot().await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!(unknown, json!({ "ok": true, "userErrors": [] }));
    assert_eq!(app.snapshot().await, before);
    assert_eq!(code(&ask("not-an-email").await), "INVALID");
    let known = ask("ALICE@example.com").await;
    assert_eq!(known, unknown, "the answer does not tell whether the address exists");
    let mail = wait_for_mail(&app).await;
    assert!(mail.contains("To: alice@example.com"), "{mail}");
    let link = mail.lines().find(|l| l.contains("/reset-password?token=")).expect("a link");
    let token = link.split("token=").nth(1).unwrap().trim().to_string();
    let reset = |t: String, pw: &str| {
        app.mutate(
            None,
            "resetPassword",
            "ResetPasswordInput",
            json!({ "token": t, "newPassword": pw }),
            "ok",
        )
    };
    // Bad token, bad password: refused, nothing changes (the token stays unused).
    let unused = "SELECT count(*) AS n FROM password_resets WHERE used_at IS NULL";
    let (before, unused_before) = (app.snapshot().await, app.scalar(unused).await);
    assert_eq!(reset("garbage".into(), "new-password-1").await["userErrors"][0]["field"], "token");
    assert_eq!(reset(token.clone(), "short").await["userErrors"][0]["field"], "newPassword");
    assert_eq!((app.snapshot().await, app.scalar(unused).await), (before, unused_before));
    assert_eq!(unused_before, 1);
    assert_eq!(login(&app, "alice", "password-alice").await["userErrors"], json!([]));
    assert_eq!(reset(token.clone(), "new-password-1").await["ok"], true);
    // Single use; every session ended.
    assert_eq!(reset(token, "new-password-2").await["userErrors"][0]["field"], "token");
    assert!(app.gql(Some(&old), "{ viewer { id } }", json!({})).await["errors"].is_array());
    assert_eq!(login(&app, "alice", "new-password-1").await["userErrors"], json!([]));
    assert_eq!(outbox_len(&app), 1);
}

#[tokio::test]
async fn access_tokens_work_over_http_and_websocket_until_revoked() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let room = app.create_room(&alice, "General").await;
    let created = app
        .mutate(
            Some(&alice),
            "createAccessToken",
            "CreateAccessTokenInput",
            json!({ "name": "ci bot", "expiresInDays": 30, "password": "password-alice" }),
            "token accessToken{ id name expiresAt }",
        )
        .await;
    let token = created["token"].as_str().unwrap().to_string();
    let id = created["accessToken"]["id"].as_str().unwrap().to_string();
    assert!(token.starts_with("jeco_pat_"));
    assert_eq!(
        app.scalar(
            "SELECT count(*) AS n FROM access_tokens WHERE secret_hash::text LIKE '%' || 'jeco' || '%'"
        )
        .await,
        0
    );
    // HTTP: the bot posts as alice.
    assert_eq!(viewer(&app, &token).await["username"], "alice");
    assert_eq!(app.send(&token, &room, "from the bot", "bot-1").await["userErrors"], json!([]));
    // WebSocket: the bot subscribes.
    let mut ws = app.ws(&token).await;
    ws.subscribe_events("s", Some(&room), Some(&log_start())).await;
    ws.event_where("s", |e| e["payload"]["message"]["body"] == "from the bot").await;
    let list = app.gql(Some(&alice), "{ accessTokens { id name } }", json!({})).await;
    assert_eq!(list["data"]["accessTokens"], json!([{ "id": id, "name": "ci bot" }]));
    // Malformed and not-allowed cases write nothing.
    let (bob, _) = app.register("bob").await;
    let before = app.snapshot().await;
    for (input, field) in [
        (json!({ "name": "", "password": "password-alice" }), "name"),
        (json!({ "name": "x", "expiresInDays": 0, "password": "password-alice" }), "expiresInDays"),
        (json!({ "name": "x", "expiresInDays": 99999, "password": "password-alice" }), "expiresInDays"),
    ] {
        let r = app.mutate(Some(&alice), "createAccessToken", "CreateAccessTokenInput", input, "token").await;
        assert_eq!(r["userErrors"][0]["field"], field);
    }
    let stolen = app
        .mutate(Some(&bob), "revokeAccessToken", "RevokeAccessTokenInput", json!({ "id": id }), "ok")
        .await;
    assert_eq!(code(&stolen), "NOT_FOUND", "bob can't revoke alice's token");
    assert_eq!(app.snapshot().await, before);
    let forged = format!("{}X", &token[..token.len() - 1]);
    let r = app.gql(Some(&forged), "{ viewer { id } }", json!({})).await;
    assert!(r["errors"].is_array(), "a wrong secret is refused");
    // Revoked: refused at once, over HTTP and for new WebSocket connections.
    let ok = app
        .mutate(Some(&alice), "revokeAccessToken", "RevokeAccessTokenInput", json!({ "id": id }), "ok")
        .await;
    assert_eq!(ok["ok"], true);
    assert!(app.gql(Some(&token), "{ viewer { id } }", json!({})).await["errors"].is_array());
    let mut ws = app.ws_raw(None).await.unwrap();
    ws.send(json!({ "type": "connection_init", "payload": { "authToken": token } })).await;
    assert_eq!(ws.close_code().await, Some(4403));
}

#[tokio::test]
async fn deleting_an_account_anonymises_it_and_keeps_history() {
    let app = spawn_app().await;
    let (alice, alice_id) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let (carol, _) = app.register("carol").await;
    let room = app.create_room(&bob, "General").await;
    app.join(&alice, &room).await;
    app.send(&alice, &room, "bye all", "a-1").await;
    let open = op("OpenDirectConversation");
    let dm = app.gql(Some(&bob), open, json!({ "input": { "userId": alice_id } })).await["data"]
        ["openDirectConversation"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.send(&alice, &dm, "see you", "a-2").await;
    let before = app.snapshot().await;
    let wrong = app
        .mutate(Some(&alice), "deleteAccount", "DeleteAccountInput", json!({ "password": "nope" }), "ok")
        .await;
    assert_eq!(code(&wrong), "INVALID_CREDENTIALS");
    assert_eq!(app.snapshot().await, before, "a refused deletion writes nothing");
    assert_eq!(viewer(&app, &alice).await["username"], "alice");
    let ok = app
        .mutate(
            Some(&alice),
            "deleteAccount",
            "DeleteAccountInput",
            json!({ "password": "password-alice" }),
            "ok",
        )
        .await;
    assert_eq!(ok["ok"], true);
    assert!(
        app.gql(Some(&alice), "{ viewer { id } }", json!({})).await["errors"].is_array(),
        "session ended"
    );
    assert_eq!(code(&login(&app, "alice", "password-alice").await), "INVALID_CREDENTIALS");
    // History stays, from "Deleted user"; alice is no longer a member or findable.
    let h = app
        .gql(Some(&bob), "query($c: ID!){ conversation(id: $c){ memberCount messages(last: 5){ nodes{ body sender{ displayName } } } } }", json!({ "c": room }))
        .await;
    let conv = &h["data"]["conversation"];
    assert_eq!(conv["memberCount"], 1);
    assert_eq!(
        conv["messages"]["nodes"],
        json!([{ "body": "bye all", "sender": { "displayName": "Deleted user" } }])
    );
    let found = app.gql(Some(&bob), "{ searchUsers(query: \"alice\"){ nodes { id } } }", json!({})).await;
    assert_eq!(found["data"]["searchUsers"]["nodes"], json!([]));
    // The direct conversation stays readable for bob, but takes no new
    // messages; nobody can open a new one with the deleted account.
    let before = app.snapshot().await;
    let sent = app.send(&bob, &dm, "are you there?", "b-1").await;
    assert_eq!(sent["userErrors"][0]["code"], "FORBIDDEN", "{sent}");
    let r = app.gql(Some(&carol), open, json!({ "input": { "userId": alice_id } })).await;
    assert_eq!(r["data"]["openDirectConversation"]["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
    let h = app
        .gql(
            Some(&bob),
            "query($c: ID!){ conversation(id: $c){ messages(last: 5){ nodes{ body } } } }",
            json!({ "c": dm }),
        )
        .await;
    assert_eq!(h["data"]["conversation"]["messages"]["nodes"], json!([{ "body": "see you" }]));
    // The handle is free again.
    app.register("alice").await;
}
