//! The chat store: conversation list and timelines, changed only through
//! [`ChatAction`]s. Server events go through the pure [`apply_event`], which skips
//! events already applied, so replays after a reconnect are harmless.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use yew::Reducible;

use super::model::{
    ConnectionState, ConversationEvent, ConversationMeta, ConversationSummary, Delivery, HistoryPage,
    Message, ReactionGroup,
};
use super::time::sort_key;
use super::timeline::Timeline;

/// How many recent event cursors are remembered to drop duplicate deliveries.
const RECENT_CURSORS: usize = 512;

/// Everything the chat UI shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatState {
    /// The logged-in user (their events are recognised as their own).
    pub viewer_id: Option<String>,
    /// The viewer's conversations, most recent activity first.
    pub conversations: Vec<ConversationSummary>,
    /// Whether the conversation list has been fetched.
    pub conversations_loaded: bool,
    /// Timelines by conversation id; only conversations that were opened.
    pub timelines: HashMap<String, Rc<Timeline>>,
    /// Cursor of the last event applied.
    pub last_cursor: Option<String>,
    /// Live connection state.
    pub connection: ConnectionState,
    /// Bumped when an event names a conversation missing from the list (refetch it).
    pub unknown_conversation_hits: u32,
    /// Whether the event stream has a cursor: history loaded from now on has no gap.
    pub synced: bool,
    /// Bumped when timelines were dropped after a resync (views reload).
    pub generation: u32,
    /// The conversation on screen: its messages count as read, so no badge.
    pub open_conversation: Option<String>,
    recent_cursors: Rc<VecDeque<String>>,
}

/// A change to the chat store.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatAction {
    /// A user logged in (or out): everything is reset.
    SetViewer(Option<String>),
    /// Live connection state changed.
    Connection(ConnectionState),
    /// The conversation list was fetched.
    ConversationsLoaded(Vec<ConversationSummary>),
    /// A conversation was created, joined or refetched.
    ConversationUpserted(ConversationMeta),
    /// A view starts loading a conversation: events for it are kept from now on.
    HistoryRequested(String),
    /// A page of history arrived (`older`: a page before the loaded ones).
    HistoryLoaded {
        /// Conversation header.
        meta: ConversationMeta,
        /// The page.
        page: HistoryPage,
        /// Whether this page goes before the loaded ones.
        older: bool,
    },
    /// An event from the subscription.
    Event(ConversationEvent),
    /// We show a message before sending it.
    SendStarted(Message),
    /// `sendMessage` answered with the committed message.
    SendConfirmed(Message),
    /// A mutation (edit, delete, react, pin) answered with the message as it is now.
    MessageUpdated(Message),
    /// `sendMessage` failed.
    SendFailed {
        /// Conversation id.
        conversation_id: String,
        /// Client id of the failed send.
        client_id: String,
        /// Why.
        error: String,
    },
    /// A failed message is being resent.
    RetryStarted {
        /// Conversation id.
        conversation_id: String,
        /// Client id (unchanged, so the server deduplicates).
        client_id: String,
    },
    /// The event stream took a fresh cursor: timelines loaded before are dropped.
    Resynced,
    /// A conversation is now on screen.
    Opened(String),
    /// A conversation left the screen (ignored if another one is open by now).
    Closed(String),
    /// The viewer left (or was removed from) a conversation.
    Left(String),
    /// The server told us a conversation's unread count (after `markRead`).
    UnreadSet {
        /// Conversation id.
        conversation_id: String,
        /// Unread messages.
        count: i64,
    },
}

impl ChatState {
    /// Timeline of a conversation, if it was opened.
    pub fn timeline(&self, conversation_id: &str) -> Option<&Timeline> {
        self.timelines.get(conversation_id).map(Rc::as_ref)
    }

    /// Whether this event cursor was applied recently.
    pub fn has_seen(&self, cursor: &str) -> bool {
        self.recent_cursors.iter().any(|c| c == cursor)
    }

    fn remember_cursor(&mut self, cursor: &str) {
        let recent = Rc::make_mut(&mut self.recent_cursors);
        if recent.len() >= RECENT_CURSORS {
            recent.pop_front();
        }
        recent.push_back(cursor.to_owned());
        self.last_cursor = Some(cursor.to_owned());
    }

    fn sort_conversations(&mut self) {
        self.conversations.sort_by_key(|c| std::cmp::Reverse(sort_key(&c.meta.last_activity_at)));
    }

