//! The scrollable message list: sticks to the bottom while the reader is there, loads
//! older messages at the top and keeps the reader's place when they are prepended.

use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use super::{MessageEnv, MessageItem};
use crate::state::{Message, Timeline};

/// Distance from the top (px) that triggers loading older messages.
const LOAD_OLDER_AT: i32 = 48;
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

/// Message list with `data-testid="timeline"` and a `load-older` control at the top.
#[function_component(TimelineView)]
pub fn timeline_view(props: &TimelineViewProps) -> Html {
    let node = use_node_ref();
    let stick_to_bottom = use_mut_ref(|| true);
    // (scrollHeight, scrollTop) when an older page was requested.
    let anchor = use_mut_ref(|| None::<(i32, i32)>);
    let messages = &props.timeline.messages;
    let first_key = messages.first().map(Message::key);
    let last_key = messages.last().map(Message::key);
    let last_is_own = messages.last().is_some_and(|m| Some(&m.sender.id) == props.env.viewer_id.as_ref());

    {
        let node = node.clone();
        let stick_to_bottom = stick_to_bottom.clone();
        let anchor = anchor.clone();
        use_effect_with((first_key, last_key, messages.len(), props.timeline.loaded), move |(_, _, _, _)| {
            if let Some(el) = node.cast::<Element>() {
                let restore = anchor.borrow_mut().take();
                if let Some((height, top)) = restore {
                    el.set_scroll_top(el.scroll_height() - height + top);
                } else if *stick_to_bottom.borrow() || last_is_own {
                    el.set_scroll_top(el.scroll_height());
                    *stick_to_bottom.borrow_mut() = true;
                }
            }
        });
    }

    let request_older = {
        let node = node.clone();
        let anchor = anchor.clone();
        let on_load_older = props.on_load_older.clone();
        let can_load = props.timeline.has_older && !props.loading_older;
        Callback::from(move |_: ()| {
            if !can_load {
                return;
            }
            if let Some(el) = node.cast::<Element>() {
                *anchor.borrow_mut() = Some((el.scroll_height(), el.scroll_top()));
            }
            on_load_older.emit(());
        })
    };
    let onscroll = {
        let node = node.clone();
        let request_older = request_older.clone();
        Callback::from(move |_: Event| {
            let Some(el) = node.cast::<Element>() else {
                return;
            };
            let from_bottom = el.scroll_height() - el.scroll_top() - el.client_height();
            *stick_to_bottom.borrow_mut() = from_bottom < STICK_WITHIN;
            if el.scroll_top() < LOAD_OLDER_AT {
                request_older.emit(());
            }
        })
    };
    let onclick_older = Callback::from(move |_: MouseEvent| request_older.emit(()));

    let top = if props.loading_older {
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
    let items = messages.iter().map(|m| {
        html! { <MessageItem key={format!("{}/{}", m.sender.id, m.client_id)} message={m.clone()} env={props.env.clone()} /> }
    });
    html! {
        <div class="timeline" data-testid="timeline" ref={node} {onscroll}>
            { top }
            <ol class="messages">{ for items }</ol>
        </div>
    }
}
