//! The rows of the rendered window: day separators, the "New messages" divider and
//! the messages, grouped under one header per run of the same sender.

use std::ops::Range;

use yew::prelude::*;

use super::time::local_ms;
use super::{MessageEnv, MessageItem};
use crate::state::dates::day_label;
use crate::state::layout::{rows, Row};
use crate::state::Message;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The `<li>` rows for `range` of `messages`.
pub fn render_rows(
    messages: &[Message],
    range: Range<usize>,
    divider_key: Option<&str>,
    receipt_key: Option<&str>,
    now: i64,
    env: &MessageEnv,
) -> Html {
    let layout = rows(messages, range, divider_key, |m| local_ms(&m.created_at));
    // Separators are plain list items holding their label: a list may only hold
    // list items (axe `list`), and the text reads well to screen readers.
    let items = layout.into_iter().map(|row| match row {
        Row::Day(day) => {
            let label = day_label(day * DAY_MS, now);
            html! {
                <li key={format!("day-{day}")} class="day-separator" data-testid="day-separator"
                    data-key={format!("day-{day}")}>
                    <span>{ label }</span>
                </li>
            }
        }
        Row::NewDivider => html! {
            <li key="new-divider" class="new-divider" data-testid="new-divider" data-key="new-divider">
                <span>{ "New messages" }</span>
            </li>
        },
        Row::Message { index, grouped } => {
            let m = &messages[index];
            let show_receipt = receipt_key.is_some_and(|k| m.id.as_deref() == Some(k));
            html! {
                <MessageItem key={format!("{}/{}", m.sender.id, m.client_id)} message={m.clone()}
                    env={env.clone()} {grouped} {show_receipt} {now} />
            }
        }
    });
    items.collect::<Html>()
}