    /// The viewer is no longer a member: the conversation leaves the list.
    fn forget_membership(&mut self, id: &str) {
        if let Some(meta) = self.timeline_mut(id).and_then(|t| t.meta.as_mut()) {
            meta.is_member = false;
            meta.viewer_role = None;
        }
        self.conversations.retain(|c| c.meta.id != id);
    }

    /// Whether this conversation is the one on screen.
    fn is_open(&self, id: &str) -> bool {
        self.open_conversation.as_deref() == Some(id)
    }

    fn summary_mut(&mut self, id: &str) -> Option<&mut ConversationSummary> {
        self.conversations.iter_mut().find(|c| c.meta.id == id)
    }

    fn timeline_mut(&mut self, id: &str) -> Option<&mut Timeline> {
        self.timelines.get_mut(id).map(Rc::make_mut)
    }

    /// Updates the list entry for a new confirmed message; false if not in the list.
    fn note_message(&mut self, msg: &Message) -> bool {
        let Some(summary) = self.summary_mut(&msg.conversation_id) else {
            return false;
        };
        let newer = summary
            .last_message
            .as_ref()
            .is_none_or(|m| sort_key(&m.created_at) <= sort_key(&msg.created_at));
        if newer {
            summary.last_message = Some(msg.clone());
        }
        if sort_key(&msg.created_at) > sort_key(&summary.meta.last_activity_at) {
            summary.meta.last_activity_at = msg.created_at.clone();
        }
        self.sort_conversations();
        true
    }

    /// Whether the viewer reacted: from the user list when it is complete (so a
    /// payload resolved for someone else cannot mislead us), else the server's flag.
    fn normalize_reactions(&self, reactions: &mut [ReactionGroup]) {
        let Some(viewer) = self.viewer_id.as_deref() else { return };
        for group in reactions {
            if usize::try_from(group.count).is_ok_and(|n| n == group.users.len()) {
                group.reacted_by_viewer = group.users.iter().any(|u| u.id == viewer);
            }
        }
    }

    /// Applies the server's current state of an existing message everywhere it shows.
    fn update_message(&mut self, conversation_id: &str, msg: &Message) -> bool {
        let mut msg = msg.clone();
        msg.conversation_id = conversation_id.to_owned();
        self.normalize_reactions(&mut msg.reactions);
        let mut changed = self.timeline_mut(conversation_id).is_some_and(|t| t.update_message(&msg));
        if let Some(last) = self
            .summary_mut(conversation_id)
            .and_then(|s| s.last_message.as_mut())
            .filter(|m| m.id.is_some() && m.id == msg.id)
        {
            if last.body != msg.body || last.deleted_at != msg.deleted_at {
                last.body.clone_from(&msg.body);
                last.deleted_at.clone_from(&msg.deleted_at);
                last.edited_at.clone_from(&msg.edited_at);
                changed = true;
            }
        }
        changed
    }

    /// Replaces a message's reactions (from a `ReactionsChanged` event).
    fn set_reactions(
        &mut self,
        conversation_id: &str,
        message_id: &str,
        reactions: &[ReactionGroup],
    ) -> bool {
        let mut reactions = reactions.to_vec();
        self.normalize_reactions(&mut reactions);
        self.timeline_mut(conversation_id).is_some_and(|t| t.set_reactions(message_id, &reactions))
    }

    fn upsert_meta(&mut self, meta: ConversationMeta) {
        if let Some(t) = self.timeline_mut(&meta.id) {
            t.meta = Some(meta.clone());
        }
        if !meta.is_member {
            self.conversations.retain(|c| c.meta.id != meta.id);
            return;
        }
        match self.summary_mut(&meta.id) {
            Some(summary) => {
                let activity = if sort_key(&summary.meta.last_activity_at) > sort_key(&meta.last_activity_at)
                {
                    summary.meta.last_activity_at.clone()
                } else {
                    meta.last_activity_at.clone()
                };
                summary.meta = ConversationMeta { last_activity_at: activity, ..meta };
            }
            None => {
                let unread = if self.is_open(&meta.id) { 0 } else { meta.unread_count };
                self.conversations.push(ConversationSummary { meta, last_message: None, unread });
            }
        }
        self.sort_conversations();
    }

