//! GraphQL over WebSocket, `graphql-transport-ws` protocol, written out here
//! so that every close code is the one the protocol (and so the `graphql-ws`
//! client, GraphiQL, Apollo, urql) expects: 4400 bad message, 4401 subscribe
//! before ack, 4403 rejected credentials (also when they end later, see
//! `auth::CredentialWatch`), 4406 wrong subprotocol, 4408 no
//! `connection_init` in time, 4409 duplicate id, 4429 repeated init. Abuse
//! limits add 1009 (a frame or message over [`MAX_FRAME`], refused before it
//! is buffered), 1008 (too many connections of one user), 1001 (idle or silent
//! peer); the per-address connection cap refuses the upgrade itself (429).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::task::{AbortHandle, JoinHandle};

mod operation;
mod out;

use operation::{operation_message, spawn_operation, Done};
use out::Out;

use crate::auth::CredentialWatch;
use crate::graphql::{AppSchema, RequestInfo};
use crate::guards;
use crate::state::AppState;
use jeco_schema::ids::UserId;

/// The subprotocol.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// Largest client frame and message (as large as an HTTP request body).
pub const MAX_FRAME: usize = 64 * 1024;
/// Operations one connection may run at once.
pub const MAX_OPERATIONS: usize = 100;
/// Capacity of a connection's read buffer. tungstenite preallocates 128 KiB per
/// socket by default, most of an idle connection's memory; client frames are
/// small (a subscribe is a few hundred bytes, a ping a few dozen) and a larger
/// one grows the buffer while it is read, up to [`MAX_FRAME`].
pub const READ_BUFFER: usize = 1024;

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
    let Some(ip_slot) = state.ws_per_ip.acquire(ip) else {
        return guards::error_response(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too many open connections from this address",
        );
    };
    let offered = headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    // Both caps: tungstenite's frame default (16 MiB) would otherwise buffer a
    // whole oversized frame before the message cap looked at it.
    // Writes are flushed per message by the writer task, so no write buffer is kept
    // between messages (0: each frame goes to the socket as it is sent).
    let ws = ws.read_buffer_size(READ_BUFFER).write_buffer_size(0);
    ws.protocols([PROTOCOL]).max_frame_size(MAX_FRAME).max_message_size(MAX_FRAME).on_upgrade(
        move |socket| async move {
            // On the fan-out runtime and its pool: see `fanout` for why.
            let session = async move {
                let _ip_slot = ip_slot;
                if offered {
                    serve(socket, Endpoint { state: state.for_fanout(), schema }, ip).await;
                } else {
                    close(socket, 4406, "Subprotocol not acceptable").await;
                }
            };
            let _ = crate::fanout::spawn(session).await;
        },
    )
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

async fn serve(socket: WebSocket, ep: Endpoint, ip: IpAddr) {
    let gauge = &ep.state.metrics.websocket_connections;
    gauge.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    serve_counted(socket, &ep, ip).await;
    gauge.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
}

