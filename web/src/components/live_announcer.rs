//! A polite live region that tells screen-reader users about new messages from
//! others in the open conversation ("New message from Alice: …"). History loading
//! and the viewer's own messages say nothing.

use yew::prelude::*;

use crate::hooks::{use_chat, use_session};
use crate::state::Message;

/// Characters of the body read out at most.
const MAX_CHARS: usize = 120;

/// What to announce for a message (body shortened, markup left as typed).
pub fn announcement(message: &Message) -> String {
    let body = message.body.as_deref().unwrap_or_default().trim();
    let body = if body.is_empty() && !message.attachments.is_empty() {
        "an attachment".to_owned()
    } else if body.chars().count() > MAX_CHARS {
        format!("{}…", body.chars().take(MAX_CHARS).collect::<String>())
    } else {
        body.to_owned()
    };
    format!("New message from {}: {body}", message.sender.display_name)
}

/// Props of [`LiveAnnouncer`].
#[derive(Properties, PartialEq)]
pub struct LiveAnnouncerProps {
    /// The open conversation.
    pub conversation_id: String,
}

/// Visually hidden `role="status"` region (`data-testid="live-announcer"`).
#[function_component(LiveAnnouncer)]
pub fn live_announcer(props: &LiveAnnouncerProps) -> Html {
    let chat = use_chat();
    let viewer_id = use_session().and_then(|s| s.viewer().map(|v| v.id.clone()));
    let text = use_state(String::new);
    // The newest confirmed message already accounted for; `None` until the first page.
    let seen = use_mut_ref(|| None::<Option<String>>);
    let timeline = chat.as_ref().and_then(|c| c.timelines.get(&props.conversation_id).cloned());
    let loaded = timeline.as_ref().is_some_and(|t| t.loaded);
    let newest = timeline.as_ref().and_then(|t| t.messages.iter().rev().find(|m| m.id.is_some()).cloned());
    {
        let text = text.clone();
        let newest_id = newest.as_ref().and_then(|m| m.id.clone());
        use_effect_with((loaded, newest_id), move |(loaded, newest_id)| {
            if !*loaded {
                return;
            }
            let previous = seen.borrow_mut().replace(newest_id.clone());
            let Some(message) = newest.filter(|_| previous.is_some_and(|p| p != *newest_id)) else { return };
            if Some(&message.sender.id) != viewer_id.as_ref() && !message.is_deleted() {
                text.set(announcement(&message));
            }
        });
    }
    html! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true"
            data-testid="live-announcer">{ (*text).clone() }</div>
    }
}
