//! Per-conversation live feeds. A subscription to one conversation listens to
//! that conversation's feed only, so an event wakes the subscribers of its own
//! conversation, not every subscriber of the instance (at 16,000 connections
//! per instance over 100 rooms, one shared feed meant 16,000 wake-ups per
//! event to deliver it to 160). Viewer-wide subscriptions follow many
//! conversations and their own memberships, so they stay on the instance feed.
//!
//! Each feed also keeps a window of its conversation's recent events. When a
//! burst outruns a subscriber's live buffer, or a client reconnects with a
//! recent cursor, it replays from the window instead of the log: under
//! overload every subscriber of a busy room lags at once, and a thousand log
//! reads at the same moment took PostgreSQL's CPU from `sendMessage`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::events::LoggedEvent;
use jeco_schema::ids::ConversationId;
use jeco_schema::log::LogPos;

/// Events a conversation feed buffers per subscriber at most (less when
/// `JECO_LIVE_BUFFER` is smaller); one further behind replays from the window
/// or the log. Small: each feed preallocates its ring, and there is one per
/// watched conversation.
pub const FEED_BUFFER: usize = 256;

/// An instance's windows hold at most this many windows' worth of events in
/// all, shared among its watched conversations, so memory stays bounded
/// however many rooms are busy (each window keeps at least [`MIN_WINDOW`]).
pub const WINDOW_BUDGET: usize = 64;

/// The least a watched conversation's window keeps, however many there are.
pub const MIN_WINDOW: usize = 16;

/// The feeds of the conversations this instance's subscribers watch.
pub struct Feeds {
    inner: Mutex<Inner>,
    /// Each feed's live buffer per subscriber.
    buffer: usize,
    /// Recent events each feed keeps for replays (`JECO_REPLAY_WINDOW`; grown
    /// as events come, never preallocated, shared with the live buffers, and
    /// less when many conversations share [`WINDOW_BUDGET`]).
    window: usize,
}

#[derive(Default)]
struct Inner {
    feeds: HashMap<ConversationId, Feed>,
    /// The position of the last event published to any feed (or where the
    /// tailer started); `None` until the tailer starts.
    published: Option<LogPos>,
    /// Size after the last sweep of feeds nobody listens to any more.
    swept_at: usize,
}

struct Feed {
    tx: broadcast::Sender<Arc<LoggedEvent>>,
    /// The conversation's events after `complete_after`, every one, in log order.
    recent: VecDeque<Arc<LoggedEvent>>,
    /// The window holds every event of the conversation after this position
    /// (`None`: it cannot vouch for any, as the tailer had not started).
    complete_after: Option<LogPos>,
}

impl Feeds {
    /// Feeds buffering `buffer` events per subscriber (at most [`FEED_BUFFER`])
    /// and keeping `window` recent events each (0: replays read the log).
    pub fn new(buffer: usize, window: usize) -> Self {
        Feeds { inner: Mutex::default(), buffer: buffer.clamp(1, FEED_BUFFER), window }
    }

    /// A receiver of `conversation_id`'s events from now on.
    pub fn subscribe(
        &self,
        conversation_id: ConversationId,
    ) -> Option<broadcast::Receiver<Arc<LoggedEvent>>> {
        let mut inner = self.inner.lock().ok()?;
        // Amortised: sweep once the map has doubled since the last sweep.
        if inner.feeds.len() >= 64 && inner.feeds.len() > inner.swept_at * 2 {
            inner.feeds.retain(|_, f| f.tx.receiver_count() > 0);
            inner.swept_at = inner.feeds.len();
        }
        // A new feed's window is complete after the last published event: the
        // tailer publishes in log order under this lock, so every later event
        // of the conversation lands in it.
        let published = inner.published;
        let feed = inner.feeds.entry(conversation_id).or_insert_with(|| Feed {
            tx: broadcast::channel(self.buffer).0,
            recent: VecDeque::new(),
            complete_after: published,
        });
        Some(feed.tx.subscribe())
    }

