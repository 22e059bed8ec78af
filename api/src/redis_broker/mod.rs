//! The Redis broker. Each commit rings `jeco:log:<conversation>`; an instance
//! subscribes only to the channels of conversations its own subscribers watch
//! (and to one channel of ephemeral signals), then reads the log and fans out
//! locally. Redis carries no events (those are in PostgreSQL), so a lost ring
//! or an outage delays delivery to the next poll and never loses anything.
//!
//! On a Redis Cluster (see [`cluster`]) doorbells use sharded pub/sub
//! (`SPUBLISH`/`SSUBSCRIBE`): a ring travels only within the shard that owns
//! its conversation's channel, so the cluster's pub/sub capacity grows with its
//! shards. Ephemeral signals (typing, presence) stay on one classic channel,
//! which the cluster broadcasts to every node.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt;
use redis::aio::PubSubSink;
use redis::cluster_async::ClusterConnection;
use tokio::sync::{broadcast, Notify};

use crate::events::Ephemeral;
use crate::hub::Broker;
use crate::redis_conn::{self, SharedRedis};
use jeco_schema::ids::ConversationId;

/// The ephemeral-signal channel.
const EPHEMERAL: &str = "jeco:ephemeral";

mod cluster;

/// The doorbell channel of a conversation.
pub fn channel(conversation_id: ConversationId) -> String {
    format!("jeco:log:{conversation_id}")
}

/// An ephemeral signal on the wire, tagged with the instance that sent it (which
/// has already delivered it locally).
#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope {
    from: String,
    signal: Ephemeral,
}

/// Doorbells and ephemeral signals over Redis pub/sub.
pub struct RedisBroker {
    publisher: SharedRedis,
    local: Notify,
    subscribed: AtomicBool,
    instance: String,
    ephemeral: broadcast::Sender<Arc<Ephemeral>>,
    /// Conversations watched by this instance's subscribers, with counts.
    interest: Mutex<HashMap<ConversationId, usize>>,
    /// The live subscription's command side, while connected (single server).
    sink: Mutex<Option<PubSubSink>>,
    /// On a cluster, the connection that (un)subscribes sharded channels.
    cluster: Option<ClusterConnection>,
}

impl RedisBroker {
    /// Connects (failing fast if Redis is unreachable at start-up) and starts
    /// the subscriber, which reconnects by itself.
    pub async fn connect(url: &str) -> anyhow::Result<Arc<Self>> {
        let seeds = redis_conn::seeds(url);
        if seeds.len() > 1 {
            return cluster::connect(&seeds).await;
        }
        let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
        let publisher = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .context("REDIS_URL: Redis did not answer within 5 s")?
            .context("REDIS_URL: cannot connect to Redis")?;
        let broker = Arc::new(RedisBroker::new(SharedRedis::Single(publisher), None));
        tokio::spawn(subscribe_forever(client, Arc::downgrade(&broker)));
        Ok(broker)
    }

    fn new(publisher: SharedRedis, cluster: Option<ClusterConnection>) -> Self {
        RedisBroker {
            publisher,
            local: Notify::new(),
            subscribed: AtomicBool::new(false),
            instance: crate::auth::random_token(12),
            ephemeral: broadcast::channel(1024).0,
            interest: Mutex::new(HashMap::new()),
            sink: Mutex::new(None),
            cluster,
        }
    }

    /// A handle on the shared connection (presence and persisted queries use it).
    pub fn connection(&self) -> SharedRedis {
        self.publisher.clone()
    }

    fn receive_ephemeral(&self, bytes: &[u8]) {
        match serde_json::from_slice::<Envelope>(bytes) {
            Ok(env) if env.from != self.instance => {
                let _ = self.ephemeral.send(Arc::new(env.signal));
            }
            Ok(_) => {}
            Err(e) => tracing::debug!("ignoring unreadable ephemeral signal: {e}"),
        }
    }

    fn watched(&self) -> Vec<ConversationId> {
        self.interest.lock().map(|m| m.keys().copied().collect()).unwrap_or_default()
    }