    fn load_conversations(&mut self, list: Vec<ConversationSummary>) {
        let previous = std::mem::take(&mut self.conversations);
        let open = self.open_conversation.clone();
        self.conversations = list
            .into_iter()
            .map(|mut fresh| {
                if open.as_deref() == Some(fresh.meta.id.as_str()) {
                    fresh.unread = 0;
                }
                // Keep a newer preview that an event brought while the list was in flight.
                if let Some(old) = previous.iter().find(|c| c.meta.id == fresh.meta.id) {
                    let old_key = old.last_message.as_ref().map(|m| sort_key(&m.created_at));
                    let new_key = fresh.last_message.as_ref().map(|m| sort_key(&m.created_at));
                    if old_key > new_key {
                        fresh.last_message.clone_from(&old.last_message);
                        // The fresh count predates that message too (answers can cross).
                        fresh.unread = fresh.unread.max(old.unread);
                    }
                    if sort_key(&old.meta.last_activity_at) > sort_key(&fresh.meta.last_activity_at) {
                        fresh.meta.last_activity_at.clone_from(&old.meta.last_activity_at);
                    }
                }
                fresh
            })
            .collect();
        self.sort_conversations();
        self.conversations_loaded = true;
    }

    /// Applies one action; returns whether anything changed.
    pub fn apply(&mut self, action: ChatAction) -> bool {
        match action {
            ChatAction::SetViewer(viewer_id) => {
                if self.viewer_id == viewer_id {
                    return false;
                }
                *self = ChatState { viewer_id, ..ChatState::default() };
            }
            ChatAction::Connection(state) => {
                if self.connection == state {
                    return false;
                }
                self.connection = state;
            }
            ChatAction::ConversationsLoaded(list) => self.load_conversations(list),
            ChatAction::ConversationUpserted(meta) => self.upsert_meta(meta),
            ChatAction::HistoryRequested(id) => {
                if self.timelines.contains_key(&id) {
                    return false;
                }
                self.timelines.insert(id, Rc::new(Timeline::default()));
            }
            ChatAction::HistoryLoaded { meta, page, older } => {
                let id = meta.id.clone();
                let timeline = Rc::make_mut(self.timelines.entry(id).or_default());
                timeline.merge_history(page, older);
                self.upsert_meta(meta);
            }
            ChatAction::Event(event) => return apply_event(self, &event),
            ChatAction::SendStarted(msg) => {
                let Some(t) = self.timeline_mut(&msg.conversation_id) else {
                    return false;
                };
                return t.add_pending(msg);
            }
            ChatAction::SendConfirmed(msg) => {
                let changed = self
                    .timeline_mut(&msg.conversation_id)
                    .is_some_and(|t| t.confirm_from_mutation(msg.clone()));
                let listed = self.note_message(&msg);
                return changed || listed;
            }
            ChatAction::MessageUpdated(msg) => {
                let conversation_id = msg.conversation_id.clone();
                return self.update_message(&conversation_id, &msg);
            }
            ChatAction::SendFailed { conversation_id, client_id, error } => {
                return self
                    .timeline_mut(&conversation_id)
                    .is_some_and(|t| t.set_local_delivery(&client_id, Delivery::Failed(error)));
            }
            ChatAction::RetryStarted { conversation_id, client_id } => {
                return self
                    .timeline_mut(&conversation_id)
                    .is_some_and(|t| t.set_local_delivery(&client_id, Delivery::Pending));
            }
            ChatAction::Resynced => {
                self.synced = true;
                self.timelines.clear();
                self.generation = self.generation.wrapping_add(1);
            }
            ChatAction::Opened(id) => {
                if let Some(summary) = self.summary_mut(&id) {
                    summary.unread = 0;
                }
                self.open_conversation = Some(id);
            }
            ChatAction::Closed(id) => {
                if !self.is_open(&id) {
                    return false;
                }
                self.open_conversation = None;
            }
            ChatAction::Left(id) => self.forget_membership(&id),
            ChatAction::UnreadSet { conversation_id, count } => {
                let count = if self.is_open(&conversation_id) { 0 } else { count };
                match self.summary_mut(&conversation_id) {
                    Some(summary) if summary.unread != count => summary.unread = count,
                    _ => return false,
                }
            }
        }
        true
    }
}

impl Reducible for ChatState {
    type Action = ChatAction;

    fn reduce(self: Rc<Self>, action: ChatAction) -> Rc<Self> {
        if let ChatAction::Event(event) = &action {
            if self.has_seen(&event.cursor) {
                return self;
            }
        }
        let mut next = (*self).clone();
        if next.apply(action) {
            Rc::new(next)
        } else {
            self
        }
    }
}

#[path = "events.rs"]
mod events;
pub use events::apply_event;

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "read_tests.rs"]
mod read_tests;

#[cfg(test)]
#[path = "message_events_tests.rs"]
mod message_events_tests;

#[cfg(test)]
#[path = "media_events_tests.rs"]
mod media_events_tests;
