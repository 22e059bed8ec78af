//! One conversation's loaded messages, oldest first, and the merge rules that keep
//! every message exactly once: history pages, stream events and our own sends.

use std::collections::HashSet;

use super::model::{ConversationMeta, Delivery, HistoryPage, Message, ReactionGroup, UserRef};

/// Messages of one conversation as far as loaded, plus paging state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// Header data, once fetched.
    pub meta: Option<ConversationMeta>,
    /// Messages, oldest first (local pending ones at the end).
    pub messages: Vec<Message>,
    /// Whether the newest history page has arrived.
    pub loaded: bool,
    /// Whether older history exists on the server.
    pub has_older: bool,
    /// `before` cursor for the next older page.
    pub older_cursor: Option<String>,
    /// Bumped on member joins/leaves so the view refetches the member count.
    pub member_revision: u32,
    /// Pinned messages, newest pin first.
    pub pinned: Vec<Message>,
}

/// Copies what an edit, deletion, reaction or pin changes from `from` into `to`,
/// keeping what only this client knows (receipts, delivery state).
fn copy_server_state(to: &mut Message, from: &Message) -> bool {
    let before = to.clone();
    to.body.clone_from(&from.body);
    to.edited_at.clone_from(&from.edited_at);
    to.deleted_at.clone_from(&from.deleted_at);
    to.reactions.clone_from(&from.reactions);
    to.pinned = from.pinned;
    to.mentions.clone_from(&from.mentions);
    // Fresh signed URLs (they expire), unless the answer carried none.
    if !from.attachments.is_empty() {
        to.attachments.clone_from(&from.attachments);
    }
    if to.reply_to.is_none() {
        to.reply_to.clone_from(&from.reply_to);
    }
    if to.is_deleted() {
        // A tombstone keeps no text, reactions or pin, whatever the answer carried.
        to.body = None;
        to.reactions.clear();
        to.pinned = false;
        to.attachments.clear();
    }
    *to != before
}

impl Timeline {
    /// Index of the confirmed message with this server id.
    fn index_of_id(&self, id: &str) -> Option<usize> {
        self.messages.iter().position(|m| m.id.as_deref() == Some(id))
    }

    /// Index of the local (unconfirmed) copy of the same send.
    fn index_of_local(&self, msg: &Message) -> Option<usize> {
        self.messages.iter().position(|m| m.id.is_none() && m.same_send(msg))
    }

    /// Index of a local (unconfirmed) message by client id.
    fn index_of_client_id(&self, client_id: &str) -> Option<usize> {
        self.messages.iter().position(|m| m.id.is_none() && m.client_id == client_id)
    }

    /// Whether a confirmed message with this id is shown.
    pub fn contains_id(&self, id: &str) -> bool {
        self.index_of_id(id).is_some()
    }

    /// Applies a message from the event stream (server order). Returns whether the
    /// timeline changed.
    pub(crate) fn add_from_stream(&mut self, mut msg: Message) -> bool {
        msg.delivery = Delivery::Confirmed;
        msg.settled = true;
        let Some(id) = msg.id.clone() else {
            return false;
        };
        if let Some(i) = self.index_of_id(&id) {
            if self.messages[i].settled {
                return false;
            }
            // Known only from our mutation so far: move it to its place in server order,
            // keeping any read receipts that arrived meanwhile.
            let earlier = self.messages.remove(i);
            for user in earlier.seen_by {
                if !msg.seen_by.iter().any(|u| u.id == user.id) {
                    msg.seen_by.push(user);
                }
            }
            for user in earlier.delivered_to {
                if !msg.delivered_to.iter().any(|u| u.id == user.id) {
                    msg.delivered_to.push(user);
                }
            }
        } else if let Some(i) = self.index_of_local(&msg) {
            self.messages.remove(i);
        }
        self.messages.push(msg);
        true
    }

    /// A member read up to `message_id`: they have seen it and every message before
    /// it (except their own). Returns whether anything changed.
    pub(crate) fn mark_seen(&mut self, reader: &UserRef, message_id: &str) -> bool {
        let Some(upto) = self.index_of_id(message_id) else {
            return false;
        };
        let mut changed = false;
        for m in &mut self.messages[..=upto] {
            if m.id.is_some() && m.sender.id != reader.id && !m.seen_by.iter().any(|u| u.id == reader.id) {
                m.seen_by.push(reader.clone());
                changed = true;
            }
        }
        changed
    }

    /// A member received every message up to `message_id` (except their own).
    /// Returns whether anything changed.
    pub(crate) fn mark_delivered(&mut self, recipient: &UserRef, message_id: &str) -> bool {
        let Some(upto) = self.index_of_id(message_id) else {
            return false;
        };
        let mut changed = false;
        for m in &mut self.messages[..=upto] {
            if m.id.is_some()
                && m.sender.id != recipient.id
                && !m.delivered_to.iter().any(|u| u.id == recipient.id)
            {
                m.delivered_to.push(recipient.clone());
                changed = true;
            }
        }
        changed
    }

