//! The viewer-wide event stream: one `conversationEvents` subscription over
//! graphql-transport-ws. It reconnects by itself (backoff 0.5 s doubling to 10 s) and
//! resumes after the cursor of the last event it delivered, so nothing is lost or
//! doubled. If the server rejects the subscription (e.g. a cursor it no longer knows),
//! it starts over from a fresh `eventCursor` and asks the app to reload its data.
//!
//! The same connection carries the live extras under their own operation ids:
//! `presence` (all contacts and co-members, renewed by [`refresh_presence`]), `notifications` (resumed after the last
//! cursor like the events) and `typing` for the conversation on screen, switched with
//! [`watch_typing`]. All of them are subscribed again after every reconnect.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};

use futures::future::{abortable, select, AbortHandle, Either, LocalBoxFuture};
use futures::{SinkExt, StreamExt};
use gloo::net::websocket::{futures::WebSocket, Message as WsMessage, WebSocketError};
use gloo::timers::future::TimeoutFuture;
use graphql_client::{GraphQLQuery, Response};
use yew::Callback;

use super::auth;
use super::live::from_stream;
use super::ops::{
    conversation_events, notification_stream, presence, typing, ConversationEvents, NotificationStream,
    Presence, Typing,
};
use super::protocol::{error_text, Backoff, ClientMsg, ServerMsg, AUTH_CLOSE_CODES, SUBPROTOCOL};
use super::queries;
use crate::state::live::NotificationItem;
use crate::state::model::{ConnectionState, ConversationEvent, UserRef};

/// Path of the WebSocket endpoint.
pub const WS_PATH: &str = "/graphql/ws";
/// Id of the event operation on the socket.
const OPERATION_ID: &str = "events";
/// Prefix of the presence operation ids (it is renewed when the set of related users grows).
const PRESENCE_PREFIX: &str = "presence-";
/// Id of the notification operation.
const NOTIFICATIONS_ID: &str = "notifications";
/// How long the server may take to acknowledge `connection_init`.
const ACK_TIMEOUT_MS: u32 = 10_000;
/// Silence after which we ping; twice in a row and the socket is considered dead.
const KEEPALIVE_MS: u32 = 25_000;

/// Reloads the app's data after a fresh cursor was taken (awaited before subscribing).
pub type Resync = Rc<dyn Fn() -> LocalBoxFuture<'static, ()>>;

/// Something live besides the conversation events.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveSignal {
    /// A user came online or went offline.
    Presence {
        /// User id.
        user_id: String,
        /// Online now.
        online: bool,
    },
    /// Someone started or stopped typing in the watched conversation.
    Typing {
        /// Conversation id.
        conversation_id: String,
        /// Who.
        user: UserRef,
        /// Started or stopped.
        typing: bool,
    },
    /// A new notification.
    Notification(NotificationItem),
    /// The operations were (re)subscribed on a new connection: reload what the live
    /// operations do not replay (the notification list and count).
    Subscribed,
}

/// What the app wants from the running stream besides the fixed operations.
#[derive(Default)]
struct Wanted {
    /// The conversation whose typists we want.
    typing: Option<String>,
    /// The presence subscription should be renewed (new contacts or co-members).
    presence_stale: bool,
    /// Wakes the running stream.
    wake: Option<UnboundedSender<()>>,
}

thread_local! {
    static WANTED: RefCell<Wanted> = RefCell::new(Wanted::default());
}

fn wake(change: impl FnOnce(&mut Wanted)) {
    WANTED.with(|w| {
        let mut w = w.borrow_mut();
        change(&mut w);
        if let Some(wake) = &w.wake {
            let _ = wake.unbounded_send(());
        }
    });
}

/// Watches who is typing in `conversation_id` (or nobody's typing with `None`).
pub fn watch_typing(conversation_id: Option<String>) {
    wake(|w| w.typing = conversation_id);
}

/// Renews the presence subscription: the server fixes the watched users when it
/// starts, so new contacts and co-members need a fresh one.
pub fn refresh_presence() {
    wake(|w| w.presence_stale = true);
}

/// Stops watching typists, unless another conversation is watched by now.
pub fn unwatch_typing(conversation_id: &str) {
    if typing_target().as_deref() == Some(conversation_id) {
        watch_typing(None);
    }
}

fn typing_target() -> Option<String> {
    WANTED.with(|w| w.borrow().typing.clone())
}

/// Takes the "presence is stale" flag.
fn take_presence_stale() -> bool {
    WANTED.with(|w| std::mem::take(&mut w.borrow_mut().presence_stale))
}

