//! Reusable pieces of the UI.

mod action_bar;
mod attachments;
mod audio_player;
mod avatar;
mod chat_header;
mod composer;
mod connection_status;
mod conversation_list;
mod emoji_picker;
mod form_error;
mod icons;
mod link;
mod live;
mod live_announcer;
mod long_press;
mod members_panel;
mod message_item;
mod offline;
mod person_item;
mod pins_panel;
mod protected;
mod quick_switcher;
mod quote;
mod receipt;
mod shell;
mod theme_toggle;
mod time;
mod timeline;
mod timeline_rows;
mod upload_chips;
mod voice_recorder;

pub use attachments::{refresh_message, Attachments};
pub use avatar::Avatar;
pub use chat_header::ChatHeader;
pub use composer::Composer;
pub use connection_status::ConnectionStatus;
pub use conversation_list::ConversationList;
pub use form_error::FormError;
pub use link::AppLink;
pub use live::{mark_read as mark_notifications_read, NotificationBell, PresenceDot, Toasts, TypingLine};
pub use live_announcer::LiveAnnouncer;
pub use members_panel::MembersPanel;
pub use message_item::{MessageEnv, MessageItem, QUICK_REACTIONS};
pub use offline::{OfflineBanner, OfflineStart};
pub use person_item::PersonItem;
pub use pins_panel::PinsPanel;
pub use protected::Protected;
pub use quick_switcher::QuickSwitcher;
pub use quote::quote_text;
pub use shell::Shell;
pub use theme_toggle::ThemeToggle;
pub use timeline::TimelineView;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Local `HH:MM` of an RFC 3339 timestamp (empty if unparsable).
pub fn format_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return String::new();
    }
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// An `oninput` handler that stores the input's value in `state`.
pub fn bind(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(e.target_unchecked_into::<HtmlInputElement>().value());
    })
}