    /// Sends SUBSCRIBE or UNSUBSCRIBE on the live subscription, if any (a
    /// reconnect subscribes to everything watched at that time).
    fn command(&self, conversation_id: ConversationId, subscribe: bool) {
        if let Some(conn) = &self.cluster {
            cluster::command(conn.clone(), conversation_id, subscribe);
            return;
        }
        let Some(mut sink) = self.sink.lock().ok().and_then(|s| s.clone()) else { return };
        tokio::spawn(async move {
            let ch = channel(conversation_id);
            let done = if subscribe { sink.subscribe(&ch).await } else { sink.unsubscribe(&ch).await };
            if let Err(e) = done {
                tracing::debug!("Redis (un)subscribe of {ch} failed (the poll covers it): {e}");
            }
        });
    }
}

async fn subscribe_forever(client: redis::Client, broker: Weak<RedisBroker>) {
    loop {
        let connected = async {
            let ps = client.get_async_pubsub().await?;
            let (mut sink, stream) = ps.split();
            sink.subscribe(EPHEMERAL).await?;
            Ok::<_, redis::RedisError>((sink, stream))
        }
        .await;
        match connected {
            Ok((mut sink, mut stream)) => {
                let Some(b) = broker.upgrade() else { return };
                // Publish the sink first so no new interest falls between the
                // two steps (subscribing twice is harmless).
                if let Ok(mut slot) = b.sink.lock() {
                    *slot = Some(sink.clone());
                }
                for id in b.watched() {
                    if let Err(e) = sink.subscribe(channel(id)).await {
                        tracing::debug!("Redis resubscribe failed: {e}");
                    }
                }
                b.subscribed.store(true, Ordering::Relaxed);
                // Rings may have been missed while disconnected: look now.
                b.local.notify_one();
                drop(b);
                while let Some(msg) = stream.next().await {
                    let Some(b) = broker.upgrade() else { return };
                    if msg.get_channel_name() == EPHEMERAL {
                        b.receive_ephemeral(msg.get_payload_bytes());
                    } else {
                        b.local.notify_one();
                    }
                }
                if let Some(b) = broker.upgrade() {
                    b.subscribed.store(false, Ordering::Relaxed);
                    if let Ok(mut slot) = b.sink.lock() {
                        *slot = None;
                    }
                }
                tracing::warn!("Redis subscription lost; reconnecting");
            }
            Err(e) => {
                if broker.strong_count() == 0 {
                    return;
                }
                tracing::warn!("cannot subscribe to Redis: {e}");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

impl Broker for RedisBroker {
    fn ring(&self, conversation_id: ConversationId) {
        self.local.notify_one();
        let mut conn = self.publisher.clone();
        let publish = if conn.is_cluster() { "SPUBLISH" } else { "PUBLISH" };
        tokio::spawn(async move {
            let sent: redis::RedisResult<i64> =
                redis::cmd(publish).arg(channel(conversation_id)).arg(1).query_async(&mut conn).await;
            if let Err(e) = sent {
                tracing::debug!("Redis publish failed (peers will poll): {e}");
            }
        });
    }

    fn want(&self, conversation_id: ConversationId) {
        let first = match self.interest.lock() {
            Ok(mut m) => {
                let n = m.entry(conversation_id).or_insert(0);
                *n += 1;
                *n == 1
            }
            Err(_) => false,
        };
        if first {
            self.command(conversation_id, true);
        }
    }

    fn unwant(&self, conversation_id: ConversationId) {
        let last = match self.interest.lock() {
            Ok(mut m) => match m.get_mut(&conversation_id) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    m.remove(&conversation_id);
                    true
                }
                None => false,
            },
            Err(_) => false,
        };
        if last {
            self.command(conversation_id, false);
        }
    }

    fn rung(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(self.local.notified())
    }

    fn healthy(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed)
    }

    fn publish_ephemeral(&self, signal: Ephemeral) {
        let envelope = Envelope { from: self.instance.clone(), signal };
        let Ok(json) = serde_json::to_string(&envelope) else { return };
        let _ = self.ephemeral.send(Arc::new(envelope.signal));
        let mut conn = self.publisher.clone();
        tokio::spawn(async move {
            let sent: redis::RedisResult<i64> =
                redis::cmd("PUBLISH").arg(EPHEMERAL).arg(json).query_async(&mut conn).await;
            if let Err(e) = sent {
                tracing::debug!("Redis publish of an ephemeral signal failed: {e}");
            }
        });
    }

    fn ephemeral(&self) -> broadcast::Receiver<Arc<Ephemeral>> {
        self.ephemeral.subscribe()
    }
}
