//! Live, short-lived state: who is typing, who is online, the viewer's notifications
//! and the toasts announcing them. Pure, like the chat store, so it is tested natively.

use std::collections::HashMap;
use std::rc::Rc;

use yew::Reducible;

use super::model::{ConnectionState, UserRef};

/// How many notifications the panel keeps.
const NOTIFICATIONS_KEPT: usize = 50;
/// How many toasts are on screen at most.
const TOASTS_SHOWN: usize = 4;
/// While the user keeps typing, the typing signal is renewed this often.
pub const TYPING_RENEW_MS: f64 = 2_500.0;

/// Why the viewer is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A message in a direct conversation.
    DirectMessage,
    /// An @mention.
    Mention,
    /// A reply to the viewer's message.
    Reply,
}

/// One notification as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationItem {
    /// Global id.
    pub id: String,
    /// Why.
    pub kind: NotificationKind,
    /// Display name of who caused it.
    pub actor: String,
    /// The conversation, if still visible.
    pub conversation_id: Option<String>,
    /// Room name or peer's name.
    pub conversation_title: String,
    /// The message text, if any.
    pub body: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// Whether it was marked read.
    pub read: bool,
}

impl NotificationItem {
    /// One line describing it, e.g. "Alice mentioned you in #general".
    pub fn summary(&self) -> String {
        match self.kind {
            NotificationKind::DirectMessage => format!("{} sent you a message", self.actor),
            NotificationKind::Mention => {
                format!("{} mentioned you in {}", self.actor, self.conversation_title)
            }
            NotificationKind::Reply => format!("{} replied in {}", self.actor, self.conversation_title),
        }
    }
}

/// A transient popup about a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// Local id (to dismiss it).
    pub id: u32,
    /// Text.
    pub text: String,
    /// Where clicking it leads.
    pub conversation_id: Option<String>,
}

/// Everything live the UI shows besides the chat store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveState {
    /// Typists by conversation id, in the order they started.
    pub typing: HashMap<String, Vec<UserRef>>,
    /// Online state by user id (absent: unknown, shown offline).
    pub presence: HashMap<String, bool>,
    /// The viewer's notifications, newest first.
    pub notifications: Vec<NotificationItem>,
    /// Unread notifications (server count).
    pub unread_notifications: i64,
    /// Toasts on screen, oldest first.
    pub toasts: Vec<Toast>,
    /// The conversation on screen (no toasts for it).
    pub open_conversation: Option<String>,
    next_toast: u32,
}

/// A change to the live state.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveAction {
    /// Logged in or out: everything is forgotten.
    Reset,
    /// The connection changed; typing is unknown unless online.
    Connection(ConnectionState),
    /// Someone started or stopped typing.
    Typing {
        /// Conversation id.
        conversation_id: String,
        /// Who.
        user: UserRef,
        /// Started (true) or stopped.
        typing: bool,
    },
    /// Someone came online or went offline.
    Presence {
        /// User id.
        user_id: String,
        /// Online now.
        online: bool,
    },
    /// The notification list and unread count were fetched.
    NotificationsLoaded {
        /// Newest first.
        items: Vec<NotificationItem>,
        /// Unread count.
        unread: i64,
    },
    /// A new notification arrived live.
    NotificationArrived(NotificationItem),
    /// Notifications were marked read (`None`: all of them); the server's new count.
    NotificationsRead {
        /// Which ones, or all.
        ids: Option<Vec<String>>,
        /// Unread count left.
        unread: i64,
    },
    /// A toast went away.
    DismissToast(u32),
    /// A conversation is on screen.
    Opened(String),
    /// A conversation left the screen.
    Closed(String),
}

impl LiveState {
    /// Whether a user is online (false when unknown).
    pub fn is_online(&self, user_id: &str) -> bool {
        self.presence.get(user_id).copied().unwrap_or(false)
    }

    /// Ids of the unread notifications about a conversation.
    pub fn unread_notifications_in(&self, conversation_id: &str) -> Vec<String> {
        self.notifications
            .iter()
            .filter(|n| !n.read && n.conversation_id.as_deref() == Some(conversation_id))
            .map(|n| n.id.clone())
            .collect()
    }

    /// The typing line of a conversation, or `None` when nobody types.
    pub fn typing_line(&self, conversation_id: &str) -> Option<String> {
        let names: Vec<&str> = self
            .typing
            .get(conversation_id)
            .map(|list| list.iter().map(|u| u.display_name.as_str()).collect())
            .unwrap_or_default();
        typing_line(&names)
    }

