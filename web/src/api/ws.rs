//! The viewer-wide event stream: one `conversationEvents` subscription over
//! graphql-transport-ws. It reconnects by itself (backoff 0.5 s doubling to 10 s) and
//! resumes after the cursor of the last event it delivered, so nothing is lost or
//! doubled. If the server rejects the subscription (e.g. a cursor it no longer knows),
//! it starts over from a fresh `eventCursor` and asks the app to reload its data.

use std::rc::Rc;

use futures::future::{abortable, select, AbortHandle, Either, LocalBoxFuture};
use futures::{SinkExt, StreamExt};
use gloo::net::websocket::{futures::WebSocket, Message as WsMessage, WebSocketError};
use gloo::timers::future::TimeoutFuture;
use graphql_client::{GraphQLQuery, Response};
use yew::Callback;

use super::auth;
use super::ops::{conversation_events, ConversationEvents};
use super::protocol::{error_text, Backoff, ClientMsg, ServerMsg, AUTH_CLOSE_CODES, SUBPROTOCOL};
use super::queries;
use crate::state::model::{ConnectionState, ConversationEvent};

/// Path of the WebSocket endpoint.
pub const WS_PATH: &str = "/graphql/ws";
/// Id of our single operation on the socket.
const OPERATION_ID: &str = "events";
/// How long the server may take to acknowledge `connection_init`.
const ACK_TIMEOUT_MS: u32 = 10_000;
/// Silence after which we ping; twice in a row and the socket is considered dead.
const KEEPALIVE_MS: u32 = 25_000;

/// Reloads the app's data after a fresh cursor was taken (awaited before subscribing).
pub type Resync = Rc<dyn Fn() -> LocalBoxFuture<'static, ()>>;

/// Where the stream reports to.
#[derive(Clone)]
pub struct StreamCallbacks {
    /// Each event, in order, exactly once per connection.
    pub on_event: Callback<ConversationEvent>,
    /// Connection state changes.
    pub on_status: Callback<ConnectionState>,
    /// Called (and awaited) after a fresh cursor was taken, before subscribing.
    pub resync: Resync,
}

/// A running stream; dropping it closes the socket and stops reconnecting.
pub struct EventStream {
    abort: AbortHandle,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// Starts the stream (fetches a cursor, resyncs, subscribes, and keeps it alive).
pub fn start(callbacks: StreamCallbacks) -> EventStream {
    let (task, abort) = abortable(run(callbacks));
    wasm_bindgen_futures::spawn_local(async move {
        let _ = task.await;
    });
    EventStream { abort }
}

/// `ws://` or `wss://` URL of the endpoint on the page's own host.
fn ws_url() -> String {
    let location = web_sys::window().map(|w| w.location());
    let protocol = location.as_ref().and_then(|l| l.protocol().ok()).unwrap_or_default();
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}{WS_PATH}")
}

/// How one connection ended.
enum Outcome {
    /// Closed or dead: reconnect and resume.
    Closed,
    /// The server refused our token: refresh it first.
    Unauthorized,
    /// The server rejected the subscription: start over from a fresh cursor.
    Rejected(String),
}

async fn run(cb: StreamCallbacks) {
    let mut cursor: Option<String> = None;
    let mut backoff = Backoff::new();
    loop {
        if cursor.is_none() {
            cb.on_status.emit(ConnectionState::Connecting);
            match queries::event_cursor().await {
                Ok(fresh) => {
                    (cb.resync)().await;
                    cursor = Some(fresh);
                }
                Err(e) => {
                    gloo::console::warn!(format!("event cursor: {e}"));
                    if auth::current_token().is_none() {
                        cb.on_status.emit(ConnectionState::Offline);
                        return;
                    }
                    cb.on_status.emit(ConnectionState::Offline);
                    TimeoutFuture::new(backoff.next_delay_ms()).await;
                    continue;
                }
            }
        }
        let Some(token) = auth::valid_token().await else {
            cb.on_status.emit(ConnectionState::Offline);
            return;
        };
        cb.on_status.emit(ConnectionState::Connecting);
        let mut resume = cursor.clone().unwrap_or_default();
        let outcome = connect(&token, &mut resume, &cb, &mut backoff).await;
        cursor = Some(resume);
        cb.on_status.emit(ConnectionState::Offline);
        match outcome {
            Outcome::Closed => {}
            Outcome::Unauthorized => match auth::refresh().await {
                Err(e) if e.is_auth() => {
                    auth::session_lost();
                    return;
                }
                _ => {}
            },
            Outcome::Rejected(reason) => {
                gloo::console::warn!(format!("subscription rejected: {reason}"));
                cursor = None;
            }
        }
        TimeoutFuture::new(backoff.next_delay_ms()).await;
    }
}

type Sink = futures::stream::SplitSink<WebSocket, WsMessage>;

