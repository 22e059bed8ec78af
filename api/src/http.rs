//! HTTP routes: GraphQL over POST (JSON only, no batching) and GET (queries
//! only), answered per GraphQL-over-HTTP in the JSON type the client accepts,
//! the WebSocket endpoint, GraphiQL, the SDL, health, and the web app; CORS
//! (without credentials) on the GraphQL endpoints, and Apollo's `possibleTypes`.

use std::net::{IpAddr, SocketAddr};

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRef, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::graphql::{self, AppSchema, RequestInfo};
use crate::guards::{self, error_response};
use crate::state::AppState;

/// Largest GraphQL request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Router state: the app state and the schema.
#[derive(Clone)]
pub struct Http {
    /// App state.
    pub state: AppState,
    /// The schema.
    pub schema: AppSchema,
}

// Handlers that need only part of the router state (the WebSocket upgrade)
// extract that part, so they need not know this type.
impl FromRef<Http> for AppState {
    fn from_ref(http: &Http) -> Self {
        http.state.clone()
    }
}

impl FromRef<Http> for AppSchema {
    fn from_ref(http: &Http) -> Self {
        http.schema.clone()
    }
}

/// The SDL of the schema (what `export-schema` prints and the drift test checks).
pub fn sdl() -> String {
    use async_graphql::{SDLExportOptions, Schema};
    let schema = Schema::build(
        graphql::Query::default(),
        graphql::Mutation::default(),
        graphql::Subscription::default(),
    )
    .finish();
    schema.sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_arguments().sorted_enum_items())
}

/// All routes.
pub fn router(state: AppState) -> Router {
    let schema = graphql::build(state.clone());
    let web = &state.config.web_dir;
    let web_app = ServeDir::new(web).fallback(ServeFile::new(web.join("index.html")));
    let graphiql_dir = state.config.graphiql_dir.clone();
    let policy = crate::csp::policy(&[&web.join("index.html"), &graphiql_dir.join("index.html")]);
    let policy = HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"));
    let types = possible_types_json();
    let http = Http { state, schema };
    // What a page on another origin may call (and read): not the WebSocket,
    // whose upgrade keeps the Origin allow-list, nor anything else.
    let cross_origin = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/schema.graphql", get(schema_sdl))
        .route("/graphql/possible-types.json", get(move || possible_types(types.clone())))
        .layer(axum::middleware::from_fn(crate::cors::layer));
    Router::new()
        .merge(cross_origin)
        .route("/graphql/ws", get(crate::ws::upgrade))
        .merge(crate::graphiql::routes(&graphiql_dir))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::media::routes())
        .fallback_service(web_app)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(move |r: Response| {
            let policy = policy.clone();
            async move { crate::csp::on_html(r, &policy) }
        }))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .with_state(http)
}

async fn schema_sdl() -> impl IntoResponse {
    static SDL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], SDL.get_or_init(sdl).clone())
}

/// Apollo Client's `possibleTypes` for the schema, computed once from its SDL
/// (`None`, logged, if that failed: the route then answers 500).
fn possible_types_json() -> Option<Bytes> {
    let types = graphql::possible_types::possible_types(&sdl()).map_err(|e| e.to_string());
    match types.and_then(|t| serde_json::to_vec(&t).map_err(|e| e.to_string())) {
        Ok(body) => Some(Bytes::from(body)),
        Err(e) => {
            tracing::error!("possible types: {e}");
            None
        }
    }
}

async fn possible_types(body: Option<Bytes>) -> Response {
    match body {
        Some(body) => ([(CONTENT_TYPE, "application/json")], body).into_response(),
        None => error_response(StatusCode::INTERNAL_SERVER_ERROR, "possible types unavailable"),
    }
}

async fn metrics(State(http): State<Http>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], http.state.metrics.render())
}

