//! Per-conversation live feeds. A subscription to one conversation listens to
//! that conversation's feed only, so an event wakes the subscribers of its own
//! conversation, not every subscriber of the instance (at 16,000 connections
//! per instance over 100 rooms, one shared feed meant 16,000 wake-ups per
//! event to deliver it to 160). Viewer-wide subscriptions follow many
//! conversations and their own memberships, so they stay on the instance feed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::events::LoggedEvent;
use jeco_schema::ids::ConversationId;

/// Events a conversation feed buffers per subscriber; one further behind
/// replays from the log, as on the instance feed. Small: each feed
/// preallocates its ring, and there is one per watched conversation.
pub const FEED_BUFFER: usize = 256;

/// The feeds of the conversations this instance's subscribers watch.
#[derive(Default)]
pub struct Feeds {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    feeds: HashMap<ConversationId, broadcast::Sender<Arc<LoggedEvent>>>,
    /// Size after the last sweep of feeds nobody listens to any more.
    swept_at: usize,
}

impl Feeds {
    /// A receiver of `conversation_id`'s events from now on.
    pub fn subscribe(
        &self,
        conversation_id: ConversationId,
    ) -> Option<broadcast::Receiver<Arc<LoggedEvent>>> {
        let mut inner = self.inner.lock().ok()?;
        // Amortised: sweep once the map has doubled since the last sweep.
        if inner.feeds.len() >= 64 && inner.feeds.len() > inner.swept_at * 2 {
            inner.feeds.retain(|_, tx| tx.receiver_count() > 0);
            inner.swept_at = inner.feeds.len();
        }
        let tx = inner.feeds.entry(conversation_id).or_insert_with(|| broadcast::channel(FEED_BUFFER).0);
        Some(tx.subscribe())
    }

    /// Hands an event to its conversation's subscribers, if any.
    pub fn publish(&self, ev: &Arc<LoggedEvent>) {
        let Ok(mut inner) = self.inner.lock() else { return };
        if let Some(tx) = inner.feeds.get(&ev.conversation_id) {
            if tx.send(ev.clone()).is_err() {
                // Nobody listens any more.
                inner.feeds.remove(&ev.conversation_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EventPayload, PublicUser};
    use chrono::Utc;
    use jeco_schema::ids::UserId;
    use jeco_schema::log::LogPos;

    fn ev(c: i64, id: i64) -> Arc<LoggedEvent> {
        let user = PublicUser {
            id: UserId(1),
            username: "u".into(),
            display_name: "U".into(),
            created_at: Utc::now(),
            bio: None,
            avatar_id: None,
        };
        Arc::new(LoggedEvent {
            pos: LogPos { tx: 1, id },
            conversation_id: ConversationId(c),
            at: Utc::now(),
            payload: EventPayload::MemberLeft { user },
        })
    }

    #[test]
    fn a_feed_carries_only_its_conversation_and_goes_when_unwatched() {
        let feeds = Feeds::default();
        let mut one = feeds.subscribe(ConversationId(1)).expect("feed");
        feeds.publish(&ev(2, 1));
        feeds.publish(&ev(1, 2));
        assert_eq!(one.try_recv().map(|e| e.pos.id).ok(), Some(2));
        assert!(one.try_recv().is_err(), "conversation 2's event is not on conversation 1's feed");
        drop(one);
        feeds.publish(&ev(1, 3));
        assert!(feeds.inner.lock().map(|i| i.feeds.is_empty()).unwrap_or(false));
    }
}
