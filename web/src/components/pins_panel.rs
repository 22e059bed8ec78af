//! The pinned-messages bar at the top of a chat: a toggle with the count, and the
//! list (newest pin first) whose items jump to the message. Hidden while nothing is
//! pinned.

use yew::prelude::*;

use super::{format_time, quote_text};
use crate::state::Message;

/// Props of [`PinsPanel`].
#[derive(Properties, PartialEq)]
pub struct PinsPanelProps {
    /// Pinned messages, newest pin first.
    pub pinned: Vec<Message>,
    /// Scroll to a message by id.
    pub on_jump: Callback<String>,
}

/// Toggle plus list of pinned messages.
#[function_component(PinsPanel)]
pub fn pins_panel(props: &PinsPanelProps) -> Html {
    let open = use_state(|| false);
    let count = props.pinned.len();
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let items = props.pinned.iter().filter_map(|m| {
        let id = m.id.clone()?;
        let onclick = {
            let (on_jump, id, open) = (props.on_jump.clone(), id.clone(), open.clone());
            Callback::from(move |_: MouseEvent| {
                open.set(false);
                on_jump.emit(id.clone());
            })
        };
        Some(html! {
            <li>
                <button type="button" class="pinned-item" data-testid="pinned-item" data-message-id={id} {onclick}>
                    <span class="sender">{ m.sender.display_name.clone() }</span>
                    <time datetime={m.created_at.clone()}>{ format_time(&m.created_at) }</time>
                    <span class="reply-body">{ quote_text(m.body.as_deref()) }</span>
                </button>
            </li>
        })
    });
    html! {
        // Nothing pinned: no bar at all (it would only take room).
        <div class="pins" data-testid="pins" hidden={count == 0}>
            <button type="button" class="btn btn-small btn-quiet" data-testid="pins-toggle"
                data-count={count.to_string()} aria-expanded={(*open).to_string()} onclick={ontoggle}
                disabled={count == 0}>
                { format!("📌 {count} pinned") }
            </button>
            if *open && count > 0 {
                <ul class="pins-panel" data-testid="pins-panel">{ for items }</ul>
            }
        </div>
    }
}
