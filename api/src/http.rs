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
use tower_http::set_header::SetResponseHeaderLayer;

use crate::graphql::{self, AppSchema, RequestInfo};
use crate::guards::{self, error_response};
use crate::state::AppState;

pub mod respond;

use respond::{negotiated, request_error, respond};

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
    let web = state.config.web_dir.clone();
    let graphiql_dir = state.config.graphiql_dir.clone();
    let policy = crate::csp::policy(&[&web.join("index.html"), &graphiql_dir.join("index.html")]);
    let policy = HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"));
    let types = possible_types_json();
    let http = Http { state, schema };
    // What a page on another origin may call (and read): not the WebSocket,
    // whose upgrade keeps the Origin allow-list, nor anything else.
    let cross_origin = Router::new()
        .route("/graphql", get(negotiated_get).post(negotiated_post))
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
        .merge(crate::media_routes::routes())
        .fallback_service(crate::webapp::routes(&web))
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
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        http.state.metrics.render(Some((&http.state.pool, &http.state.fanout_pool))),
    )
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

// Each refusal made before GraphQL runs answers in the negotiated type too.
async fn negotiated_post(
    http: State<Http>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let out = graphql_post(http, peer, &headers, body).await;
    negotiated(&headers, out)
}

async fn negotiated_get(
    http: State<Http>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let out = graphql_get(http, peer, &headers, params).await;
    negotiated(&headers, out)
}

async fn graphql_post(
    State(http): State<Http>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let ip = guards::client_ip(&http.state, peer, headers);
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
    if let Some(refused) = guards::foreign_origin_without_bearer(&http.state, headers) {
        return refused;
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return error_response(StatusCode::BAD_REQUEST, "request body is not valid JSON"),
    };
    if value.is_array() {
        return error_response(StatusCode::BAD_REQUEST, "batched requests are not supported");
    }
    let mut request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "expected {\"query\": string, \"variables\"?: object, \"operationName\"?: string}",
            )
        }
    };
    if let Err(refused) = http.state.persisted.resolve(&mut request).await {
        return request_error(headers, refused.error());
    }
    execute(&http, headers, ip, request).await
}

/// Query-string form of a GraphQL request (`query` absent when a persisted
/// query's hash is in `extensions`).
#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    variables: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(
    State(http): State<Http>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: &HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let ip = guards::client_ip(&http.state, peer, headers);
    if let Some(refused) = guards::over_ip_rate(&http.state, ip) {
        return refused;
    }
    let Ok(Query(params)) = params else {
        return error_response(StatusCode::BAD_REQUEST, "missing ?query=");
    };
    let mut request = async_graphql::Request::new(params.query.unwrap_or_default());
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(vars) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&vars) {
            Ok(v) => request = request.variables(async_graphql::Variables::from_json(v)),
            Err(_) => return error_response(StatusCode::BAD_REQUEST, "variables is not valid JSON"),
        }
    }
    if let Some(extensions) = params.extensions {
        match serde_json::from_str(&extensions) {
            Ok(e) => request.extensions = e,
            Err(_) => return error_response(StatusCode::BAD_REQUEST, "extensions is not a JSON object"),
        }
    }
    if let Err(refused) = http.state.persisted.resolve(&mut request).await {
        return request_error(headers, refused.error());
    }
    if request.query.is_empty() {
        return error_response(StatusCode::BAD_REQUEST, "missing ?query=");
    }
    // GET must never change anything: only query operations are executed.
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
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
    execute(&http, headers, ip, request).await
}
