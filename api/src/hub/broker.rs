//! The doorbell between server instances: the [`Broker`] trait and the
//! single-instance [`InProcessBroker`] (Redis is `crate::redis_broker`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{broadcast, Notify};

use crate::events::Ephemeral;
use jeco_schema::ids::ConversationId;

/// Carries "events were committed" between server instances.
pub trait Broker: Send + Sync + 'static {
    /// Announces commits in a conversation to the instances watching it
    /// (and to this one).
    fn ring(&self, conversation_id: ConversationId);
    /// This instance now has (one more) subscriber watching a conversation.
    fn want(&self, conversation_id: ConversationId);
    /// One subscriber of this instance stopped watching a conversation.
    fn unwant(&self, conversation_id: ConversationId);
    /// Resolves once a ring happened since the previous call returned.
    fn rung(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// Whether the broker can currently reach its peers.
    fn healthy(&self) -> bool;
    /// Sends an ephemeral signal to every instance (including this one).
    fn publish_ephemeral(&self, signal: Ephemeral);
    /// This instance's feed of ephemeral signals.
    fn ephemeral(&self) -> broadcast::Receiver<Arc<Ephemeral>>;
}

/// Single-instance broker: a `Notify` (a ring while the tailer is busy is
/// kept) and a broadcast channel for ephemeral signals.
pub struct InProcessBroker {
    notify: Notify,
    ephemeral: broadcast::Sender<Arc<Ephemeral>>,
}

impl Default for InProcessBroker {
    fn default() -> Self {
        InProcessBroker { notify: Notify::new(), ephemeral: broadcast::channel(1024).0 }
    }
}

impl Broker for InProcessBroker {
    fn ring(&self, _conversation_id: ConversationId) {
        self.notify.notify_one();
    }

    fn want(&self, _conversation_id: ConversationId) {}

    fn unwant(&self, _conversation_id: ConversationId) {}

    fn rung(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.notify.notified())
    }

    fn healthy(&self) -> bool {
        true
    }

    fn publish_ephemeral(&self, signal: Ephemeral) {
        // No receivers is fine: nobody is listening right now.
        let _ = self.ephemeral.send(Arc::new(signal));
    }

    fn ephemeral(&self) -> broadcast::Receiver<Arc<Ephemeral>> {
        self.ephemeral.subscribe()
    }
}
