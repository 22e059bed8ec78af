//! The conversation's header: a back link to the list (shown on phones, where the
//! list and the conversation take turns), title, topic, member count and the room
//! actions.

use yew::prelude::*;

use super::AppLink;
use crate::route::Route;
use crate::state::ConversationMeta;

/// Props of [`ChatHeader`].
#[derive(Properties, PartialEq)]
pub struct ChatHeaderProps {
    /// The conversation, once known.
    pub meta: Option<ConversationMeta>,
    /// Loading it failed.
    pub failed: bool,
    /// The viewer is a member of this room (a room, not a direct conversation).
    pub room_member: bool,
    /// The members panel is open.
    pub members_open: bool,
    /// Opens or closes the members panel.
    pub on_toggle_members: Callback<MouseEvent>,
    /// Leaves the room.
    pub on_leave: Callback<MouseEvent>,
}

/// `<header class="chat-header">` with `data-testid="back-to-list"` and `"conversation-title"`.
#[function_component(ChatHeader)]
pub fn chat_header(props: &ChatHeaderProps) -> Html {
    let back = html! {
        <AppLink to={Route::Home} testid="back-to-list" class="back-to-list btn btn-icon"
            label="Back to conversations">
            { super::icons::back() }
        </AppLink>
    };
    let Some(meta) = &props.meta else {
        let title = if props.failed { "Conversation unavailable" } else { "Loading…" };
        return html! {
            <header class="chat-header">
                { back }
                <h1 data-testid="conversation-title" class="muted">{ title }</h1>
            </header>
        };
    };
    let members =
        if meta.member_count == 1 { "1 member".to_owned() } else { format!("{} members", meta.member_count) };
    html! {
        <header class="chat-header">
            { back }
            <div class="titles">
                <h1 data-testid="conversation-title">{ meta.title() }</h1>
                if let Some(topic) = meta.topic.as_ref().filter(|t| !t.is_empty()) {
                    <p class="topic" data-testid="conversation-topic">{ topic.clone() }</p>
                }
            </div>
            <div class="header-actions">
                <span class="members muted" data-testid="member-count">{ members }</span>
                if props.room_member {
                    <button class="btn btn-small" data-testid="members-toggle"
                        aria-expanded={props.members_open.to_string()}
                        onclick={props.on_toggle_members.clone()}>{ "Members" }</button>
                    <button class="btn btn-small btn-quiet" data-testid="leave-room"
                        onclick={props.on_leave.clone()}>{ "Leave" }</button>
                }
            </div>
        </header>
    }
}