async fn readyz(State(http): State<Http>) -> Response {
    let db_ok = match http.state.pool.get().await {
        Ok(mut c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query("SELECT 1").execute(&mut c).await.is_ok()
        }
        Err(_) => false,
    };
    let broker_ok = http.state.hub.broker_healthy();
    // A draining instance is alive but should get no new traffic.
    let draining = *http.state.shutdown.borrow();
    let ready = db_ok && broker_ok && !draining;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({ "database": db_ok, "broker": broker_ok, "draining": draining });
    (status, Json(body)).into_response()
}

async fn execute(http: &Http, headers: &HeaderMap, ip: IpAddr, request: async_graphql::Request) -> Response {
    let viewer = match guards::bearer(&http.state, headers).await {
        Ok(v) => v,
        Err(refused) => return refused,
    };
    let refresh_cookie = guards::same_site_cookie(&http.state, headers);
    let info = RequestInfo { viewer, ip: ip.to_string(), refresh_cookie };
    let request =
        graphql::with_request_data(request, &http.state, info, graphql::loaders::RequestCache::Cache);
    let executed = graphql::edge::Executed::default();
    let response = http.schema.execute(request.data(executed.clone())).await;
    let mut out = respond(headers, response, executed.began());
    out.headers_mut().append(axum::http::header::VARY, HeaderValue::from_static("accept"));
    out
}

/// The modern GraphQL-over-HTTP response type.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

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
fn respond(headers: &HeaderMap, mut response: async_graphql::Response, executed: bool) -> Response {
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
fn prefers_graphql_response(headers: &HeaderMap) -> bool {
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

async fn graphql_post(
    State(http): State<Http>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ip = guards::client_ip(&http.state, peer, &headers);
    if let Some(refused) = guards::over_ip_rate(&http.state, ip) {
        return refused;
    }
    // JSON only: an HTML form cannot send it cross-site without a CORS
    // preflight, and our preflight never allows credentials, so a browser
    // sends no cookie with it. Behind that, a foreign Origin must carry a
    // bearer token, and its cookie is not read: that stops CSRF.
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v == "application/graphql-response+json");
    if !json {
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    }
    if let Some(refused) = guards::foreign_origin_without_bearer(&http.state, &headers) {
        return refused;
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return error_response(StatusCode::BAD_REQUEST, "request body is not valid JSON"),
    };
    if value.is_array() {
        return error_response(StatusCode::BAD_REQUEST, "batched requests are not supported");
    }
    let request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "expected {\"query\": string, \"variables\"?: object, \"operationName\"?: string}",
            )
        }
    };
    execute(&http, &headers, ip, request).await
}

/// Query-string form of a GraphQL request.
#[derive(Deserialize)]
struct GetParams {
    query: String,
    variables: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
}

async fn graphql_get(
    State(http): State<Http>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let ip = guards::client_ip(&http.state, peer, &headers);
    if let Some(refused) = guards::over_ip_rate(&http.state, ip) {
        return refused;
    }
    let Ok(Query(params)) = params else {
        return error_response(StatusCode::BAD_REQUEST, "missing ?query=");
    };
    // GET must never change anything: only query operations are executed.
    let Ok(doc) = async_graphql::parser::parse_query(&params.query) else {
        return error_response(StatusCode::BAD_REQUEST, "query does not parse");
    };
    let op_type = match (&params.operation_name, doc.operations.iter().count()) {
        (Some(name), _) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str()))
            .map(|(_, op)| op.node.ty),
        (None, 1) => doc.operations.iter().next().map(|(_, op)| op.node.ty),
        (None, _) => None,
    };
    if op_type != Some(OperationType::Query) {
        return error_response(StatusCode::METHOD_NOT_ALLOWED, "only queries may be sent with GET; use POST");
    }
    let mut request = async_graphql::Request::new(params.query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&vars) {
            Ok(v) => request = request.variables(async_graphql::Variables::from_json(v)),
            Err(_) => return error_response(StatusCode::BAD_REQUEST, "variables is not valid JSON"),
        }
    }
    execute(&http, &headers, ip, request).await
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
