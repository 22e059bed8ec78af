//! Cross-origin use (issue 12): a browser app on another origin may call the
//! API with a bearer token (CORS without credentials), while a request that only
//! a cookie authenticates stays bound to the Origin allow-list; and the
//! `possibleTypes` document Apollo Client needs matches the exported schema.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::helpers::*;

const FOREIGN: &str = "https://app.example";

/// Logs alice in with the refresh token in its cookie; returns the `Cookie` header value.
async fn refresh_cookie(app: &TestApp) -> String {
    let login = "mutation { login(input: {usernameOrEmail: \"alice\", password: \"password-alice\", refreshTokenInCookie: true}) { accessToken } }";
    let r = app.http.post(app.url("/graphql")).json(&json!({ "query": login })).send().await.unwrap();
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn a_preflight_from_another_origin_is_answered_without_credentials() {
    let app = spawn_app().await;
    let requested = "authorization, content-type, apollographql-client-name, apollographql-client-version";
    let r = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", FOREIGN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", requested)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["access-control-allow-methods"], "GET, POST, OPTIONS");
    let allowed = h["access-control-allow-headers"].to_str().unwrap().to_string();
    for header in
        requested.split(", ").chain(["accept", "apollo-require-preflight", "x-apollo-operation-name"])
    {
        assert!(allowed.split(", ").any(|a| a == header), "{header} in {allowed}");
    }
    assert!(h.get("access-control-allow-credentials").is_none());
    assert!(h.get("access-control-max-age").is_some());
}

#[tokio::test]
async fn a_bearer_post_from_another_origin_runs_and_is_readable_without_credentials() {
    let app = spawn_app().await;
    let (alice, _) = app.register("alice").await;
    let rooms = app.count("conversations").await;
    let create =
        "mutation { createRoom(input: {name: \"Elsewhere\"}) { conversation { name } userErrors { code } } }";
    let r = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&alice)
        .header("origin", FOREIGN)
        .json(&json!({ "query": create }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers().get("access-control-allow-credentials").is_none());
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["data"]["createRoom"],
        json!({ "conversation": { "name": "Elsewhere" }, "userErrors": [] })
    );
    assert_eq!(app.count("conversations").await, rooms + 1);

    // A cookie riding along is not read cross-origin: only the bearer counts.
    let cookie = refresh_cookie(&app).await;
    let before = app.snapshot().await;
    let refresh = "mutation { refreshSession(input: {}) { accessToken userErrors { code } } }";
    let r = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&alice)
        .header("origin", FOREIGN)
        .header("cookie", &cookie)
        .json(&json!({ "query": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["refreshSession"]["accessToken"], Value::Null, "{body}");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_cookie_post_from_another_origin_is_still_refused() {
    let app = spawn_app().await;
    app.register("alice").await;
    let cookie = refresh_cookie(&app).await;
    let before = app.snapshot().await;
    let refresh = "mutation { refreshSession(input: {refreshTokenInCookie: true}) { accessToken } }";
    let post = |origin: &'static str| {
        app.http
            .post(app.url("/graphql"))
            .header("origin", origin)
            .header("cookie", &cookie)
            .json(&json!({ "query": refresh }))
            .send()
    };
    let r = post(FOREIGN).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.headers().get("access-control-allow-credentials").is_none());
    assert_eq!(app.snapshot().await, before);
    // The same request from the app's own origin works.
    let r = post("http://localhost:8080").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["data"]["refreshSession"]["accessToken"].is_string(), "{body}");
    // WebSocket upgrades keep the allow-list.
    assert!(app.ws_raw(Some(FOREIGN)).await.is_err());
}

/// Interface and union members as `graphql/schema.graphql` declares them, read
/// line by line (independently of the server's own parse).
fn declared_possible_types(sdl: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in sdl.lines() {
        if let Some(rest) = line.strip_prefix("interface ") {
            out.entry(rest.split_whitespace().next().unwrap().to_string()).or_default();
        }
        if let Some(rest) = line.strip_prefix("union ") {
            let (name, members) = rest.split_once('=').unwrap();
            let members = members.split('|').map(|m| m.trim().to_string()).filter(|m| !m.is_empty());
            out.entry(name.trim().to_string()).or_default().extend(members);
        }
        if let Some(rest) = line.strip_prefix("type ").or_else(|| line.strip_prefix("interface ")) {
            if let Some((name, implements)) = rest.split_once(" implements ") {
                let implements = implements.trim_end_matches('{').trim();
                for interface in implements.split('&').map(str::trim) {
                    out.entry(interface.to_string()).or_default().push(name.trim().to_string());
                }
            }
        }
    }
    for members in out.values_mut() {
        members.sort();
    }
    out
}

#[tokio::test]
async fn possible_types_list_every_implementer_of_every_interface_and_union() {
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../graphql/schema.graphql")).unwrap();
    let expected = declared_possible_types(&file);
    assert!(expected["Node"].contains(&"User".to_string()), "{expected:?}");
    assert!(expected["ConversationEventPayload"].contains(&"MessageCreated".to_string()), "{expected:?}");

    let app = spawn_app().await;
    let r = app.http.get(app.url("/graphql/possible-types.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let mut served: BTreeMap<String, Vec<String>> = r.json().await.unwrap();
    for members in served.values_mut() {
        members.sort();
    }
    assert_eq!(served, expected);
}
