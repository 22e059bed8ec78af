//! A subscription's interest in conversations, registered with the broker.

use std::collections::HashSet;
use std::sync::Arc;

use super::Broker;
use jeco_schema::ids::ConversationId;

/// A subscription's interest in conversations: the broker is told which
/// conversations this instance watches, and forgets them when the guard drops.
pub struct Interest {
    broker: Arc<dyn Broker>,
    ids: HashSet<ConversationId>,
}

impl Interest {
    /// An empty interest registered with `broker`.
    pub(super) fn new(broker: Arc<dyn Broker>) -> Self {
        Interest { broker, ids: HashSet::new() }
    }

    /// Adds a conversation (no-op if present).
    pub fn add(&mut self, conversation_id: ConversationId) {
        if self.ids.insert(conversation_id) {
            self.broker.want(conversation_id);
        }
    }

    /// Removes a conversation (no-op if absent).
    pub fn remove(&mut self, conversation_id: ConversationId) {
        if self.ids.remove(&conversation_id) {
            self.broker.unwant(conversation_id);
        }
    }
}

impl Drop for Interest {
    fn drop(&mut self) {
        for id in self.ids.drain() {
            self.broker.unwant(id);
        }
    }
}
