//! The broker on a Redis Cluster. One cluster connection (RESP3) carries
//! commands and subscriptions alike: doorbells are sharded channels
//! (`SSUBSCRIBE jeco:log:<id>`, routed to the shard owning the channel's slot,
//! resubscribed by the client after a node reconnects) and ephemeral signals
//! one classic channel. Every primary is pinged twice a second: while one does
//! not answer the broker is unhealthy (`/readyz` says so), and when all answer
//! again the tailer reads the log at once, since rings sent meanwhile are lost.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use anyhow::Context as _;
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo};
use redis::{ProtocolVersion, PushInfo, PushKind, Value};
use tokio::sync::mpsc;

use super::{channel, RedisBroker, EPHEMERAL};
use crate::redis_conn::SharedRedis;
use jeco_schema::ids::ConversationId;

/// How often every primary is pinged.
const HEALTH_EVERY: Duration = Duration::from_millis(500);

/// Connects to the cluster through `seeds` (failing fast if none answers).
pub(super) async fn connect(seeds: &[&str]) -> anyhow::Result<Arc<RedisBroker>> {
    let (tx, rx) = mpsc::unbounded_channel::<PushInfo>();
    let client = ClusterClientBuilder::new(seeds.to_vec())
        .use_protocol(ProtocolVersion::RESP3)
        .push_sender(tx)
        .connection_timeout(Duration::from_secs(2))
        .response_timeout(Duration::from_secs(2))
        .build()
        .context("REDIS_URL is not a valid list of Redis Cluster seed URLs")?;
    let mut conn = tokio::time::timeout(Duration::from_secs(5), client.get_async_connection())
        .await
        .context("REDIS_URL: the Redis Cluster did not answer within 5 s")?
        .context("REDIS_URL: cannot connect to the Redis Cluster")?;
    conn.subscribe(EPHEMERAL).await.context("REDIS_URL: cannot subscribe on the Redis Cluster")?;
    let broker = Arc::new(RedisBroker::new(SharedRedis::Cluster(conn.clone()), Some(conn.clone())));
    broker.subscribed.store(true, Ordering::Relaxed);
    tokio::spawn(read_pushes(rx, Arc::downgrade(&broker)));
    tokio::spawn(watch_health(conn, Arc::downgrade(&broker)));
    Ok(broker)
}

/// Sends SSUBSCRIBE or SUNSUBSCRIBE for a conversation's doorbell.
pub(super) fn command(mut conn: ClusterConnection, conversation_id: ConversationId, subscribe: bool) {
    tokio::spawn(async move {
        let ch = channel(conversation_id);
        let done = if subscribe { conn.ssubscribe(&ch).await } else { conn.sunsubscribe(&ch).await };
        if let Err(e) = done {
            tracing::debug!("Redis Cluster (un)subscribe of {ch} failed (the poll covers it): {e}");
        }
    });
}

async fn read_pushes(mut rx: mpsc::UnboundedReceiver<PushInfo>, broker: Weak<RedisBroker>) {
    while let Some(push) = rx.recv().await {
        let Some(b) = broker.upgrade() else { return };
        match push.kind {
            PushKind::SMessage => b.local.notify_one(),
            PushKind::Message => {
                // [channel, payload]: only the ephemeral channel is classic.
                if let Some(Value::BulkString(payload)) = push.data.last() {
                    b.receive_ephemeral(payload);
                }
            }
            PushKind::Disconnection => b.subscribed.store(false, Ordering::Relaxed),
            _ => {}
        }
    }
}

async fn watch_health(mut conn: ClusterConnection, broker: Weak<RedisBroker>) {
    let all = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
    loop {
        tokio::time::sleep(HEALTH_EVERY).await;
        let Some(b) = broker.upgrade() else { return };
        let ok = conn.route_command(&redis::cmd("PING"), all.clone()).await.is_ok();
        let was = b.subscribed.swap(ok, Ordering::Relaxed);
        if ok && !was {
            tracing::info!("Redis Cluster answers again; reading the log for rings missed meanwhile");
            b.local.notify_one();
        } else if !ok && was {
            tracing::warn!("a Redis Cluster primary does not answer; deliveries rely on the log poll");
        }
    }
}
