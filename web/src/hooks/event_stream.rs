//! Keeps the viewer-wide event stream running while someone is logged in, feeding the
//! chat store, and refetches the conversation list when it is missing a conversation.

use std::rc::Rc;

use futures::FutureExt;
use yew::prelude::*;

use crate::api::{queries, ws};
use crate::state::{ChatAction, ChatState, ConnectionState};

/// Runs the event stream for `viewer_id` (restarted when it changes, stopped on logout).
#[hook]
pub fn use_event_stream(viewer_id: Option<String>, chat: UseReducerDispatcher<ChatState>) {
    {
        let chat = chat.clone();
        use_effect_with(viewer_id, move |viewer_id| {
            chat.dispatch(ChatAction::SetViewer(viewer_id.clone()));
            let stream = viewer_id.as_ref().map(|_| {
                let on_event = {
                    let chat = chat.clone();
                    Callback::from(move |event| chat.dispatch(ChatAction::Event(event)))
                };
                let on_status = {
                    let chat = chat.clone();
                    Callback::from(move |state| chat.dispatch(ChatAction::Connection(state)))
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
                ws::start(ws::StreamCallbacks { on_event, on_status, resync })
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