/// Where the stream reports to.
#[derive(Clone)]
pub struct StreamCallbacks {
    /// Each event, in order, exactly once per connection.
    pub on_event: Callback<ConversationEvent>,
    /// Connection state changes.
    pub on_status: Callback<ConnectionState>,
    /// Presence, typing and notifications.
    pub on_live: Callback<LiveSignal>,
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
    let (wake, woken) = unbounded();
    WANTED.with(|w| w.borrow_mut().wake = Some(wake));
    let (task, abort) = abortable(run(callbacks, woken));
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

async fn run(cb: StreamCallbacks, mut woken: UnboundedReceiver<()>) {
    let mut cursor: Option<String> = None;
    let mut extras = Extras::default();
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
        let outcome = connect(&token, &mut resume, &cb, &mut backoff, &mut extras, &mut woken).await;
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

/// State of the extra operations that outlives one connection.
#[derive(Default)]
struct Extras {
    /// Cursor of the last notification delivered.
    notification_cursor: Option<String>,
    /// Operation id and conversation of the current typing subscription.
    typing: Option<(String, String)>,
    /// Counter for fresh typing operation ids (late events of an old one are ignored).
    typing_serial: u32,
    /// Id of the current presence operation.
    presence: Option<String>,
    /// Counter for fresh presence operation ids.
    presence_serial: u32,
}

/// (Re)subscribes presence for all contacts and co-members, ending the old operation.
async fn sync_presence(
    tx: &mut Sink,
    extras: &mut Extras,
    connected_before: bool,
) -> Result<(), WebSocketError> {
    if let Some(id) = extras.presence.take() {
        if connected_before {
            send(tx, &ClientMsg::Complete { id }).await?;
        }
    }
    extras.presence_serial = extras.presence_serial.wrapping_add(1);
    let id = format!("{PRESENCE_PREFIX}{}", extras.presence_serial);
    send(tx, &subscribe_msg::<Presence>(&id, presence::Variables)).await?;
    extras.presence = Some(id);
    Ok(())
}

fn subscribe_msg<Q: GraphQLQuery>(id: &str, variables: Q::Variables) -> ClientMsg {
    let payload = serde_json::to_value(Q::build_query(variables)).unwrap_or_default();
    ClientMsg::Subscribe { id: id.to_owned(), payload }
}

/// Subscribes the typing operation for the wanted conversation (ending the old one).
async fn sync_typing(
    tx: &mut Sink,
    extras: &mut Extras,
    connected_before: bool,
) -> Result<(), WebSocketError> {
    let wanted = typing_target();
    if extras.typing.as_ref().map(|(_, c)| c) == wanted.as_ref() && connected_before {
        return Ok(());
    }
    if let Some((id, _)) = extras.typing.take() {
        if connected_before {
            send(tx, &ClientMsg::Complete { id }).await?;
        }
    }
    if let Some(conversation_id) = wanted {
        extras.typing_serial = extras.typing_serial.wrapping_add(1);
        let id = format!("typing-{}", extras.typing_serial);
        let msg =
            subscribe_msg::<Typing>(&id, typing::Variables { conversation_id: conversation_id.clone() });
        send(tx, &msg).await?;
        extras.typing = Some((id, conversation_id));
    }
    Ok(())
}

/// Parses a `next` payload; `Err` with the error text if the server reported errors.
fn parse_next<T: serde::de::DeserializeOwned>(payload: serde_json::Value) -> Result<Option<T>, String> {
    let answer: Response<T> = serde_json::from_value(payload).map_err(|e| format!("bad event: {e}"))?;
    if let Some(errors) = answer.errors.filter(|e| !e.is_empty()) {
        let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
        return Err(messages.join(" "));
    }
    Ok(answer.data)
}

/// Handles a `next` of one of the extra operations.
fn on_extra_next(id: &str, payload: serde_json::Value, cb: &StreamCallbacks, extras: &mut Extras) {
    let result = if id.starts_with(PRESENCE_PREFIX) {
        parse_next::<presence::ResponseData>(payload).map(|data| {
            if let Some(data) = data {
                let p = data.presence;
                cb.on_live.emit(LiveSignal::Presence { user_id: p.user.id, online: p.online });
            }
        })
    } else if id == NOTIFICATIONS_ID {
        parse_next::<notification_stream::ResponseData>(payload).map(|data| {
            if let Some(data) = data {
                let event = data.notifications;
                extras.notification_cursor = Some(event.cursor);
                cb.on_live.emit(LiveSignal::Notification(from_stream(event.notification)));
            }
        })
    } else if extras.typing.as_ref().is_some_and(|(op, _)| op == id) {
        parse_next::<typing::ResponseData>(payload).map(|data| {
            if let Some(data) = data {
                let t = data.typing;
                let user =
                    UserRef { id: t.user.id, username: t.user.username, display_name: t.user.display_name };
                cb.on_live.emit(LiveSignal::Typing {
                    conversation_id: t.conversation_id,
                    user,
                    typing: t.typing,
                });
            }
        })
    } else {
        Ok(())
    };
    if let Err(e) = result {
        gloo::console::warn!(format!("{id}: {e}"));
        if extras.typing.as_ref().is_some_and(|(op, _)| op == id) {
            // E.g. not a member yet: subscribed again on the next wake (a join).
            extras.typing = None;
        }
    }
}

/// One connection: init, ack, subscribe after `cursor`, deliver events until it ends.
async fn connect(
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
