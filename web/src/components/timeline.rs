//! The scrollable message list. It renders a bounded window of the loaded messages
//! (see `state::window`), sticks to the bottom while the reader is there, grows the
//! window or loads older pages at the top, keeps the reader's place whenever rows
//! come or go above them, and offers "Jump to latest" with a count while scrolled up.

use std::cell::RefCell;
use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use super::time::use_local_now;
use super::timeline_rows::render_rows;
use super::MessageEnv;
use crate::state::layout::{arrived_after, new_divider_key, receipt_key};
use crate::state::window::{Start, Window, INITIAL, MAX, STEP};
use crate::state::{Message, Timeline};

/// Distance from either edge (px) at which more rows are rendered or loaded.
const EDGE: i32 = 600;
/// Distance from the bottom (px) within which new messages scroll into view.
const STICK_WITHIN: i32 = 96;

/// Props of [`TimelineView`].
#[derive(Properties, PartialEq)]
pub struct TimelineViewProps {
    /// The conversation's timeline.
    pub timeline: Rc<Timeline>,
    /// Whether an older page is being fetched.
    pub loading_older: bool,
    /// Asks for the next older page.
    pub on_load_older: Callback<()>,
    /// What the messages share (viewer, permissions, action callbacks).
    pub env: MessageEnv,
}

/// Whether `m` has this render key (without allocating one per message).
fn has_key(m: &Message, key: &str) -> bool {
    match &m.id {
        Some(id) => id == key,
        None => key.strip_prefix("local:") == Some(m.client_id.as_str()),
    }
}