    /// Marks where the tailer starts reading: it publishes every event after
    /// `pos`, and none before.
    pub fn start(&self, pos: LogPos) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.published = Some(pos);
        }
    }

    /// Hands an event to its conversation's subscribers, if any, and keeps it
    /// in the conversation's window.
    pub fn publish(&self, ev: &Arc<LoggedEvent>) {
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.published = Some(ev.pos);
        let feeds = inner.feeds.len().max(1);
        if let Some(feed) = inner.feeds.get_mut(&ev.conversation_id) {
            if feed.tx.send(ev.clone()).is_err() {
                // Nobody listens any more.
                inner.feeds.remove(&ev.conversation_id);
                return;
            }
            if self.window == 0 {
                feed.complete_after = None;
                return;
            }
            feed.recent.push_back(ev.clone());
            let cap = (self.window * WINDOW_BUDGET / feeds).clamp(MIN_WINDOW.min(self.window), self.window);
            while feed.recent.len() > cap {
                if let Some(old) = feed.recent.pop_front() {
                    feed.complete_after = Some(old.pos);
                }
            }
        }
    }

    /// Every event of `conversation_id` after `after`, in log order, when the
    /// window reaches back that far; `None` sends the caller to the log.
    pub fn since(&self, conversation_id: ConversationId, after: LogPos) -> Option<Vec<Arc<LoggedEvent>>> {
        let inner = self.inner.lock().ok()?;
        let feed = inner.feeds.get(&conversation_id)?;
        if feed.complete_after.is_none_or(|start| after < start) {
            return None;
        }
        let first = feed.recent.partition_point(|ev| ev.pos <= after);
        Some(feed.recent.range(first..).cloned().collect())
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
        let feeds = Feeds::new(FEED_BUFFER, WINDOW);
        let mut one = feeds.subscribe(ConversationId(1)).expect("feed");
        feeds.publish(&ev(2, 1));
        feeds.publish(&ev(1, 2));
        assert_eq!(one.try_recv().map(|e| e.pos.id).ok(), Some(2));
        assert!(one.try_recv().is_err(), "conversation 2's event is not on conversation 1's feed");
        drop(one);
        feeds.publish(&ev(1, 3));
        assert!(feeds.inner.lock().map(|i| i.feeds.is_empty()).unwrap_or(false));
    }

    const WINDOW: usize = 64;

    fn positions(events: Option<Vec<Arc<LoggedEvent>>>) -> Option<Vec<i64>> {
        events.map(|v| v.iter().map(|e| e.pos.id).collect())
    }

    #[test]
    fn the_window_answers_only_for_positions_it_holds_every_event_after() {
        let feeds = Feeds::new(FEED_BUFFER, WINDOW);
        // Before the tailer starts, no window can vouch for anything.
        let _early = feeds.subscribe(ConversationId(1)).expect("feed");
        feeds.publish(&ev(1, 1));
        assert_eq!(positions(feeds.since(ConversationId(1), LogPos { tx: 1, id: 1 })), None);

        let feeds = Feeds::new(FEED_BUFFER, WINDOW);
        feeds.start(LogPos { tx: 1, id: 10 });
        let _rx = feeds.subscribe(ConversationId(1)).expect("feed");
        for id in 11..=15 {
            feeds.publish(&ev(1 + id % 2, id));
        }
        let after = |id| feeds.since(ConversationId(1), LogPos { tx: 1, id });
        // Conversation 1 got 12 and 14; the window is complete after 10.
        assert_eq!(positions(after(10)), Some(vec![12, 14]));
        assert_eq!(positions(after(12)), Some(vec![14]));
        assert_eq!(positions(after(14)), Some(vec![]));
        assert_eq!(positions(after(9)), None, "before the window: the log");
        assert_eq!(positions(feeds.since(ConversationId(2), LogPos { tx: 1, id: 10 })), None, "unwatched");

        // A feed created later is complete only after what was published by then.
        let _rx2 = feeds.subscribe(ConversationId(2)).expect("feed");
        feeds.publish(&ev(2, 16));
        assert_eq!(positions(feeds.since(ConversationId(2), LogPos { tx: 1, id: 15 })), Some(vec![16]));
        assert_eq!(positions(feeds.since(ConversationId(2), LogPos { tx: 1, id: 14 })), None);
    }

    #[test]
    fn a_full_window_forgets_its_oldest_and_says_so() {
        let feeds = Feeds::new(FEED_BUFFER, WINDOW);
        feeds.start(LogPos { tx: 1, id: 0 });
        let _rx = feeds.subscribe(ConversationId(1)).expect("feed");
        let n = WINDOW as i64 + 5;
        for id in 1..=n {
            feeds.publish(&ev(1, id));
        }
        assert_eq!(positions(feeds.since(ConversationId(1), LogPos { tx: 1, id: 4 })), None);
        let tail = positions(feeds.since(ConversationId(1), LogPos { tx: 1, id: 5 })).expect("window");
        assert_eq!(tail.len(), WINDOW);
        assert_eq!((tail[0], tail[WINDOW - 1]), (6, n));
    }

    #[test]
    fn many_busy_conversations_share_one_budget() {
        let feeds = Feeds::new(FEED_BUFFER, WINDOW);
        feeds.start(LogPos { tx: 1, id: 0 });
        // 512 watched conversations: 64 windows' worth shared is 8 each, so
        // each keeps the floor of 16.
        let _rxs: Vec<_> = (1..=512).map(|c| feeds.subscribe(ConversationId(c)).expect("feed")).collect();
        for id in 1..=40 {
            feeds.publish(&ev(1, id));
        }
        assert_eq!(positions(feeds.since(ConversationId(1), LogPos { tx: 1, id: 23 })), None);
        let kept = positions(feeds.since(ConversationId(1), LogPos { tx: 1, id: 24 })).expect("window");
        assert_eq!(kept, (25..=40).collect::<Vec<_>>());
    }
}
