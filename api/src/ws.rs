//! GraphQL over WebSocket, `graphql-transport-ws` protocol, written out here
//! so that every close code is the one the protocol (and so the `graphql-ws`
//! client, GraphiQL, Apollo, urql) expects: 4400 bad message, 4401 subscribe
//! before ack, 4403 rejected credentials (also when they end later, see
//! `auth::CredentialWatch`), 4406 wrong subprotocol, 4408 no
//! `connection_init` in time, 4409 duplicate id, 4429 repeated init.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::auth::CredentialWatch;
use crate::graphql::{self, AppSchema, RequestInfo};
use crate::guards;
use crate::state::AppState;
use jeco_schema::ids::UserId;

/// The subprotocol.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// Time allowed between the upgrade and `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest client frame.
pub const MAX_FRAME: usize = 64 * 1024;
/// Operations one connection may run at once.
pub const MAX_OPERATIONS: usize = 100;
/// Server pings keep idle connections (and proxies) alive.
pub const PING_EVERY: Duration = Duration::from_secs(20);

/// `GET /graphql/ws`.
pub async fn upgrade(
    State(state): State<AppState>,
    State(schema): State<AppSchema>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let ip = guards::client_ip(&state, peer, &headers);
    if let Some(refused) = guards::over_ip_rate(&state, ip) {
        return refused;
    }
    if let Some(refused) = guards::foreign_origin(&state, &headers) {
        return refused;
    }
    let offered = headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    ws.protocols([PROTOCOL]).max_message_size(MAX_FRAME).on_upgrade(move |socket| async move {
        if offered {
            serve(socket, Endpoint { state, schema }, ip).await;
        } else {
            close(socket, 4406, "Subprotocol not acceptable").await;
        }
    })
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Ping {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<serde_json::Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<serde_json::Value>,
    },
    Subscribe {
        id: String,
        payload: serde_json::Value,
    },
    Complete {
        id: String,
    },
}

/// What a connection needs from the server.
struct Endpoint {
    state: AppState,
    schema: AppSchema,
}

/// Why the server closes.
struct Close(u16, String);

fn text(v: serde_json::Value) -> Message {
    Message::Text(v.to_string().into())
}

/// Outcome of one finished operation task.
struct Done {
    id: String,
    /// `complete` is due (not after an `error`).
    complete: bool,
}

async fn serve(socket: WebSocket, ep: Endpoint, ip: IpAddr) {
    let gauge = &ep.state.metrics.websocket_connections;
    gauge.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    serve_counted(socket, &ep, ip).await;
    gauge.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
}

