//! Keeps the viewer-wide event stream running while someone is logged in, feeding the
//! chat store, and refetches the conversation list when it is missing a conversation.

use std::rc::Rc;

use futures::FutureExt;
use yew::prelude::*;

use super::alerts;
use crate::api::ws::LiveSignal;
use crate::api::{live, queries, ws};
use crate::state::{
    ChatAction, ChatState, ConnectionState, ConversationEvent, EventPayload, LiveAction, LiveState,
};

/// Beeps for a new message from someone else.
fn beep_for(event: &ConversationEvent, viewer_id: Option<&str>) {
    if let EventPayload::MessageCreated(msg) = &event.payload {
        if viewer_id != Some(msg.sender.id.as_str()) {
            alerts::beep();
        }
    }
}

/// Feeds a presence, typing or notification signal into the live state.
fn on_live_signal(live: &UseReducerDispatcher<LiveState>, signal: LiveSignal) {
    let action = match signal {
        LiveSignal::Presence { user_id, online } => LiveAction::Presence { user_id, online },
        LiveSignal::Typing { conversation_id, user, typing } => {
            LiveAction::Typing { conversation_id, user, typing }
        }
        LiveSignal::Notification(item) => {
            alerts::desktop_notify(&item.summary(), item.body.as_deref().unwrap_or_default());
            LiveAction::NotificationArrived(item)
        }
        LiveSignal::Subscribed => {
            // Loaded after subscribing, so nothing falls between the list and the stream.
            let live = live.clone();
            wasm_bindgen_futures::spawn_local(async move { reload_notifications(&live).await });
            return;
        }
    };
    live.dispatch(action);
}

/// Fetches the notification list and unread count into the live state.
pub async fn reload_notifications(live: &UseReducerDispatcher<LiveState>) {
    match live::notifications().await {
        Ok((items, unread)) => live.dispatch(LiveAction::NotificationsLoaded { items, unread }),
        Err(e) => gloo::console::warn!(format!("notifications: {e}")),
    }
}

/// Runs the event stream for `viewer_id` (restarted when it changes, stopped on logout).
#[hook]
pub fn use_event_stream(
    viewer_id: Option<String>,
    chat: UseReducerDispatcher<ChatState>,
    live: UseReducerDispatcher<LiveState>,
) {
    {
        let chat = chat.clone();
        use_effect_with(viewer_id, move |viewer_id| {
            chat.dispatch(ChatAction::SetViewer(viewer_id.clone()));
            live.dispatch(LiveAction::Reset);
            let stream = viewer_id.as_ref().map(|viewer| {
                let on_event = {
                    let chat = chat.clone();
                    let viewer = viewer.clone();
                    Callback::from(move |event: ConversationEvent| {
                        beep_for(&event, Some(viewer.as_str()));
                        if matches!(event.payload, EventPayload::MemberJoined(_)) {
                            ws::refresh_presence();
                        }
                        chat.dispatch(ChatAction::Event(event))
                    })
                };
                let on_status = {
                    let (chat, live) = (chat.clone(), live.clone());
                    Callback::from(move |state| {
                        live.dispatch(LiveAction::Connection(state));
                        chat.dispatch(ChatAction::Connection(state))
                    })
                };
                let on_live = {
                    let live = live.clone();
                    Callback::from(move |signal| on_live_signal(&live, signal))
                };
                let resync: ws::Resync = {
                    let chat = chat.clone();
                    Rc::new(move || {
                        let chat = chat.clone();
                        async move {
                            chat.dispatch(ChatAction::Resynced);
                            reload_conversations(&chat).await;
                        }
                        .boxed_local()
                    })
                };
                ws::start(ws::StreamCallbacks { on_event, on_status, on_live, resync })
            });
            let chat = chat.clone();
            move || {
                drop(stream);
                chat.dispatch(ChatAction::Connection(ConnectionState::Offline));
            }
        });
    }
}

/// Fetches the conversation list into the store (errors are logged; the list stays).
pub async fn reload_conversations(chat: &UseReducerDispatcher<ChatState>) {
    match queries::conversations().await {
        Ok(list) => chat.dispatch(ChatAction::ConversationsLoaded(list)),
        Err(e) => gloo::console::warn!(format!("conversations: {e}")),
    }
}

/// Refetches the list whenever an event named a conversation it does not hold.
#[hook]
pub fn use_conversation_refetch(hits: u32, chat: UseReducerDispatcher<ChatState>) {
    use_effect_with(hits, move |hits| {
        if *hits > 0 {
            wasm_bindgen_futures::spawn_local(async move { reload_conversations(&chat).await });
        }
    });
}
