//! Delivery receipts: when a message event is handed to one of a member's
//! connections, that member has it "delivered". Recording is in memory and
//! coalesced (the newest position per member and conversation), then written
//! once a second in one statement, so a 1000-member room costs one upsert per
//! second, not a write per delivery. Positions only move forward; in direct
//! conversations a move is also published as a `DeliveryMoved` event (in rooms
//! that would be an event per member per message).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use jeco_schema::enums::ConversationKind;
use jeco_schema::{self as db, PgPool};

use crate::events::{EventPayload, PublicUser};
use crate::hub::EventHub;
use crate::tx;
use jeco_schema::ids::{ConversationId, MessageId, UserId};

/// How often recorded deliveries are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Shards of the pending positions: every delivery of every connection records
/// here, from all fan-out threads at once, so one lock would be contended.
const SHARDS: usize = 16;

type Pending = HashMap<(ConversationId, UserId), (i64, MessageId)>;

/// This instance's pending delivery positions, sharded by member.
pub struct Deliveries {
    pending: [Mutex<Pending>; SHARDS],
    pool: PgPool,
    hub: EventHub,
}

impl Deliveries {
    /// Starts the recorder and its flush loop.
    pub fn start(pool: PgPool, hub: EventHub) -> Arc<Self> {
        let me = Arc::new(Deliveries { pending: Default::default(), pool, hub });
        tokio::spawn(flush_forever(Arc::downgrade(&me)));
        me
    }

    /// Notes that `user` received message (`message_id`, `tx`) of a conversation.
    pub fn record(&self, conversation_id: ConversationId, user_id: UserId, message_id: MessageId, tx: i64) {
        let shard = &self.pending[user_id.0.unsigned_abs() as usize % SHARDS];
        if let Ok(mut pending) = shard.lock() {
            let slot = pending.entry((conversation_id, user_id)).or_insert((tx, message_id));
            if (tx, message_id) > *slot {
                *slot = (tx, message_id);
            }
        }
    }

    /// Writes what was recorded since the last flush.
    pub async fn flush(&self) -> Result<(), String> {
        let mut batch: Vec<(ConversationId, UserId, MessageId, i64)> = Vec::new();
        for shard in &self.pending {
            if let Ok(mut p) = shard.lock() {
                batch.extend(p.drain().map(|((c, u), (tx, m))| (c, u, m, tx)));
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        // One order for every instance's upsert: two flushes taking the same
        // rows' locks in different orders deadlock (seen with 6 instances).
        batch.sort_unstable_by_key(|(c, u, _, _)| (*c, *u));
        let mut c = self.pool.get().await.map_err(|e| e.to_string())?;
        // Only direct conversations get a `DeliveryMoved`; those are rung after commit.
        tx::write_on(&mut c, &self.hub, async |tx| {
            let moved = db::receipts::advance_delivered(tx, &batch).await?;
            let conv_ids: Vec<ConversationId> = moved.iter().map(|m| m.conversation_id).collect();
            let direct: Vec<ConversationId> = db::conversations::conversations_by_ids(tx, &conv_ids)
                .await?
                .into_iter()
                .filter(|cv| cv.kind == ConversationKind::Direct)
                .map(|cv| cv.id)
                .collect();
            let moved: Vec<_> = moved.into_iter().filter(|m| direct.contains(&m.conversation_id)).collect();
            let user_ids: Vec<UserId> = moved.iter().map(|m| m.user_id).collect();
            let users = db::users::users_by_ids(tx, &user_ids).await?;
            for m in &moved {
                let Some(user) = users.iter().find(|u| u.id == m.user_id) else { continue };
                let payload =
                    EventPayload::DeliveryMoved { user: PublicUser::from(user), message_id: m.message_id };
                tx.append(m.conversation_id, &payload).await?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())?;
        Ok(())
    }
}

async fn flush_forever(me: Weak<Deliveries>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        let Some(d) = me.upgrade() else { return };
        if let Err(e) = d.flush().await {
            tracing::warn!("writing delivery receipts failed: {e}");
        }
    }
}