    /// Applies one action; returns whether anything changed.
    pub fn apply(&mut self, action: LiveAction) -> bool {
        match action {
            LiveAction::Reset => *self = LiveState::default(),
            LiveAction::Connection(state) => {
                if state == ConnectionState::Online || self.typing.is_empty() {
                    return false;
                }
                self.typing.clear();
            }
            LiveAction::Typing { conversation_id, user, typing } => {
                let list = self.typing.entry(conversation_id.clone()).or_default();
                let present = list.iter().position(|u| u.id == user.id);
                match (typing, present) {
                    (true, None) => list.push(user),
                    (false, Some(i)) => {
                        list.remove(i);
                        if list.is_empty() {
                            self.typing.remove(&conversation_id);
                        }
                    }
                    _ => {
                        if list.is_empty() {
                            self.typing.remove(&conversation_id);
                        }
                        return false;
                    }
                }
            }
            LiveAction::Presence { user_id, online } => {
                if self.presence.insert(user_id, online) == Some(online) {
                    return false;
                }
            }
            LiveAction::NotificationsLoaded { items, unread } => {
                // Keep live arrivals the fetch may have missed.
                let mut merged = items;
                for item in &self.notifications {
                    if !merged.iter().any(|n| n.id == item.id) {
                        merged.push(item.clone());
                    }
                }
                merged.sort_by(|a, b| b.created_at.cmp(&a.created_at));
                merged.truncate(NOTIFICATIONS_KEPT);
                self.notifications = merged;
                self.unread_notifications = unread;
            }
            LiveAction::NotificationArrived(item) => {
                if self.notifications.iter().any(|n| n.id == item.id) {
                    return false;
                }
                if !item.read {
                    self.unread_notifications += 1;
                }
                let about_open =
                    item.conversation_id.is_some() && item.conversation_id == self.open_conversation;
                if !about_open {
                    self.next_toast = self.next_toast.wrapping_add(1);
                    self.toasts.push(Toast {
                        id: self.next_toast,
                        text: item.summary(),
                        conversation_id: item.conversation_id.clone(),
                    });
                    if self.toasts.len() > TOASTS_SHOWN {
                        self.toasts.remove(0);
                    }
                }
                self.notifications.insert(0, item);
                self.notifications.truncate(NOTIFICATIONS_KEPT);
            }
            LiveAction::NotificationsRead { ids, unread } => {
                for n in &mut self.notifications {
                    if ids.as_ref().is_none_or(|ids| ids.contains(&n.id)) {
                        n.read = true;
                    }
                }
                self.unread_notifications = unread.max(0);
            }
            LiveAction::DismissToast(id) => {
                let before = self.toasts.len();
                self.toasts.retain(|t| t.id != id);
                return self.toasts.len() != before;
            }
            LiveAction::Opened(id) => {
                // Typists are only watched in the open conversation.
                self.typing.retain(|c, _| *c == id);
                self.open_conversation = Some(id);
            }
            LiveAction::Closed(id) => {
                let typed = self.typing.remove(&id).is_some();
                if self.open_conversation.as_deref() != Some(id.as_str()) {
                    return typed;
                }
                self.open_conversation = None;
            }
        }
        true
    }
}

impl Reducible for LiveState {
    type Action = LiveAction;

    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        let mut next = (*self).clone();
        if next.apply(action) {
            Rc::new(next)
        } else {
            self
        }
    }
}

/// "Ann is typing…", "Ann and Bob are typing…", "Ann, Bob and 2 others are typing…".
pub fn typing_line(names: &[&str]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [a, b] => Some(format!("{a} and {b} are typing…")),
        [a, b, c] => Some(format!("{a}, {b} and {c} are typing…")),
        [a, b, rest @ ..] => Some(format!("{a}, {b} and {} others are typing…", rest.len())),
    }
}

/// Decides when the composer sends `setTyping` (times in milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TypingSignal {
    /// When `typing: true` was last sent, while typing.
    last_sent: Option<f64>,
}

impl TypingSignal {
    /// The text changed at `now`: `Some(true)` to start or renew, `Some(false)` to stop.
    pub fn on_input(&mut self, now: f64, empty: bool) -> Option<bool> {
        if empty {
            return self.stop();
        }
        match self.last_sent {
            Some(at) if now - at < TYPING_RENEW_MS => None,
            _ => {
                self.last_sent = Some(now);
                Some(true)
            }
        }
    }

    /// The composer lost focus or was cleared: `Some(false)` if we said we were typing.
    pub fn stop(&mut self) -> Option<bool> {
        self.last_sent.take().map(|_| false)
    }

    /// A message was sent: the server ends typing by itself.
    pub fn sent(&mut self) {
        self.last_sent = None;
    }
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
