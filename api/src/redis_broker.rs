//! The Redis broker: rings every instance's tailer through one pub/sub
//! channel. It carries no events (those are in PostgreSQL), so a lost publish
//! or a Redis outage delays delivery to the next poll and never loses anything.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, Notify};

use crate::events::Ephemeral;
use crate::hub::Broker;

/// The doorbell channel.
const CHANNEL: &str = "jeco:log";
/// The ephemeral-signal channel.
const EPHEMERAL: &str = "jeco:ephemeral";

/// An ephemeral signal on the wire, tagged with the instance that sent it (which
/// has already delivered it locally).
#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope {
    from: String,
    signal: Ephemeral,
}

/// Doorbell over Redis pub/sub.
pub struct RedisBroker {
    publisher: ConnectionManager,
    local: Notify,
    subscribed: AtomicBool,
    instance: String,
    ephemeral: broadcast::Sender<Arc<Ephemeral>>,
}

impl RedisBroker {
    /// Connects (failing fast if Redis is unreachable at start-up) and starts
    /// the subscriber, which reconnects by itself.
    pub async fn connect(url: &str) -> anyhow::Result<Arc<Self>> {
        let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
        let publisher = tokio::time::timeout(Duration::from_secs(5), client.get_connection_manager())
            .await
            .context("REDIS_URL: Redis did not answer within 5 s")?
            .context("REDIS_URL: cannot connect to Redis")?;
        let broker = Arc::new(RedisBroker {
            publisher,
            local: Notify::new(),
            subscribed: AtomicBool::new(false),
            instance: crate::auth::random_token(12),
            ephemeral: broadcast::channel(1024).0,
        });
        tokio::spawn(subscribe_forever(client, Arc::downgrade(&broker)));
        Ok(broker)
    }
}

async fn subscribe_forever(client: redis::Client, broker: std::sync::Weak<RedisBroker>) {
    loop {
        let pubsub = async {
            let mut ps = client.get_async_pubsub().await?;
            ps.subscribe(CHANNEL).await?;
            ps.subscribe(EPHEMERAL).await?;
            Ok::<_, redis::RedisError>(ps)
        }
        .await;
        match pubsub {
            Ok(mut ps) => {
                let Some(b) = broker.upgrade() else { return };
                b.subscribed.store(true, Ordering::Relaxed);
                // Rings may have been missed while disconnected: look now.
                b.local.notify_one();
                drop(b);
                let mut messages = ps.on_message();
                while let Some(msg) = messages.next().await {
                    let Some(b) = broker.upgrade() else { return };
                    if msg.get_channel_name() == EPHEMERAL {
                        b.receive_ephemeral(msg.get_payload_bytes());
                    } else {
                        b.local.notify_one();
                    }
                }
                if let Some(b) = broker.upgrade() {
                    b.subscribed.store(false, Ordering::Relaxed);
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

impl RedisBroker {
    /// A handle on the shared connection (presence uses it).
    pub fn connection(&self) -> ConnectionManager {
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
}

impl Broker for RedisBroker {
    fn ring(&self) {
        self.local.notify_one();
        let mut conn = self.publisher.clone();
        tokio::spawn(async move {
            let sent: redis::RedisResult<i64> =
                redis::cmd("PUBLISH").arg(CHANNEL).arg(1).query_async(&mut conn).await;
            if let Err(e) = sent {
                tracing::debug!("Redis publish failed (peers will poll): {e}");
            }
        });
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
