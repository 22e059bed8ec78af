//! HTTP guards every entry point applies before doing any work: the client's
//! address (and the `X-Forwarded-For` trust rule), the per-address rate, the
//! browser Origin allow-list (for cookie-authenticated requests and WebSocket
//! upgrades; a bearer token may come from any origin), and the credentials a request carries (bearer
//! header, refresh cookie, WebSocket `connection_init` token). Shared by the
//! GraphQL routes and the WebSocket handler, so neither imports the other.

use std::net::{IpAddr, SocketAddr};

use axum::http::header::{AUTHORIZATION, COOKIE, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::auth::{Viewer, REFRESH_COOKIE};
use crate::state::AppState;

/// A GraphQL-shaped error response with an HTTP status (and the matching `extensions.code`).
pub fn error_response(status: StatusCode, message: &str) -> Response {
    let code = crate::error::TopLevelCode::for_status(status.as_u16()).as_str();
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// The client's address: the peer, or behind a trusted proxy the last hop it
/// appended to `X-Forwarded-For` (earlier hops are client-controlled).
pub fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if !state.config.trust_forwarded_for {
        return peer.ip();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer.ip())
}

/// `429` when the client address is over its request rate.
pub fn over_ip_rate(state: &AppState, ip: IpAddr) -> Option<Response> {
    (!state.ip_limiter.check(&ip))
        .then(|| error_response(StatusCode::TOO_MANY_REQUESTS, "too many requests; slow down"))
}

/// Whether a browser Origin may talk to us (absent Origin = not a browser).
pub fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(ORIGIN).map(|o| o.to_str()) {
        None => true,
        Some(Ok(origin)) => state.allowed_origins.iter().any(|a| a == origin.trim_end_matches('/')),
        Some(Err(_)) => false,
    }
}

/// `403` when a browser Origin is not on the allow-list.
pub fn foreign_origin(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    (!origin_allowed(state, headers)).then(|| error_response(StatusCode::FORBIDDEN, "origin not allowed"))
}

/// `403` when a browser on a foreign Origin sends a request without an
/// `Authorization` header. A page on another site can make the browser attach
/// our cookie, never our bearer token, so only a bearer request may come from
/// anywhere (and is then authenticated by that token alone, see [`same_site_cookie`]).
pub fn foreign_origin_without_bearer(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    if headers.contains_key(AUTHORIZATION) {
        return None;
    }
    foreign_origin(state, headers)
}

/// The refresh cookie, read only from a request of an allowed Origin (or of no
/// browser at all): a cross-origin request is authenticated by its bearer token alone.
pub fn same_site_cookie(state: &AppState, headers: &HeaderMap) -> Option<String> {
    origin_allowed(state, headers).then(|| refresh_cookie(headers)).flatten()
}

/// The viewer from `Authorization: Bearer` (access JWT of an open session or
/// personal access token), `Ok(None)` when absent, a `401` when present but
/// invalid, expired or revoked.
pub async fn bearer(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, Response> {
    let unauthorized = || {
        error_response(
            StatusCode::UNAUTHORIZED,
            "invalid, expired or revoked access token (or the session has ended); log in again",
        )
    };
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(unauthorized)?;
    state.auth.authenticate(token).await.map(Some).ok_or_else(unauthorized)
}

/// A token was presented but is invalid, expired or revoked.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidToken;

/// The viewer from a WebSocket `connection_init` payload, `Ok(None)` when it
/// carries no token.
pub async fn init_viewer(
    state: &AppState,
    payload: &serde_json::Value,
) -> Result<Option<Viewer>, InvalidToken> {
    match init_token(payload) {
        None => Ok(None),
        Some(token) => state.auth.authenticate(&token).await.map(Some).ok_or(InvalidToken),
    }
}

/// The token from `{ "authToken": t }` or `{ "Authorization": "Bearer t" }`.
pub fn init_token(payload: &serde_json::Value) -> Option<String> {
    if let Some(t) = payload.get("authToken").and_then(|v| v.as_str()) {
        return Some(t.to_string());
    }
    ["Authorization", "authorization"]
        .iter()
        .filter_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).to_string())
        .next()
}

/// The refresh token from its cookie, if a non-empty one was sent.
pub fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == REFRESH_COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;

    #[test]
    fn init_tokens_come_from_either_field() {
        assert_eq!(init_token(&json!({ "authToken": "t1" })).as_deref(), Some("t1"));
        assert_eq!(init_token(&json!({ "Authorization": "Bearer t2" })).as_deref(), Some("t2"));
        assert_eq!(init_token(&json!({ "authorization": "t3" })).as_deref(), Some("t3"));
        assert_eq!(
            init_token(&json!({ "authToken": "t1", "Authorization": "Bearer t2" })).as_deref(),
            Some("t1")
        );
        assert_eq!(init_token(&json!({})), None);
        assert_eq!(init_token(&serde_json::Value::Null), None);
    }

    #[test]
    fn the_refresh_cookie_is_found_among_others_and_empty_means_none() {
        let mut headers = HeaderMap::new();
        assert_eq!(refresh_cookie(&headers), None);
        headers.append(COOKIE, HeaderValue::from_static("a=1; jeco_refresh=12.secret; b=2"));
        assert_eq!(refresh_cookie(&headers).as_deref(), Some("12.secret"));
        let mut empty = HeaderMap::new();
        empty.append(COOKIE, HeaderValue::from_static("jeco_refresh="));
        assert_eq!(refresh_cookie(&empty), None);
    }
}