async fn send(tx: &mut Sink, msg: &ClientMsg) -> Result<(), WebSocketError> {
    tx.send(WsMessage::Text(msg.to_text())).await
}

fn close_outcome(code: u16) -> Outcome {
    if AUTH_CLOSE_CODES.contains(&code) {
        Outcome::Unauthorized
    } else {
        Outcome::Closed
    }
}

/// One connection: init, ack, subscribe after `cursor`, deliver events until it ends.
async fn connect(token: &str, cursor: &mut String, cb: &StreamCallbacks, backoff: &mut Backoff) -> Outcome {
    let Ok(ws) = WebSocket::open_with_protocol(&ws_url(), SUBPROTOCOL) else {
        return Outcome::Closed;
    };
    let (mut tx, mut rx) = ws.split();

    let handshake = async {
        // gloo's sink only wakes when the socket opens, not when opening fails, so
        // race the first send against the stream, which reports the close.
        {
            let init_msg = ClientMsg::init(token);
            let init = send(&mut tx, &init_msg);
            futures::pin_mut!(init);
            match select(init, rx.next()).await {
                Either::Left((Ok(()), _)) => {}
                Either::Right((Some(Err(WebSocketError::ConnectionClose(e))), _)) => {
                    return Err(close_outcome(e.code));
                }
                Either::Left((Err(_), _)) | Either::Right(_) => return Err(Outcome::Closed),
            }
        }
        loop {
            match rx.next().await {
                None => return Err(Outcome::Closed),
                Some(Err(WebSocketError::ConnectionClose(e))) => return Err(close_outcome(e.code)),
                Some(Err(_)) | Some(Ok(WsMessage::Bytes(_))) => {}
                Some(Ok(WsMessage::Text(text))) => match ServerMsg::parse(&text) {
                    Some(ServerMsg::ConnectionAck) => return Ok(()),
                    Some(ServerMsg::Ping) => {
                        let _ = send(&mut tx, &ClientMsg::Pong).await;
                    }
                    _ => {}
                },
            }
        }
    };
    let acknowledged = {
        futures::pin_mut!(handshake);
        match select(handshake, TimeoutFuture::new(ACK_TIMEOUT_MS)).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => Err(Outcome::Closed),
        }
    };
    if let Err(outcome) = acknowledged {
        return outcome;
    }
    backoff.reset();

    let query = ConversationEvents::build_query(conversation_events::Variables {
        after: (!cursor.is_empty()).then(|| cursor.clone()),
    });
    let payload = serde_json::to_value(&query).unwrap_or_default();
    let subscribe = ClientMsg::Subscribe { id: OPERATION_ID.to_owned(), payload };
    if send(&mut tx, &subscribe).await.is_err() {
        return Outcome::Closed;
    }
    cb.on_status.emit(ConnectionState::Online);

    let mut silent_ticks = 0;
    loop {
        let tick = TimeoutFuture::new(KEEPALIVE_MS);
        let frame = match select(rx.next(), tick).await {
            Either::Right(_) => {
                silent_ticks += 1;
                if silent_ticks >= 2 || send(&mut tx, &ClientMsg::Ping).await.is_err() {
                    return Outcome::Closed;
                }
                continue;
            }
            Either::Left((frame, _)) => frame,
        };
        silent_ticks = 0;
        let text = match frame {
            None => return Outcome::Closed,
            Some(Err(WebSocketError::ConnectionClose(e))) => return close_outcome(e.code),
            Some(Err(_)) | Some(Ok(WsMessage::Bytes(_))) => continue,
            Some(Ok(WsMessage::Text(text))) => text,
        };
        match ServerMsg::parse(&text) {
            Some(ServerMsg::Next { id, payload }) if id == OPERATION_ID => {
                let answer: Response<conversation_events::ResponseData> =
                    match serde_json::from_value(payload) {
                        Ok(answer) => answer,
                        Err(e) => return Outcome::Rejected(format!("bad event: {e}")),
                    };
                if let Some(errors) = answer.errors.filter(|e| !e.is_empty()) {
                    let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
                    return Outcome::Rejected(messages.join(" "));
                }
                let Some(data) = answer.data else { continue };
                let event = ConversationEvent::from(data.conversation_events);
                cursor.clone_from(&event.cursor);
                cb.on_event.emit(event);
            }
            Some(ServerMsg::Error { id, payload }) if id == OPERATION_ID => {
                return Outcome::Rejected(error_text(&payload));
            }
            Some(ServerMsg::Complete { id }) if id == OPERATION_ID => return Outcome::Closed,
            Some(ServerMsg::Ping) => {
                let pong = send(&mut tx, &ClientMsg::Pong).await;
                if pong.is_err() {
                    return Outcome::Closed;
                }
            }
            _ => {}
        }
    }
}
