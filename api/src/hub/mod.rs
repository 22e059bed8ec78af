//! Live delivery. Services append events to the log in their transaction and,
//! after commit, ring the broker's doorbell. Each server instance runs one
//! tailer that reads the log in order (once per instance, whatever the number
//! of subscribers) and shares each decoded event with its local subscribers.
//! A subscriber replays from the log after its cursor, then follows the tailer,
//! and falls back to the log whenever it lags (a one-conversation subscriber
//! first to its feed's window of recent events, which holds exactly what the
//! tailer published): the log is the truth, the broker only makes it fast. A lost doorbell costs latency (the tailer also polls),
//! never an event.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use jeco_schema::log::{self, LogFilter, LogPos};
use jeco_schema::PgPool;
use tokio::sync::broadcast;

use crate::events::{Ephemeral, EventPayload, LoggedEvent};
use crate::metrics::{self, Metrics};
use jeco_schema::ids::{ConversationId, UserId};

mod broker;
mod feeds;
mod interest;

pub use broker::{Broker, InProcessBroker};
pub use interest::Interest;

/// How many events one log read returns at most.
const PAGE: i64 = 500;

/// One instance's view of the live log.
#[derive(Clone)]
pub struct EventHub {
    /// The tailer's (request-side) pool.
    pool: PgPool,
    /// The fan-out's pool, for subscribers' log reads. When a burst outruns
    /// the live buffers, every subscriber of a room replays at the same
    /// moment; on a pool of their own they wait for each other, never a
    /// `sendMessage` for them.
    readers: PgPool,
    broker: Arc<dyn Broker>,
    live: broadcast::Sender<Arc<LoggedEvent>>,
    feeds: Arc<feeds::Feeds>,
    idle_poll: Duration,
    metrics: Arc<Metrics>,
}

impl EventHub {
    /// A hub buffering `live_buffer` events per subscriber (a slower one
    /// replays from its conversation's window of `replay_window` recent events,
    /// or the log); call [`EventHub::run_tailer`] once to start it.
    /// Lags and fallbacks are recorded in `metrics`. The tailer reads on
    /// `pool`, subscribers on `readers` (the fan-out's pool).
    pub fn new(
        pool: PgPool,
        readers: PgPool,
        broker: Arc<dyn Broker>,
        idle_poll: Duration,
        live_buffer: usize,
        replay_window: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (live, _) = broadcast::channel(live_buffer.max(1));
        let feeds = Arc::new(feeds::Feeds::new(live_buffer, replay_window));
        EventHub { pool, readers, broker, live, feeds, idle_poll, metrics }
    }

    /// Tells the instances watching a conversation that events were committed in it.
    pub fn committed(&self, conversation_id: ConversationId) {
        self.broker.ring(conversation_id);
    }

    /// Registers interest in conversations for as long as the guard lives.
    pub fn interest(&self) -> Interest {
        Interest::new(self.broker.clone())
    }

    /// Whether the broker is healthy.
    pub fn broker_healthy(&self) -> bool {
        self.broker.healthy()
    }

    /// Sends an ephemeral signal to every instance.
    pub fn publish_ephemeral(&self, signal: Ephemeral) {
        self.broker.publish_ephemeral(signal);
    }

    /// This instance's live feed of committed events (in log order).
    pub fn live_events(&self) -> broadcast::Receiver<Arc<LoggedEvent>> {
        self.live.subscribe()
    }

    /// This instance's feed of ephemeral signals.
    pub fn ephemeral(&self) -> broadcast::Receiver<Arc<Ephemeral>> {
        self.broker.ephemeral()
    }

