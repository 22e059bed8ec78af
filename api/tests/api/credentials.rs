//! Credentials that end when they should (issue 9): forged refresh secrets,
//! guessable session handles, personal access tokens and account recovery,
//! and usernames that collide with deleted accounts.

use serde_json::{json, Value};

use crate::helpers::*;

const REGISTER: &str =
    "mutation($i: RegisterInput!){ register(input:$i){ accessToken refreshToken userErrors{ field code } } }";
const REFRESH: &str = "mutation($i: RefreshSessionInput!){ refreshSession(input:$i){ accessToken refreshToken userErrors{ code } } }";

async fn register_with_refresh(app: &TestApp, name: &str) -> (String, String) {
    let input = json!({ "username": name, "email": format!("{name}@example.com"), "password": format!("password-{name}") });
    let r = app.gql(None, REGISTER, json!({ "i": input })).await;
    let p = &r["data"]["register"];
    assert_eq!(p["userErrors"], json!([]), "{r}");
    (p["accessToken"].as_str().unwrap().to_string(), p["refreshToken"].as_str().unwrap().to_string())
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.gql(None, REFRESH, json!({ "i": { "refreshToken": token } })).await["data"]["refreshSession"].clone()
}

fn code(payload: &Value) -> &str {
    payload["userErrors"][0]["code"].as_str().unwrap_or("none")
}

#[tokio::test]
async fn a_made_up_refresh_secret_does_not_end_the_victims_session() {
    let app = spawn_app().await;
    let (access, first) = register_with_refresh(&app, "alice").await;
    let (public, _) = first.split_once('.').unwrap();
    // The attacker knows (or guesses) the public half, not the secret.
    let forged = format!("{public}.{}", "A".repeat(43));
    assert_eq!(code(&refresh(&app, &forged).await), "SESSION_REVOKED");
    assert_eq!(app.scalar("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NOT NULL").await, 0);
    let viewer = app.gql(Some(&access), "{ viewer { username } }", json!({})).await;
    assert_eq!(viewer["data"]["viewer"]["username"], "alice", "{viewer}");
    // The genuine chain goes on; a replay of a genuine earlier secret still
    // ends the session (reuse detection is kept).
    let r = refresh(&app, &first).await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let second = r["refreshToken"].as_str().unwrap().to_string();
    assert_eq!(code(&refresh(&app, &forged).await), "SESSION_REVOKED");
    let r = refresh(&app, &second).await;
    assert_eq!(r["userErrors"], json!([]), "a forged secret after a rotation is no reuse either: {r}");
    let third = r["refreshToken"].as_str().unwrap().to_string();
    assert_eq!(code(&refresh(&app, &second).await), "SESSION_REVOKED");
    assert_eq!(code(&refresh(&app, &third).await), "SESSION_REVOKED", "genuine reuse revoked the session");
}

#[tokio::test]
async fn refresh_tokens_name_sessions_by_an_unguessable_handle() {
    let app = spawn_app().await;
    let (_, a) = register_with_refresh(&app, "alice").await;
    let (_, b) = register_with_refresh(&app, "bob").await;
    let (pa, pb) = (a.split_once('.').unwrap().0, b.split_once('.').unwrap().0);
    for public in [pa, pb] {
        assert!(public.parse::<i64>().is_err(), "{public} is a sequential id");
        assert!(public.len() >= 20, "{public} is too short to be unguessable");
    }
    assert_ne!(pa, pb);
    // Session ids do not name sessions in refresh tokens any more.
    let id = app.scalar("SELECT max(id) AS n FROM sessions").await;
    let by_id = format!("{id}.{}", b.split_once('.').unwrap().1);
    assert_eq!(code(&refresh(&app, &by_id).await), "SESSION_REVOKED");
    assert_eq!(refresh(&app, &b).await["userErrors"], json!([]));
}

#[tokio::test]
async fn a_deleted_accounts_handle_cannot_be_registered_first() {
    let app = spawn_app().await;
    let (victim, _) = app.register("victim").await;
    let id = app.scalar("SELECT id AS n FROM users WHERE username = 'victim'").await;
    let before = app.snapshot().await;
    for (username, email) in [
        (format!("deleted-{id}"), "squat@example.com".to_string()),
        (format!("DELETED-{id}"), "squat@example.com".to_string()),
        ("squatter".to_string(), format!("deleted-{id}@deleted.invalid")),
    ] {
        let input = json!({ "username": username, "email": email, "password": "password-squat" });
        let r = app.gql(None, REGISTER, json!({ "i": input })).await;
        let errors = &r["data"]["register"]["userErrors"];
        assert_eq!(errors[0]["code"], "INVALID", "{username} / {email}: {r}");
    }
    assert_eq!(app.snapshot().await, before, "refused registrations write nothing");
    let ok = app
        .mutate(
            Some(&victim),
            "deleteAccount",
            "DeleteAccountInput",
            json!({ "password": "password-victim" }),
            "ok",
        )
        .await;
    assert_eq!(ok["ok"], true, "{ok}");
}