async fn serve_counted(socket: WebSocket, ep: &Endpoint, ip: IpAddr) {
    let (sink, mut stream) = socket.split();
    let out = Out::new(sink);
    // Each operation's task, to learn when it ends (a channel would cost every
    // connection a block of 32 slots; this costs a node per running operation).
    let mut finished: FuturesUnordered<JoinHandle<Done>> = FuturesUnordered::new();
    let mut ops: HashMap<String, AbortHandle> = HashMap::new();
    let mut info: Option<RequestInfo> = None;
    let limits = &ep.state.config.limits;
    let init_deadline = tokio::time::sleep(limits.ws_init_timeout);
    tokio::pin!(init_deadline);
    // Armed while no operation runs; reset when the last one ends.
    let idle_deadline = tokio::time::sleep(limits.ws_idle_timeout);
    tokio::pin!(idle_deadline);
    let mut ping = tokio::time::interval(limits.ws_ping_every);
    ping.tick().await;
    // This connection's place under the per-user cap (taken at connection_init,
    // given back when this function returns).
    let mut user_slot = None;
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
            _ = &mut idle_deadline, if ops.is_empty() => {
                break Some(Close(1001, "Idle timeout".into()));
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
                if last_heard.elapsed() > limits.ws_ping_every * 3 {
                    break Some(Close(1001, "Keepalive timeout".into()));
                }
                if out.send_soon(text(serde_json::json!({"type": "ping"}))).await.is_err() { break None; }
            }
            Some(ended) = finished.next(), if !finished.is_empty() => {
                // An aborted task (the client's `complete`) was removed already.
                let Ok(done) = ended else { continue };
                if ops.remove(&done.id).is_some() && done.complete {
                    let _ = out.send_soon(text(serde_json::json!({"type": "complete", "id": done.id}))).await;
                }
                if ops.is_empty() {
                    idle_deadline.as_mut().reset(tokio::time::Instant::now() + limits.ws_idle_timeout);
                }
            }
            frame = stream.next() => {
                last_heard = tokio::time::Instant::now();
                let raw = match frame {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => break Some(Close(4400, "Binary frames are not supported".into())),
                    Some(Err(e)) if too_big(&e) => break Some(Close(1009, "Message too big".into())),
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
                        // Boxed, as every rare and large await here: the loop's future lives as
                        // long as the connection, and its size is that of its largest await.
                        let viewer = match Box::pin(guards::init_viewer(&ep.state, &payload)).await {
                            Ok(v) => v,
                            Err(guards::InvalidToken) => break Some(Close(4403, "Forbidden".into())),
                        };
                        if let Some(v) = viewer {
                            let Some(slot) = ep.state.ws_per_user.acquire(v.user_id) else {
                                break Some(Close(1008, "Too many connections for this user".into()));
                            };
                            user_slot.replace(slot);
                            let every = ep.state.config.credential_check;
                            credential = guards::init_token(&payload)
                                .map(|t| CredentialWatch::new(&ep.state.auth, t, every));
                            online_as = Box::pin(public_user(ep, v.user_id)).await;
                            if let Some(user) = &online_as {
                                Box::pin(ep.state.presence.connected(user)).await;
                            }
                        }
                        info = Some(RequestInfo { viewer, ip: ip.to_string(), refresh_cookie: None });
                        if out.send_soon(text(serde_json::json!({"type": "connection_ack"}))).await.is_err() { break None; }
                    }
                    ClientMessage::Ping { .. } => {
                        if out.send_soon(text(serde_json::json!({"type": "pong"}))).await.is_err() { break None; }
                    }
                    ClientMessage::Pong { .. } => {}
                    ClientMessage::Complete { id } => {
                        if let Some(op) = ops.remove(&id) { op.abort(); }
                        if ops.is_empty() {
                            idle_deadline.as_mut().reset(tokio::time::Instant::now() + limits.ws_idle_timeout);
                        }
                    }
                    ClientMessage::Subscribe { id, payload } => {
                        let Some(info) = info.clone() else {
                            break Some(Close(4401, "Unauthorized".into()));
                        };
                        if let Some(watch) = &credential {
                            if !Box::pin(watch.valid()).await {
                                break Some(Close(4403, "Forbidden".into()));
                            }
                        }
                        if ops.contains_key(&id) {
                            break Some(Close(4409, format!("Subscriber for {id} already exists")));
                        }
                        let mut request: async_graphql::Request = match serde_json::from_value(payload) {
                            Ok(r) => r,
                            Err(_) => break Some(Close(4400, "Invalid subscribe payload".into())),
                        };
                        if let Err(refused) = Box::pin(ep.state.persisted.resolve(&mut request)).await {
                            let _ = out.send_soon(operation_message(&id, "error", [refused.error()])).await;
                            continue;
                        }
                        // Each operation counts against the address's request rate, as an HTTP request does.
                        let refused = if ops.len() >= MAX_OPERATIONS {
                            Some("too many operations on this connection")
                        } else if !ep.state.ip_limiter.check(&ip) {
                            Some("too many requests; slow down")
                        } else {
                            None
                        };
                        if let Some(message) = refused {
                            let errors = serde_json::json!([{"message": message, "extensions": {"code": "RATE_LIMITED"}}]);
                            let _ = out.send_soon(text(serde_json::json!({"type": "error", "id": id, "payload": errors}))).await;
                            continue;
                        }
                        let task = spawn_operation(ep, info, id.clone(), request, out.clone());
                        ops.insert(id, task.abort_handle());
                        finished.push(task);
                    }
                }
            }
        }
    };
    for (_, op) in ops.drain() {
        op.abort();
    }
    if let Some(user) = &online_as {
        Box::pin(ep.state.presence.disconnected(user)).await;
    }
    // Refused mid-message: the rest of it is unread (the read buffer is small),
    // and closing a socket with unread bytes resets it, which can reach the
    // client before our Close frame. The socket stays open a moment first.
    let linger = matches!(closing, Some(Close(1009, _)));
    let close =
        closing.map(|Close(code, reason)| Message::Close(Some(CloseFrame { code, reason: reason.into() })));
    Box::pin(out.finish(close)).await;
    if linger {
        tokio::time::sleep(LINGER).await;
    }
    drop(stream);
}

/// How long a connection refused for an oversized message stays open after
/// its Close frame (see `serve_counted`).
const LINGER: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether a read failed because a frame or message was over the size cap.
fn too_big(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(tungstenite::Error::Capacity(_)) = err.downcast_ref::<tungstenite::Error>() {
            return true;
        }
        source = err.source();
    }
    false
}

async fn public_user(ep: &Endpoint, user_id: UserId) -> Option<crate::events::PublicUser> {
    let mut c = ep.state.pool.get().await.ok()?;
    crate::services::access::public_user(&mut c, user_id).await.ok()
}
