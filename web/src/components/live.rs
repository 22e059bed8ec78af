//! Live bits of the UI: presence dots, the typing line, the notification bell with its
//! panel, and toasts.

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::live;
use crate::hooks::{ask_notification_permission, use_live, use_session, LiveContext};
use crate::route::Route;
use crate::state::{LiveAction, NotificationItem};

/// How long a toast stays.
const TOAST_MS: u32 = 6_000;

/// Props of [`PresenceDot`].
#[derive(Properties, PartialEq)]
pub struct PresenceDotProps {
    /// Whose presence.
    pub user_id: AttrValue,
}

/// A green (online) or grey (offline) dot, `data-testid="presence-dot"`; the viewer
/// is always online to themselves.
#[function_component(PresenceDot)]
pub fn presence_dot(props: &PresenceDotProps) -> Html {
    let live = use_live();
    let session = use_session();
    let is_viewer = session.as_ref().and_then(|s| s.viewer()).is_some_and(|v| *v.id == *props.user_id);
    let online = is_viewer || live.as_ref().is_some_and(|l| l.is_online(&props.user_id));
    let label = if online { "online" } else { "offline" };
    html! {
        <span class={classes!("presence-dot", online.then_some("online"))} data-testid="presence-dot"
            data-online={online.to_string()} data-user-id={props.user_id.clone()}
            title={label} aria-label={label} role="img"></span>
    }
}

/// Props of [`TypingLine`].
#[derive(Properties, PartialEq)]
pub struct TypingLineProps {
    /// The conversation on screen.
    pub conversation_id: AttrValue,
}

/// "Alice is typing…" under the timeline (`data-testid="typing-line"`, absent when nobody).
#[function_component(TypingLine)]
pub fn typing_line(props: &TypingLineProps) -> Html {
    let live = use_live();
    let line = live.as_ref().and_then(|l| l.typing_line(&props.conversation_id));
    html! {
        <div class="typing-slot" aria-live="polite">
            if let Some(line) = line {
                <span class="typing-line" data-testid="typing-line">{ line }</span>
            }
        </div>
    }
}

/// Marks notifications read on the server and stores the answer.
pub fn mark_read(live: &LiveContext, ids: Option<Vec<String>>) {
    let live = live.dispatcher();
    wasm_bindgen_futures::spawn_local(async move {
        match live::mark_notifications_read(ids.clone()).await {
            Ok(unread) => live.dispatch(LiveAction::NotificationsRead { ids, unread }),
            Err(e) => gloo::console::warn!(format!("markNotificationsRead: {e}")),
        }
    });
}

/// Header bell with the unread badge; opens the notification panel.
#[function_component(NotificationBell)]
pub fn notification_bell() -> Html {
    let live = use_live();
    let open = use_state(|| false);
    let navigator = use_navigator();
    // Escape closes the panel, wherever the focus is.
    {
        let open = open.clone();
        use_effect_with(*open, move |is_open| {
            let listener =
                is_open.then(|| web_sys::window().and_then(|w| w.document())).flatten().map(|doc| {
                    EventListener::new(&doc, "keydown", move |e| {
                        let escape = e.dyn_ref::<KeyboardEvent>().is_some_and(|k| k.key() == "Escape");
                        if escape {
                            open.set(false);
                        }
                    })
                });
            move || drop(listener)
        });
    }
    let Some(live) = live else { return html! {} };
    let unread = live.unread_notifications;
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            ask_notification_permission();
            open.set(!*open);
        })
    };
    let onclose = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    let onmarkall = {
        let live = live.clone();
        Callback::from(move |_: MouseEvent| mark_read(&live, None))
    };
    let onclick_item = {
        let (live, open) = (live.clone(), open.clone());
        Callback::from(move |item: NotificationItem| {
            if !item.read {
                mark_read(&live, Some(vec![item.id.clone()]));
            }
            open.set(false);
            if let (Some(navigator), Some(id)) = (navigator.as_ref(), item.conversation_id) {
                navigator.push(&Route::Chat { id });
            }
        })
    };
    let items = live.notifications.iter().map(|n| {
        let onclick = {
            let (cb, n) = (onclick_item.clone(), n.clone());
            Callback::from(move |_: MouseEvent| cb.emit(n.clone()))
        };
        html! {
            <li key={n.id.clone()}>
                <button class={classes!("notification-item", (!n.read).then_some("unread"))}
                    data-testid="notification-item" data-read={n.read.to_string()} {onclick}>
                    <span class="summary">{ n.summary() }</span>
                    if let Some(body) = &n.body {
                        <span class="preview">{ body.clone() }</span>
                    }
                    <span class="time muted">{ super::format_time(&n.created_at) }</span>
                </button>
            </li>
        }
    });
    let label = format!("Notifications, {unread} unread");
    html! {
        <div class="notifications">
            <button class="btn btn-quiet bell" data-testid="notifications-bell" aria-label={label}
                aria-expanded={(*open).to_string()} onclick={ontoggle}>
                <svg class="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"
                        fill="currentColor" />
                </svg>
                if unread > 0 {
                    <span class="badge" data-testid="notifications-badge">{ unread }</span>
                }
            </button>
            if *open {
                <div class="notifications-backdrop" onclick={onclose}></div>
                <section class="notifications-panel" data-testid="notifications-panel">
                    <header>
                        <h2>{ "Notifications" }</h2>
                        <button class="btn btn-small" data-testid="notifications-mark-all"
                            disabled={unread == 0} onclick={onmarkall}>{ "Mark all read" }</button>
                    </header>
                    if live.notifications.is_empty() {
                        <p class="muted empty">{ "Nothing yet." }</p>
                    } else {
                        <ul>{ for items }</ul>
                    }
                </section>
            }
        </div>
    }
}

/// Props of [`ToastItem`].
#[derive(Properties, PartialEq)]
struct ToastItemProps {
    id: u32,
    text: AttrValue,
    conversation_id: Option<String>,
}

#[function_component(ToastItem)]
fn toast_item(props: &ToastItemProps) -> Html {
    let live = use_live();
    let navigator = use_navigator();
    {
        let live = live.as_ref().map(|l| l.dispatcher());
        use_effect_with(props.id, move |id| {
            let id = *id;
            let timer =
                live.map(|live| Timeout::new(TOAST_MS, move || live.dispatch(LiveAction::DismissToast(id))));
            move || drop(timer)
        });
    }
    let onclick = {
        let (id, conversation_id) = (props.id, props.conversation_id.clone());
        let live = live.as_ref().map(|l| l.dispatcher());
        Callback::from(move |_: MouseEvent| {
            if let Some(live) = &live {
                live.dispatch(LiveAction::DismissToast(id));
            }
            if let (Some(navigator), Some(id)) = (navigator.as_ref(), conversation_id.clone()) {
                navigator.push(&Route::Chat { id });
            }
        })
    };
    html! {
        <button class="toast" data-testid="toast" role="status" {onclick}>{ props.text.clone() }</button>
    }
}

/// Toasts for new notifications, bottom right.
#[function_component(Toasts)]
pub fn toasts() -> Html {
    let live = use_live();
    let Some(live) = live else { return html! {} };
    html! {
        <div class="toasts" aria-live="polite">
            { for live.toasts.iter().map(|t| html! {
                <ToastItem key={t.id} id={t.id} text={t.text.clone()} conversation_id={t.conversation_id.clone()} />
            }) }
        </div>
    }
}
