//! CORS for the GraphQL endpoints, without credentials: any origin may send a
//! preflight and read the answers, because a browser never attaches cookies to
//! a request whose preflight lacks `Access-Control-Allow-Credentials`. What a
//! foreign origin may *run* is decided by `guards::cross_site` (a bearer token).

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ALLOW,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Methods a cross-origin page may use.
pub const ALLOW_METHODS: &str = "GET, POST, OPTIONS";

/// Request headers a cross-origin page may set: the token and the JSON body
/// type, and what Apollo Client (client awareness, CSRF-prevention headers) and
/// urql or graphql-request add.
pub const ALLOW_HEADERS: &str = "accept, authorization, content-type, apollographql-client-name, \
     apollographql-client-version, apollo-require-preflight, x-apollo-operation-name";

/// How long a browser may cache a preflight (seconds; Chromium caps it at 7200).
const MAX_AGE: &str = "7200";

/// Middleware: answers `OPTIONS` as a CORS preflight (`204`) and marks every
/// other answer readable from any origin (`Access-Control-Allow-Origin: *`,
/// never with credentials).
pub async fn layer(request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        let headers = [
            (ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS),
            (ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS),
            (ACCESS_CONTROL_MAX_AGE, MAX_AGE),
            (ALLOW, ALLOW_METHODS),
        ];
        return (StatusCode::NO_CONTENT, headers).into_response();
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}