/// The row at the top edge of the viewport: (its `data-key`, its offset from the
/// container's top). Rows are sorted by position, so a binary search finds it.
fn top_row(container: &Element, list: &Element) -> Option<(String, f64)> {
    let top = container.get_bounding_client_rect().top();
    let rows = list.children();
    let (mut lo, mut hi) = (0u32, rows.length());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let bottom = rows.item(mid)?.get_bounding_client_rect().bottom();
        if bottom <= top {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    // A message, not a separator: a day's separator moves to the top of its
    // day when older messages of that day are prepended.
    (lo..rows.length()).filter_map(|i| rows.item(i)).find_map(|row| {
        let key = row.get_attribute("data-key")?;
        let separator = key.starts_with("day-") || key == "new-divider";
        (!separator).then(|| (key, row.get_bounding_client_rect().top() - top))
    })
}

/// Puts the row keyed `key` back at `offset` from the container's top.
fn restore_row(container: &Element, list: &Element, key: &str, offset: f64) {
    let Ok(Some(row)) = list.query_selector(&format!("[data-key=\"{key}\"]")) else { return };
    let now = row.get_bounding_client_rect().top() - container.get_bounding_client_rect().top();
    let delta = (now - offset).round() as i32;
    if delta != 0 {
        container.set_scroll_top(container.scroll_top() + delta);
    }
}

/// Message list with `data-testid="timeline"`, `data-rendered` / `data-loaded` counts
/// and a `load-older` control at the top.
#[function_component(TimelineView)]
pub fn timeline_view(props: &TimelineViewProps) -> Html {
    let node = use_node_ref();
    let list = use_node_ref();
    let now = use_local_now();
    let stick_to_bottom = use_mut_ref(|| true);
    let window = use_state(Window::default);
    let away = use_state(|| false);
    // The last (scrollTop, scrollHeight) seen: only a move up over unchanged
    // content is the reader leaving the bottom.
    let last_top = use_mut_ref(|| (0i32, 0i32));
    // Key of the newest message when the reader scrolled up (arrivals count from it).
    let seen_key = use_mut_ref(|| None::<String>);
    // Computed once, when the first page is there: where the unread messages start.
    let divider = use_mut_ref(|| None::<Option<String>>);
    // The row to keep in place across this render, and what was rendered last time.
    let anchor: Rc<RefCell<Option<(String, f64)>>> = use_mut_ref(|| None);
    let last_shape = use_mut_ref(|| (0usize, 0usize, None::<String>));

    let messages = &props.timeline.messages;
    let len = messages.len();
    let viewer = props.env.viewer_id.clone().unwrap_or_default();
    if divider.borrow().is_none() && props.timeline.loaded {
        *divider.borrow_mut() = Some(new_divider_key(messages, &viewer));
    }
    let divider_key = divider.borrow().clone().flatten();
    let range = window.range(len, |k| messages.iter().position(|m| has_key(m, k)));
    let first_key = messages.get(range.start).map(Message::key);

    // Rows are about to change above the reader: remember what they look at.
    let shape = (range.len(), len, first_key.clone());
    if *last_shape.borrow() != shape {
        *last_shape.borrow_mut() = shape;
        if !*stick_to_bottom.borrow() {
            if let (Some(c), Some(l)) = (node.cast::<Element>(), list.cast::<Element>()) {
                *anchor.borrow_mut() = top_row(&c, &l);
            }
        }
    }

    {
        let (node, list, anchor, stick) =
            (node.clone(), list.clone(), anchor.clone(), stick_to_bottom.clone());
        use_effect(move || {
            if let (Some(c), Some(l)) = (node.cast::<Element>(), list.cast::<Element>()) {
                if let Some((key, offset)) = anchor.borrow_mut().take() {
                    restore_row(&c, &l, &key, offset);
                } else if *stick.borrow() {
                    c.set_scroll_top(c.scroll_height());
                }
            }
        });
    }

    // A new message follows the reader at the bottom, and our own brings us there.
    let last = messages.last();
    let last_key = last.map(Message::key);
    let last_is_own = last.is_some_and(|m| m.sender.id == viewer);
    {
        let (window, stick, away) = (window.clone(), stick_to_bottom.clone(), away.clone());
        let size = range.len().max(INITIAL);
        use_effect_with(last_key.clone(), move |_| {
            if last_is_own || *stick.borrow() {
                *stick.borrow_mut() = true;
                away.set(false);
                if window.start != Start::Newest {
                    window.set(Window { start: Start::Newest, size });
                }
            }
        });
    }

    // A jump (reply quote, pin, search) to a loaded message outside the window.
    let target = props.env.highlighted.clone();
    let target_index =
        target.as_deref().and_then(|t| messages.iter().position(|m| m.id.as_deref() == Some(t)));
    let target_shown = target_index.is_some_and(|i| range.contains(&i));
    {
        let (window, stick) = (window.clone(), stick_to_bottom.clone());
        let key_at = |i: usize| messages.get(i).map(Message::key).unwrap_or_default();
        let around = target_index.map(|i| Window::around(i, len, key_at));
        use_effect_with((target.clone(), target_shown), move |(target, shown)| {
            let Some(target) = target else { return };
            *stick.borrow_mut() = false;
            if !shown {
                if let Some(around) = around {
                    window.set(around);
                }
            } else if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&format!("msg-{target}")))
            {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Center);
                el.scroll_into_view_with_scroll_into_view_options(&options);
            }
        });
    }

    let can_load_older = props.timeline.has_older && !props.loading_older;
    let request_older = {
        let (on_load_older, window) = (props.on_load_older.clone(), window.clone());
        Callback::from(move |_: ()| {
            if !can_load_older {
                return;
            }
            // At the oldest loaded message: the page about to arrive comes into view.
            if window.start != Start::Oldest || window.size < MAX {
                window.set(Window { start: Start::Oldest, size: (window.size + STEP).min(MAX) });
            }
            on_load_older.emit(());
        })
    };
    let onscroll = {
        let (node, window, away, seen_key) = (node.clone(), window.clone(), away.clone(), seen_key.clone());
        let (stick, request_older, range) = (stick_to_bottom.clone(), request_older.clone(), range.clone());
        let last_top = last_top.clone();
        let timeline = props.timeline.clone();
        let last_key = last_key.clone();
        Callback::from(move |_: Event| {
            let Some(el) = node.cast::<Element>() else { return };
            let messages = &timeline.messages;
            let key_at = |i: usize| messages.get(i).map(Message::key).unwrap_or_default();
            let from_bottom = el.scroll_height() - el.scroll_top() - el.client_height();
            let at_newest = range.end >= messages.len();
            let now = (el.scroll_top(), el.scroll_height());
            let (top_before, height_before) = *last_top.borrow();
            let moved_up = now.1 == height_before && now.0 < top_before;
            *last_top.borrow_mut() = now;
            // A scroll event can land after rows came below the reader (or went
            // above, and the browser shifted the view) and before the effect
            // brought them down: the content moved, not the reader, so they are
            // still following the newest messages.
            let bottom = (from_bottom < STICK_WITHIN || (*stick.borrow() && !moved_up)) && at_newest;
            *stick.borrow_mut() = bottom;
            if *away == bottom {
                away.set(!bottom);
                *seen_key.borrow_mut() = if bottom { None } else { last_key.clone() };
            }
            // Content shorter than the viewport touches both edges: stay with the newest.
            if el.scroll_top() < EDGE && !bottom {
                if range.start > 0 {
                    window.set(Window::grow_older(range.clone(), key_at));
                } else {
                    request_older.emit(());
                }
            } else if from_bottom < EDGE && !at_newest {
                window.set(Window::grow_newer(range.clone(), messages.len(), key_at));
            }
        })
    };
    let onclick_older = {
        let request_older = request_older.clone();
        Callback::from(move |_: MouseEvent| request_older.emit(()))
    };
    let jump_latest = {
        let (window, away, seen_key, stick) =
            (window.clone(), away.clone(), seen_key.clone(), stick_to_bottom.clone());
        let node = node.clone();
        Callback::from(move |_: MouseEvent| {
            *stick.borrow_mut() = true;
            *seen_key.borrow_mut() = None;
            away.set(false);
            window.set(Window::default());
            if let Some(el) = node.cast::<Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        })
    };

    let top = if range.start > 0 {
        html! {}
    } else if props.loading_older {
        html! { <div class="load-older" data-testid="load-older" data-state="loading">{ "Loading older messages…" }</div> }
    } else if props.timeline.has_older {
        html! {
            <button type="button" class="load-older btn btn-quiet" data-testid="load-older"
                data-state="more" onclick={onclick_older}>{ "Load older messages" }</button>
        }
    } else if props.timeline.loaded {
        html! { <div class="load-older muted" data-testid="load-older" data-state="done">{ "Start of the conversation" }</div> }
    } else {
        html! { <div class="load-older muted" data-testid="load-older" data-state="loading">{ "Loading…" }</div> }
    };
    let arrived = seen_key.borrow().as_deref().map_or(0, |k| arrived_after(messages, k, &viewer));
    let receipt = receipt_key(messages, &viewer);
    let rows =
        render_rows(messages, range.clone(), divider_key.as_deref(), receipt.as_deref(), now, &props.env);
    html! {
        <div class="timeline-wrap">
            <div class="timeline" data-testid="timeline" ref={node} {onscroll}
                data-rendered={range.len().to_string()} data-loaded={len.to_string()}>
                { top }
                <ol class="messages" ref={list}>{ rows }</ol>
            </div>
            if *away {
                <button type="button" class="jump-latest" data-testid="jump-latest" data-count={arrived.to_string()}
                    aria-label={if arrived > 0 { format!("Jump to latest, {arrived} new") } else { "Jump to latest".to_owned() }}
                    onclick={jump_latest}>
                    { "↓ Jump to latest" }
                    if arrived > 0 {
                        <span class="jump-count">{ arrived }</span>
                    }
                </button>
            }
        </div>
    }
}
