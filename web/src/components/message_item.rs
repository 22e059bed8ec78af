//! One message in the timeline.

use yew::prelude::*;

use super::format_time;
use crate::state::{Delivery, Message};

/// Props of [`MessageItem`].
#[derive(Properties, PartialEq)]
pub struct MessageItemProps {
    /// The message.
    pub message: Message,
    /// Whether the viewer wrote it.
    pub own: bool,
    /// Retry a failed send: `(client_id, body)`.
    pub on_retry: Callback<(String, String)>,
}

/// A message with sender, time and body; pending and failed states are marked.
#[function_component(MessageItem)]
pub fn message_item(props: &MessageItemProps) -> Html {
    let m = &props.message;
    let pending = matches!(m.delivery, Delivery::Pending);
    let failed = match &m.delivery {
        Delivery::Failed(reason) => Some(reason.clone()),
        _ => None,
    };
    let onretry = {
        let on_retry = props.on_retry.clone();
        let client_id = m.client_id.clone();
        let body = m.body.clone().unwrap_or_default();
        Callback::from(move |_| on_retry.emit((client_id.clone(), body.clone())))
    };
    let sender = &m.sender;
    let class = classes!(
        "message",
        props.own.then_some("own"),
        pending.then_some("pending"),
        failed.is_some().then_some("failed")
    );
    html! {
        <li {class} data-testid="message" data-message-id={m.id.clone()}
            data-pending={pending.then_some("true")}
            data-failed={failed.is_some().then_some("true")}>
            <div class="meta">
                <span class="sender" data-testid="message-sender" title={format!("@{}", sender.username)}>
                    { sender.display_name.clone() }
                    if sender.display_name != sender.username {
                        <span class="username">{ " @" }{ sender.username.clone() }</span>
                    }
                </span>
                <time datetime={m.created_at.clone()}>{ format_time(&m.created_at) }</time>
                if pending {
                    <span class="status">{ "Sending…" }</span>
                }
                if props.own && m.id.is_some() {
                    <span class="status seen" data-testid="message-seen"
                        data-seen-count={m.seen_by.len().to_string()}
                        data-receipt={m.receipt().as_str()}>{ m.receipt_label() }</span>
                }
            </div>
            <div class="body" data-testid="message-body">
                { m.body.clone().unwrap_or_else(|| "(deleted)".to_owned()) }
            </div>
            if let Some(reason) = failed {
                <div class="send-error" role="alert">
                    <span data-testid="message-error">{ format!("Not sent: {reason}") }</span>
                    <button class="btn btn-small" data-testid="message-retry" onclick={onretry}>
                        { "Retry" }
                    </button>
                </div>
            }
        </li>
    }
}
