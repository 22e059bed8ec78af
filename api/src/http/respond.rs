//! Writing a GraphQL response in the JSON type the client accepts
//! (GraphQL-over-HTTP): `application/graphql-response+json` when `Accept`
//! prefers it, with 400 for request errors, else `application/json` and 200.
//! Refusals made before GraphQL runs keep their status but take the same type.

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::guards::error_response;

/// The modern GraphQL-over-HTTP response type.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// A request error as sent: no `data` entry at all (GraphQL-over-HTTP, and the
/// GraphQL spec for errors raised before execution).
#[derive(serde::Serialize)]
struct RequestError {
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: std::collections::BTreeMap<String, async_graphql::Value>,
    errors: Vec<async_graphql::ServerError>,
}

/// Writes a GraphQL response in the type the client prefers. As
/// `application/json` everything is 200 (older clients expect that); as
/// `application/graphql-response+json` a request error is 400.
pub fn respond(headers: &HeaderMap, mut response: async_graphql::Response, executed: bool) -> Response {
    let modern = prefers_graphql_response(headers);
    let request_error = !executed && !response.errors.is_empty();
    let status = if request_error && modern { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let extra = std::mem::take(&mut response.http_headers);
    let body = if request_error {
        let errors = std::mem::take(&mut response.errors);
        serde_json::to_vec(&RequestError { extensions: std::mem::take(&mut response.extensions), errors })
    } else {
        serde_json::to_vec(&response)
    };
    let body = match body {
        Ok(body) => body,
        Err(e) => {
            let message = crate::error::internal(e).message;
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &message);
        }
    };
    let media = if modern { GRAPHQL_RESPONSE_JSON } else { "application/json" };
    let mut out = (status, [(CONTENT_TYPE, HeaderValue::from_static(media))], body).into_response();
    for (name, value) in extra.iter() {
        out.headers_mut().append(name, value.clone());
    }
    out
}

/// Whether `Accept` ranks `application/graphql-response+json` at least as high
/// as `application/json` (or a wildcard covering it). Without `Accept`, or with
/// only `*/*`, the answer is `application/json`, as the spec asks for clients
/// that predate the new type.
pub fn prefers_graphql_response(headers: &HeaderMap) -> bool {
    let (mut modern, mut json) = (0.0_f32, 0.0_f32);
    let ranges = headers.get_all(axum::http::header::ACCEPT).into_iter().filter_map(|v| v.to_str().ok());
    for range in ranges.flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => modern = modern.max(q),
            "application/json" | "application/*" | "*/*" => json = json.max(q),
            _ => {}
        }
    }
    modern > 0.0 && modern >= json
}

/// A request refused before GraphQL runs (a persisted query not found, an
/// operation not trusted): a request error, answered like one.
pub fn request_error(headers: &HeaderMap, error: async_graphql::ServerError) -> Response {
    respond(headers, async_graphql::Response::from_errors(vec![error]), false)
}

/// Gives a refusal made before GraphQL ran (its body is GraphQL-shaped JSON)
/// the response type the client negotiated.
pub fn negotiated(headers: &HeaderMap, mut out: Response) -> Response {
    let is_json = out.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes() == b"application/json");
    if is_json && out.status() != StatusCode::OK && prefers_graphql_response(headers) {
        out.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(GRAPHQL_RESPONSE_JSON));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefers(accept: Option<&str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(a) = accept {
            headers.insert(
                axum::http::header::ACCEPT,
                HeaderValue::from_str(a).unwrap_or(HeaderValue::from_static("")),
            );
        }
        prefers_graphql_response(&headers)
    }

    #[test]
    fn the_accept_header_picks_the_response_type() {
        // Apollo Client, urql and graphql-request as they send it.
        assert!(prefers(Some("application/graphql-response+json,application/json;q=0.9")));
        assert!(prefers(Some("application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed")));
        assert!(prefers(Some("application/graphql-response+json, application/json")));
        assert!(!prefers(None));
        assert!(!prefers(Some("*/*")));
        assert!(!prefers(Some("application/json")));
        assert!(!prefers(Some("application/json, application/graphql-response+json;q=0.5")));
        assert!(!prefers(Some("application/graphql-response+json;q=0, */*")));
    }
}