async fn serve_counted(socket: WebSocket, ep: &Endpoint, ip: IpAddr) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut out_rx) = mpsc::channel::<Message>(256);
    let writer = tokio::spawn(async move {
        while let Some(m) = out_rx.recv().await {
            let last = matches!(m, Message::Close(_));
            if sink.send(m).await.is_err() || last {
                break;
            }
        }
    });
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    let mut ops: HashMap<String, AbortHandle> = HashMap::new();
    let mut info: Option<RequestInfo> = None;
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut shutdown = ep.state.shutdown.clone();
    // Who this connection keeps online (set once connection_init succeeds).
    let mut online_as: Option<crate::events::PublicUser> = None;
    let mut last_heard = tokio::time::Instant::now();
    // The credential of connection_init, re-checked as the connection runs.
    let mut credential: Option<CredentialWatch> = None;

    let closing: Option<Close> = loop {
        tokio::select! {
            _ = &mut init_deadline, if info.is_none() => {
                break Some(Close(4408, "Connection initialisation timeout".into()));
            }
            _ = crate::auth::credential_ended(&mut credential) => {
                break Some(Close(4403, "Forbidden".into()));
            }
            _ = shutdown.changed() => {
                // Tell clients to come back (and resume from their cursor).
                break Some(Close(1012, "Server restarting".into()));
            }
            _ = ping.tick() => {
                // Clients answer pings; silence for three rounds means a dead peer.
                if last_heard.elapsed() > PING_EVERY * 3 {
                    break Some(Close(1001, "Keepalive timeout".into()));
                }
                if out.send(text(serde_json::json!({"type": "ping"}))).await.is_err() { break None; }
            }
            Some(done) = done_rx.recv() => {
                if ops.remove(&done.id).is_some() && done.complete {
                    let _ = out.send(text(serde_json::json!({"type": "complete", "id": done.id}))).await;
                }
            }
            frame = stream.next() => {
                last_heard = tokio::time::Instant::now();
                let raw = match frame {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => break Some(Close(4400, "Binary frames are not supported".into())),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                    Some(Ok(_)) => continue,
                };
                let msg: ClientMessage = match serde_json::from_str(raw.as_str()) {
                    Ok(m) => m,
                    Err(_) => break Some(Close(4400, "Invalid message received".into())),
                };
                match msg {
                    ClientMessage::ConnectionInit { payload } => {
                        if info.is_some() {
                            break Some(Close(4429, "Too many initialisation requests".into()));
                        }
                        let payload = payload.unwrap_or(serde_json::Value::Null);
                        let viewer = match guards::init_viewer(&ep.state, &payload).await {
                            Ok(v) => v,
                            Err(guards::InvalidToken) => break Some(Close(4403, "Forbidden".into())),
                        };
                        if let Some(v) = viewer {
                            let every = ep.state.config.credential_check;
                            credential = guards::init_token(&payload)
                                .map(|t| CredentialWatch::new(&ep.state.auth, t, every));
                            online_as = public_user(ep, v.user_id).await;
                            if let Some(user) = &online_as {
                                ep.state.presence.connected(user).await;
                            }
                        }
                        info = Some(RequestInfo { viewer, ip: ip.to_string(), refresh_cookie: None });
                        if out.send(text(serde_json::json!({"type": "connection_ack"}))).await.is_err() { break None; }
                    }
                    ClientMessage::Ping { .. } => {
                        if out.send(text(serde_json::json!({"type": "pong"}))).await.is_err() { break None; }
                    }
                    ClientMessage::Pong { .. } => {}
                    ClientMessage::Complete { id } => {
                        if let Some(op) = ops.remove(&id) { op.abort(); }
                    }
                    ClientMessage::Subscribe { id, payload } => {
                        let Some(info) = info.clone() else {
                            break Some(Close(4401, "Unauthorized".into()));
                        };
                        if let Some(watch) = &credential {
                            if !watch.valid().await {
                                break Some(Close(4403, "Forbidden".into()));
                            }
                        }
                        if ops.contains_key(&id) {
                            break Some(Close(4409, format!("Subscriber for {id} already exists")));
                        }
                        let request: async_graphql::Request = match serde_json::from_value(payload) {
                            Ok(r) => r,
                            Err(_) => break Some(Close(4400, "Invalid subscribe payload".into())),
                        };
                        if ops.len() >= MAX_OPERATIONS {
                            let errors = serde_json::json!([{"message": "too many operations on this connection"}]);
                            let _ = out.send(text(serde_json::json!({"type": "error", "id": id, "payload": errors}))).await;
                            continue;
                        }
                        let handle = spawn_operation(ep, info, id.clone(), request, out.clone(), done_tx.clone());
                        ops.insert(id, handle);
                    }
                }
            }
        }
    };
    for (_, op) in ops.drain() {
        op.abort();
    }
    if let Some(user) = &online_as {
        ep.state.presence.disconnected(user).await;
    }
    if let Some(Close(code, reason)) = closing {
        let _ = out.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }
    drop(out);
    let _ = writer.await;
}

async fn public_user(ep: &Endpoint, user_id: UserId) -> Option<crate::events::PublicUser> {
    let mut c = ep.state.pool.get().await.ok()?;
    crate::services::access::public_user(&mut c, user_id).await.ok()
}

fn spawn_operation(
    ep: &Endpoint,
    info: RequestInfo,
    id: String,
    request: async_graphql::Request,
    out: mpsc::Sender<Message>,
    done: mpsc::UnboundedSender<Done>,
) -> AbortHandle {
    let request = graphql::with_request_data(request, &ep.state, info, graphql::loaders::RequestCache::Fresh);
    let schema = ep.schema.clone();
    let task = tokio::spawn(async move {
        let mut responses = schema.execute_stream(request);
        let mut complete = true;
        while let Some(response) = responses.next().await {
            // An operation that failed before producing data (validation, access)
            // is an `error` message, after which no `complete` is sent.
            let failed = response.data == async_graphql::Value::Null && !response.errors.is_empty();
            let msg = if failed {
                complete = false;
                serde_json::json!({"type": "error", "id": id, "payload": response.errors})
            } else {
                serde_json::json!({"type": "next", "id": id, "payload": response})
            };
            if out.send(text(msg)).await.is_err() || failed {
                break;
            }
        }
        let _ = done.send(Done { id, complete });
    });
    task.abort_handle()
}