async fn create_pat(app: &TestApp, token: &str, password: Option<&str>) -> Value {
    let mut input = json!({ "name": "ci bot" });
    if let Some(p) = password {
        input["password"] = json!(p);
    }
    let q = "mutation($i: CreateAccessTokenInput!){ createAccessToken(input:$i){ token userErrors{ field code } } }";
    app.gql(Some(token), q, json!({ "i": input })).await
}

async fn pat(app: &TestApp, token: &str, password: &str) -> String {
    let r = create_pat(app, token, Some(password)).await;
    r["data"]["createAccessToken"]["token"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
}

async fn works(app: &TestApp, token: &str) -> bool {
    let r = app.gql(Some(token), "{ viewer { id } }", json!({})).await;
    r["data"]["viewer"]["id"].is_string()
}

#[tokio::test]
async fn creating_an_access_token_needs_the_password_and_a_token_cannot_mint_one() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let before = app.snapshot().await;
    let missing = create_pat(&app, &alice, None).await;
    assert!(missing["errors"].is_array(), "the password is required: {missing}");
    let wrong = create_pat(&app, &alice, Some("not-her-password")).await;
    let errors = &wrong["data"]["createAccessToken"]["userErrors"];
    assert_eq!(errors, &json!([{ "field": "password", "code": "INVALID_CREDENTIALS" }]), "{wrong}");
    assert_eq!(app.snapshot().await, before, "refused creations write nothing");
    let token = pat(&app, &alice, "password-alice").await;
    // A personal access token cannot mint another, even with the password.
    let before = app.snapshot().await;
    let minted = create_pat(&app, &token, Some("password-alice")).await;
    assert_eq!(minted["data"]["createAccessToken"]["userErrors"][0]["code"], "FORBIDDEN", "{minted}");
    assert_eq!(minted["data"]["createAccessToken"]["token"], json!(null));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn password_reset_and_change_revoke_access_tokens() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let (kept, changed) =
        (pat(&app, &alice, "password-alice").await, pat(&app, &alice, "password-alice").await);
    assert!(works(&app, &kept).await && works(&app, &changed).await);
    // A password change ends every other credential, tokens included.
    let input = json!({ "currentPassword": "password-alice", "newPassword": "password-alice-2" });
    let ok = app.mutate(Some(&alice), "changePassword", "ChangePasswordInput", input, "ok").await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert!(!works(&app, &kept).await && !works(&app, &changed).await, "a password change revokes tokens");
    assert!(works(&app, &alice).await, "the session that changed it stays");
    // A reset (account recovery) ends every session and every token.
    let token = pat(&app, &alice, "password-alice-2").await;
    assert!(works(&app, &token).await);
    let ask = json!({ "email": "alice@example.com" });
    app.mutate(None, "requestPasswordReset", "RequestPasswordResetInput", ask, "ok").await;
    let reset = reset_token_from_outbox(&app).await;
    let input = json!({ "token": reset, "newPassword": "password-alice-3" });
    let ok = app.mutate(None, "resetPassword", "ResetPasswordInput", input, "ok").await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert!(!works(&app, &token).await, "a reset revokes tokens");
    assert_eq!(app.scalar("SELECT count(*) AS n FROM access_tokens WHERE revoked_at IS NULL").await, 0);
}

#[tokio::test]
async fn deleting_an_account_refuses_its_tokens_at_once() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let token = pat(&app, &alice, "password-alice").await;
    // Used once, so this instance has it cached as valid.
    assert!(works(&app, &token).await);
    let input = json!({ "password": "password-alice" });
    let ok = app.mutate(Some(&alice), "deleteAccount", "DeleteAccountInput", input, "ok").await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert!(!works(&app, &token).await, "the deleted account's token is refused at once");
}

/// The token of the one reset link in the outbox.
async fn reset_token_from_outbox(app: &TestApp) -> String {
    let dir = app.data_dir.join("outbox");
    for _ in 0..100 {
        if let Some(Ok(e)) = std::fs::read_dir(&dir).ok().and_then(|mut d| d.next()) {
            let mail = std::fs::read_to_string(e.path()).unwrap().replace("=\r\n", "").replace("=3D", "=");
            let link = mail.lines().find(|l| l.contains("token=")).expect("a link");
            return link.split("token=").nth(1).unwrap().trim().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail in {}", dir.display());
}
