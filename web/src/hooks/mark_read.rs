//! Reading a conversation: while it is on screen (and the tab is visible) it has no
//! badge, and the server's read position follows the newest confirmed message
//! (debounced, forward only).

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::api::membership;
use crate::state::{ChatAction, ChatState};

/// Quiet time before the read position is sent, so a burst of messages costs one call.
const MARK_READ_DEBOUNCE_MS: u32 = 400;

/// Whether the page is currently visible (true when it cannot be told).
fn page_visible() -> bool {
    web_sys::window().and_then(|w| w.document()).is_none_or(|d| !d.hidden())
}

/// Reports reading `conversation_id` up to `message_id` and stores the answer's count.
fn send_mark(chat: UseReducerDispatcher<ChatState>, conversation_id: String, message_id: String) {
    wasm_bindgen_futures::spawn_local(async move {
        match membership::mark_read(conversation_id.clone(), message_id).await {
            Ok(count) => chat.dispatch(ChatAction::UnreadSet { conversation_id, count }),
            Err(e) => gloo::console::warn!(format!("markRead: {e}")),
        }
    });
}

/// Tracks the page's visibility (`visibilitychange`).
#[hook]
pub fn use_page_visible() -> bool {
    let visible = use_state(page_visible);
    {
        let visible = visible.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window()
                .and_then(|w| w.document())
                .map(|d| EventListener::new(&d, "visibilitychange", move |_| visible.set(page_visible())));
            move || drop(listener)
        });
    }
    *visible
}

/// Marks `conversation_id` as on screen while mounted and visible, and reports
/// reading up to `newest_id` whenever it changes (it only moves forward: the
/// timeline appends).
#[hook]
pub fn use_mark_read(
    conversation_id: String,
    newest_id: Option<String>,
    chat: UseReducerDispatcher<ChatState>,
) {
    let visible = use_page_visible();
    {
        let chat = chat.clone();
        use_effect_with((conversation_id.clone(), visible), move |(id, visible)| {
            let id = id.clone();
            if *visible {
                chat.dispatch(ChatAction::Opened(id.clone()));
            }
            move || chat.dispatch(ChatAction::Closed(id))
        });
    }
    let last_sent = use_mut_ref(|| None::<String>);
    // (conversation id, message id) waiting for the debounce timer.
    let pending = use_mut_ref(|| None::<(String, String)>);
    {
        // Leaving before the timer fired still records what was on screen.
        let (chat, pending) = (chat.clone(), pending.clone());
        use_effect_with((), move |_| {
            move || {
                let flush = pending.borrow_mut().take().filter(|_| page_visible());
                if let Some((id, message_id)) = flush {
                    send_mark(chat, id, message_id);
                }
            }
        });
    }
    use_effect_with((conversation_id, newest_id, visible), move |(id, newest, visible)| {
        // The first position after opening goes at once; later ones are debounced.
        let first = last_sent.borrow().is_none();
        if let Some(newest) = newest.clone().filter(|n| last_sent.borrow().as_ref() != Some(n)) {
            *last_sent.borrow_mut() = Some(newest.clone());
            *pending.borrow_mut() = Some((id.clone(), newest));
        }
        // While the tab is hidden the position waits; it is sent once visible again.
        let delay = if first { 0 } else { MARK_READ_DEBOUNCE_MS };
        let timer = (*visible && pending.borrow().is_some()).then(|| {
            Timeout::new(delay, move || {
                if let Some((id, message_id)) = pending.borrow_mut().take() {
                    send_mark(chat, id, message_id);
                }
            })
        });
        move || drop(timer)
    });
}
