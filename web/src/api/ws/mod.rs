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
//!
//! This module owns the reconnect loop and what the app asks of it; one
//! connection's life is in `connection`, the extra operations in `extras`.

mod connection;
mod extras;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use futures::future::{abortable, AbortHandle, LocalBoxFuture};
use futures::SinkExt;
use gloo::net::websocket::{futures::WebSocket, Message as WsMessage, WebSocketError};
use gloo::timers::future::TimeoutFuture;
use yew::Callback;

use self::connection::{connect, Outcome};
use self::extras::Extras;
use super::auth;
use super::protocol::{Backoff, ClientMsg};
use super::queries;
use crate::state::live::NotificationItem;
use crate::state::model::{ConnectionState, ConversationEvent, UserRef};

/// Path of the WebSocket endpoint.
pub const WS_PATH: &str = "/graphql/ws";

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

/// The sending half of the socket.
type Sink = futures::stream::SplitSink<WebSocket, WsMessage>;

/// Sends one protocol message.
async fn send(tx: &mut Sink, msg: &ClientMsg) -> Result<(), WebSocketError> {
    tx.send(WsMessage::Text(msg.to_text())).await
}