    /// The current head of the log, on the request pool (subscriptions started
    /// without a cursor read it too: the one fan-out read not on `readers`).
    pub async fn head(&self) -> Result<LogPos, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        log::head(&mut conn).await.map_err(|e| e.to_string())
    }

    /// Follows the log forever, publishing each event to local subscribers.
    pub async fn run_tailer(self) {
        let mut pos = loop {
            match self.head().await {
                Ok(p) => break p,
                Err(e) => {
                    tracing::warn!("event tailer cannot read the log head yet: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        self.feeds.start(pos);
        let mut retry_soon = 0u32;
        loop {
            let wait = if retry_soon > 0 {
                // A ring we have not seen the effect of: an older transaction is
                // still open and holds the horizon back. Look again shortly.
                Duration::from_millis(2u64 << retry_soon.min(7))
            } else {
                self.idle_poll
            };
            let rang = tokio::select! {
                _ = self.broker.rung() => true,
                _ = tokio::time::sleep(wait) => false,
            };
            match self.drain(&mut pos).await {
                Ok(0) if rang => retry_soon = 1,
                Ok(0) if retry_soon > 0 => {
                    retry_soon += 1;
                    if retry_soon > 8 {
                        retry_soon = 0;
                    }
                }
                Ok(_) => retry_soon = 0,
                Err(e) => {
                    tracing::warn!("event tailer read failed: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    async fn drain(&self, pos: &mut LogPos) -> Result<usize, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let mut total = 0;
        loop {
            let rows =
                log::read_after(&mut conn, *pos, LogFilter::All, PAGE).await.map_err(|e| e.to_string())?;
            let n = rows.len();
            for row in rows {
                *pos = row.pos();
                if let Some(ev) = LoggedEvent::from_row(row) {
                    self.metrics.tailer_lag.observe(metrics::since(ev.at));
                    let ev = Arc::new(ev);
                    self.feeds.publish(&ev);
                    // No receivers is fine: nobody is subscribed right now.
                    let _ = self.live.send(ev);
                }
            }
            total += n;
            if (n as i64) < PAGE {
                return Ok(total);
            }
        }
    }

    /// Every event after `after` that `scope` lets `viewer` see: first replayed
    /// from the log, then live, each exactly once and in log order.
    pub fn subscribe(
        &self,
        viewer: UserId,
        scope: Scope,
        after: LogPos,
    ) -> impl Stream<Item = Result<Arc<LoggedEvent>, String>> + Send + 'static {
        let hub = self.clone();
        async_stream::stream! {
            // Subscribe before replaying: everything the tailer publishes from now
            // on is buffered, and everything before is in the replay. One
            // conversation: its own feed; viewer-wide: the instance's.
            let feed = match scope {
                Scope::Conversation(id) => hub.feeds.subscribe(id),
                Scope::AllOf => None,
            };
            let mut rx = feed.unwrap_or_else(|| hub.live.subscribe());
            let mut pos = after;
            let mut rooms: HashSet<ConversationId> = match scope {
                Scope::Conversation(id) => HashSet::from([id]),
                // Boxed: the stream lives as long as the subscription, and a
                // database call's future would otherwise be part of its size.
                Scope::AllOf => match Box::pin(hub.rooms_of(viewer)).await {
                    Ok(r) => r,
                    Err(e) => { yield Err(e); return; }
                },
            };
            let mut interest = hub.interest();
            for id in &rooms {
                interest.add(*id);
            }
            'replay: loop {
                // One conversation: its feed's window, when it reaches back to
                // `pos`, spares the log read (see `feeds`).
                let recent = match scope {
                    Scope::Conversation(id) => hub.feeds.since(id, pos),
                    Scope::AllOf => None,
                };
                if let Some(recent) = recent {
                    hub.metrics.window_replays.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    for ev in recent {
                        pos = ev.pos;
                        let step = follow(&mut rooms, scope, viewer, &ev);
                        sync_interest(&mut interest, &rooms, &ev);
                        if step.deliver { yield Ok(ev); }
                        if step.stop { return; }
                    }
                }
                else { loop {
                    // The rooms followed so far, not only the current
                    // memberships: after a lag, a room the viewer was removed
                    // from in the meantime is replayed up to their own
                    // `MemberLeft`, which takes it out of `rooms` (else the
                    // stream would keep following it live).
                    let followed: Vec<ConversationId> = rooms.iter().copied().collect();
                    let filter = match scope {
                        Scope::Conversation(id) => LogFilter::Conversation(id),
                        Scope::AllOf => LogFilter::MemberOf(viewer, &followed),
                    };
                    let rows = match Box::pin(hub.read(pos, filter)).await {
                        Ok(r) => r,
                        Err(e) => { yield Err(e); return; }
                    };
                    let n = rows.len();
                    for row in rows {
                        pos = row.pos();
                        if let Some(ev) = LoggedEvent::from_row(row) {
                            let ev = Arc::new(ev);
                            let step = follow(&mut rooms, scope, viewer, &ev);
                            sync_interest(&mut interest, &rooms, &ev);
                            if step.deliver { yield Ok(ev); }
                            if step.stop { return; }
                        }
                    }
                    if (n as i64) < PAGE { break; }
                } }
                loop {
                    match rx.recv().await {
                        Ok(ev) => {
                            if ev.pos <= pos { continue; }
                            pos = ev.pos;
                            let step = follow(&mut rooms, scope, viewer, &ev);
                            sync_interest(&mut interest, &rooms, &ev);
                            if step.deliver {
                                // Live deliveries only: a replay's lag is the
                                // subscriber's absence, not the server's speed.
                                hub.metrics.delivery_lag.observe(metrics::since(ev.at));
                                yield Ok(ev);
                            }
                            if step.stop { return; }
                        }
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            hub.metrics.log_fallbacks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            tracing::debug!(skipped, "subscriber lagged; replaying from the log");
                            continue 'replay;
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        }
    }

    async fn read(
        &self,
        after: LogPos,
        filter: LogFilter<'_>,
    ) -> Result<Vec<jeco_schema::log::EventRow>, String> {
        let mut conn = self.readers.get().await.map_err(|e| e.to_string())?;
        log::read_after(&mut conn, after, filter, PAGE).await.map_err(|e| e.to_string())
    }

    async fn rooms_of(&self, viewer: UserId) -> Result<HashSet<ConversationId>, String> {
        let mut conn = self.readers.get().await.map_err(|e| e.to_string())?;
        jeco_schema::members::conversation_ids_of(&mut conn, viewer)
            .await
            .map(|v| v.into_iter().collect())
            .map_err(|e| e.to_string())
    }
}

/// What a subscription covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One conversation (membership checked by the caller).
    Conversation(ConversationId),
    /// Every conversation the viewer belongs to, following joins and leaves.
    AllOf,
}

/// Keeps the broker interest in step with the conversations followed.
fn sync_interest(interest: &mut Interest, rooms: &HashSet<ConversationId>, ev: &LoggedEvent) {
    if rooms.contains(&ev.conversation_id) {
        interest.add(ev.conversation_id);
    } else {
        interest.remove(ev.conversation_id);
    }
}

struct Step {
    deliver: bool,
    stop: bool,
}

/// Decides whether `ev` is for this subscriber and tracks the viewer's own
/// membership changes (a join adds the conversation, a leave ends it).
fn follow(rooms: &mut HashSet<ConversationId>, scope: Scope, viewer: UserId, ev: &LoggedEvent) -> Step {
    let about_viewer = ev.payload.membership_of() == Some(viewer);
    let deliver = rooms.contains(&ev.conversation_id) || (about_viewer && scope == Scope::AllOf);
    let mut stop = false;
    if about_viewer && deliver {
        match (&ev.payload, scope) {
            (EventPayload::MemberJoined { .. }, _) => {
                rooms.insert(ev.conversation_id);
            }
            (EventPayload::MemberLeft { .. }, Scope::AllOf) => {
                rooms.remove(&ev.conversation_id);
            }
            (EventPayload::MemberLeft { .. }, Scope::Conversation(_)) => stop = true,
            _ => {}
        }
    }
    Step { deliver, stop }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::PublicUser;
    use chrono::Utc;

    fn user(id: i64) -> PublicUser {
        PublicUser {
            id: UserId(id),
            username: format!("u{id}"),
            display_name: "U".into(),
            created_at: Utc::now(),
            bio: None,
            avatar_id: None,
        }
    }

    fn ev(conversation_id: ConversationId, payload: EventPayload) -> LoggedEvent {
        LoggedEvent { pos: LogPos { tx: 1, id: 1 }, conversation_id, at: Utc::now(), payload }
    }

    #[test]
    fn viewer_wide_scope_follows_own_joins_and_leaves() {
        let mut rooms = HashSet::from([ConversationId(1)]);
        let left = ev(ConversationId(1), EventPayload::MemberLeft { user: user(9) });
        let s = follow(&mut rooms, Scope::AllOf, UserId(9), &left);
        assert!(s.deliver && !s.stop);
        assert!(rooms.is_empty());
        let other_left = ev(ConversationId(1), EventPayload::MemberLeft { user: user(8) });
        assert!(!follow(&mut rooms, Scope::AllOf, UserId(9), &other_left).deliver);
    }

    #[test]
    fn single_scope_stops_after_viewer_leaves() {
        let mut rooms = HashSet::from([ConversationId(1)]);
        let left = ev(ConversationId(1), EventPayload::MemberLeft { user: user(9) });
        let s = follow(&mut rooms, Scope::Conversation(ConversationId(1)), UserId(9), &left);
        assert!(s.deliver && s.stop);
        let elsewhere = ev(ConversationId(2), EventPayload::MemberLeft { user: user(9) });
        assert!(!follow(&mut rooms, Scope::Conversation(ConversationId(1)), UserId(9), &elsewhere).deliver);
    }
}