    /// Applies the server's current state of a message (edited, deleted, reacted,
    /// pinned or unpinned): the message itself, the pinned list, and the quotes of
    /// replies to it. Idempotent. Returns whether anything changed.
    pub(crate) fn update_message(&mut self, msg: &Message) -> bool {
        let Some(id) = msg.id.as_deref() else {
            return false;
        };
        let mut changed = false;
        let mut current = msg.clone();
        if let Some(i) = self.index_of_id(id) {
            changed |= copy_server_state(&mut self.messages[i], msg);
            current = self.messages[i].clone();
        } else if msg.is_deleted() {
            current.body = None;
            current.pinned = false;
        }
        for m in &mut self.messages {
            if let Some(quote) = m.reply_to.as_mut().filter(|q| q.id == id) {
                if quote.body != current.body {
                    quote.body.clone_from(&current.body);
                    changed = true;
                }
            }
        }
        let pinned_at = self.pinned.iter().position(|p| p.id.as_deref() == Some(id));
        match (current.pinned, pinned_at) {
            (true, Some(i)) => changed |= copy_server_state(&mut self.pinned[i], &current),
            (true, None) => {
                self.pinned.insert(0, current);
                changed = true;
            }
            (false, Some(i)) => {
                self.pinned.remove(i);
                changed = true;
            }
            (false, None) => {}
        }
        changed
    }

    /// Replaces a message's reaction groups. Returns whether anything changed.
    pub(crate) fn set_reactions(&mut self, message_id: &str, reactions: &[ReactionGroup]) -> bool {
        let mut changed = false;
        let targets = self.messages.iter_mut().chain(self.pinned.iter_mut());
        for m in targets.filter(|m| m.id.as_deref() == Some(message_id) && !m.is_deleted()) {
            if m.reactions != reactions {
                m.reactions = reactions.to_vec();
                changed = true;
            }
        }
        changed
    }

    /// Id of the newest confirmed message (what `markRead` should point at).
    pub fn newest_confirmed_id(&self) -> Option<&str> {
        self.messages.iter().rev().find_map(|m| m.id.as_deref())
    }

    /// Applies our own `sendMessage` answer: the pending copy becomes confirmed in place.
    pub(crate) fn confirm_from_mutation(&mut self, mut msg: Message) -> bool {
        let Some(id) = msg.id.clone() else {
            return false;
        };
        if self.index_of_id(&id).is_some() {
            // The stream was first; drop a leftover local copy if any.
            return match self.index_of_local(&msg) {
                Some(i) => {
                    self.messages.remove(i);
                    true
                }
                None => false,
            };
        }
        match self.index_of_local(&msg) {
            Some(i) => {
                msg.delivery = Delivery::Confirmed;
                msg.settled = false;
                self.messages[i] = msg;
                true
            }
            None => false,
        }
    }

    /// Shows a message we are about to send.
    pub(crate) fn add_pending(&mut self, msg: Message) -> bool {
        if self.index_of_local(&msg).is_some() {
            return false;
        }
        self.messages.push(msg);
        true
    }

    /// Sets the delivery state of a local message.
    pub(crate) fn set_local_delivery(&mut self, client_id: &str, delivery: Delivery) -> bool {
        match self.index_of_client_id(client_id) {
            Some(i) if self.messages[i].delivery != delivery => {
                self.messages[i].delivery = delivery;
                true
            }
            _ => false,
        }
    }

    /// Merges a history page: the newest page on first load, or an older page.
    pub(crate) fn merge_history(&mut self, page: HistoryPage, older: bool) -> bool {
        let mut page_messages: Vec<Message> = page
            .messages
            .into_iter()
            .map(|mut m| {
                m.delivery = Delivery::Confirmed;
                m.settled = true;
                m
            })
            .collect();
        if older {
            page_messages.retain(|m| m.id.as_deref().is_some_and(|id| !self.contains_id(id)));
            page_messages.append(&mut self.messages);
            self.messages = page_messages;
        } else if !self.loaded {
            self.pinned = page.pinned;
            // Events that arrived while the page was in flight stay after it.
            let page_ids: HashSet<String> = page_messages.iter().filter_map(|m| m.id.clone()).collect();
            let live: Vec<Message> = std::mem::take(&mut self.messages)
                .into_iter()
                .filter(|m| match &m.id {
                    Some(id) => !page_ids.contains(id),
                    None => !page_messages.iter().any(|p| p.same_send(m)),
                })
                .collect();
            page_messages.extend(live);
            self.messages = page_messages;
            self.loaded = true;
        } else {
            return false;
        }
        self.has_older = page.has_older;
        self.older_cursor = page.start_cursor;
        true
    }
}
