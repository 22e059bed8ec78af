//! The viewer's conversations, most recent activity first, with a preview line.

use yew::prelude::*;
use yew_router::prelude::*;

use super::{format_time, AppLink, PresenceDot};
use crate::hooks::use_chat;
use crate::route::Route;

/// Sidebar list with `data-testid="conversation-list"` / `"conversation-item"`.
#[function_component(ConversationList)]
pub fn conversation_list() -> Html {
    let chat = use_chat();
    let current = use_route::<Route>();
    let Some(chat) = chat else { return html! {} };
    let items = chat.conversations.iter().map(|c| {
        let id = c.meta.id.clone();
        let active = matches!(&current, Some(Route::Chat { id: open }) if *open == id);
        let preview = c.last_message.as_ref().map(|m| {
            // Markup is dropped in the one-line preview.
            let body = match (m.body.as_deref(), m.attachments.first()) {
                // Attachments only (the list's own query carries no attachments: a
                // message live from the stream does).
                (Some(""), Some(a)) if a.voice => "Voice note".to_owned(),
                (Some(""), Some(a)) => a.filename.clone(),
                (Some(""), None) => "Attachment".to_owned(),
                (body, _) => super::quote_text(body),
            };
            html! {
                <span class="preview">
                    <span class="preview-sender">{ m.sender.display_name.clone() }{ ": " }</span>
                    { body }
                </span>
            }
        });
        let when = c.last_message.as_ref().map(|m| format_time(&m.created_at));
        html! {
            <li key={id.clone()}>
                <AppLink to={Route::Chat { id }} testid="conversation-item"
                    class={classes!("conversation-item", active.then_some("active"), (c.unread > 0).then_some("unread"))}>
                    <span class="row">
                        <span class="name">
                            if let Some(peer) = &c.meta.peer {
                                <PresenceDot user_id={peer.id.clone()} />
                            }
                            { c.meta.title() }
                        </span>
                        <span class="end">
                            <span class="time">{ when }</span>
                            if c.unread > 0 {
                                // The number alone says little to a screen reader: it reads the hidden text.
                                <span class="badge" data-testid="unread-badge" aria-hidden="true">{ c.unread }</span>
                                <span class="visually-hidden">{ format!("{} unread", c.unread) }</span>
                            }
                        </span>
                    </span>
                    { preview.unwrap_or_else(|| html! { <span class="preview muted">{ "No messages yet" }</span> }) }
                </AppLink>
            </li>
        }
    });
    let empty = chat.conversations_loaded && chat.conversations.is_empty();
    html! {
        <div class="conversations">
            <h2 class="sidebar-title">{ "Conversations" }</h2>
            <ul class="conversation-list" data-testid="conversation-list">
                { for items }
            </ul>
            if empty {
                <p class="muted empty">
                    { "No conversations yet. " }
                    <AppLink to={Route::Rooms}>{ "Browse rooms" }</AppLink>
                </p>
            } else if !chat.conversations_loaded {
                <p class="muted empty">{ "Loading…" }</p>
            }
        </div>
    }
}
