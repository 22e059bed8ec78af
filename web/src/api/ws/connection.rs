//! One connection of the event stream: open, `connection_init` and its ack,
//! subscribe every operation, then read frames (and keep the socket alive) until
//! it ends, saying how it ended.

use futures::channel::mpsc::UnboundedReceiver;
use futures::future::{select, Either};
use futures::StreamExt;
use gloo::net::websocket::{futures::WebSocket, Message as WsMessage, WebSocketError};
use gloo::timers::future::TimeoutFuture;
use graphql_client::Response;

use super::extras::{on_extra_next, subscribe_msg, sync_presence, sync_typing, Extras, NOTIFICATIONS_ID};
use super::{send, take_presence_stale, LiveSignal, StreamCallbacks, WS_PATH};
use crate::api::ops::{conversation_events, notification_stream, ConversationEvents, NotificationStream};
use crate::api::protocol::{error_text, Backoff, ClientMsg, ServerMsg, AUTH_CLOSE_CODES, SUBPROTOCOL};
use crate::state::model::{ConnectionState, ConversationEvent};

/// Id of the event operation on the socket.
const OPERATION_ID: &str = "events";
/// How long the server may take to acknowledge `connection_init`.
const ACK_TIMEOUT_MS: u32 = 10_000;
/// Silence after which we ping; twice in a row and the socket is considered dead.
const KEEPALIVE_MS: u32 = 25_000;

/// `ws://` or `wss://` URL of the endpoint on the page's own host.
fn ws_url() -> String {
    let location = web_sys::window().map(|w| w.location());
    let protocol = location.as_ref().and_then(|l| l.protocol().ok()).unwrap_or_default();
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}{WS_PATH}")
}

/// How one connection ended.
pub(super) enum Outcome {
    /// Closed or dead: reconnect and resume.
    Closed,
    /// The server refused our token: refresh it first.
    Unauthorized,
    /// The server rejected the subscription: start over from a fresh cursor.
    Rejected(String),
}
fn close_outcome(code: u16) -> Outcome {
    if AUTH_CLOSE_CODES.contains(&code) {
        Outcome::Unauthorized
    } else {
        Outcome::Closed
    }
}

/// One connection: init, ack, subscribe after `cursor`, deliver events until it ends.
pub(super) async fn connect(
    token: &str,
    cursor: &mut String,
    cb: &StreamCallbacks,
    backoff: &mut Backoff,
    extras: &mut Extras,
    woken: &mut UnboundedReceiver<()>,
) -> Outcome {
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

    let subscribe = subscribe_msg::<ConversationEvents>(
        OPERATION_ID,
        conversation_events::Variables { after: (!cursor.is_empty()).then(|| cursor.clone()) },
    );
    let notifications = subscribe_msg::<NotificationStream>(
        NOTIFICATIONS_ID,
        notification_stream::Variables { after: extras.notification_cursor.clone() },
    );
    for msg in [subscribe, notifications] {
        if send(&mut tx, &msg).await.is_err() {
            return Outcome::Closed;
        }
    }
    take_presence_stale();
    if sync_presence(&mut tx, extras, false).await.is_err()
        || sync_typing(&mut tx, extras, false).await.is_err()
    {
        return Outcome::Closed;
    }
    cb.on_status.emit(ConnectionState::Online);
    cb.on_live.emit(LiveSignal::Subscribed);

    let mut silent_ticks = 0;
    loop {
        let tick = TimeoutFuture::new(KEEPALIVE_MS);
        let frame = match select(rx.next(), select(woken.next(), tick)).await {
            Either::Right((Either::Left((wake, _)), _)) => {
                if wake.is_none() || sync_typing(&mut tx, extras, true).await.is_err() {
                    return Outcome::Closed;
                }
                if take_presence_stale() && sync_presence(&mut tx, extras, true).await.is_err() {
                    return Outcome::Closed;
                }
                continue;
            }
            Either::Right((Either::Right(_), _)) => {
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
            Some(ServerMsg::Next { id, payload }) => on_extra_next(&id, payload, cb, extras),
            Some(ServerMsg::Error { id, payload }) => {
                gloo::console::warn!(format!("{id} rejected: {}", error_text(&payload)));
                if id == NOTIFICATIONS_ID {
                    // Start over from now on the next connection.
                    extras.notification_cursor = None;
                }
                if extras.typing.as_ref().is_some_and(|(op, _)| *op == id) {
                    // E.g. not a member yet: subscribed again on the next wake (a join).
                    extras.typing = None;
                }
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
