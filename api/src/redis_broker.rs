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
use tokio::sync::Notify;

use crate::hub::Broker;

/// The pub/sub channel.
const CHANNEL: &str = "jeco:log";

/// Doorbell over Redis pub/sub.
pub struct RedisBroker {
    publisher: ConnectionManager,
    local: Notify,
    subscribed: AtomicBool,
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
        let broker =
            Arc::new(RedisBroker { publisher, local: Notify::new(), subscribed: AtomicBool::new(false) });
        tokio::spawn(subscribe_forever(client, Arc::downgrade(&broker)));
        Ok(broker)
    }
}

async fn subscribe_forever(client: redis::Client, broker: std::sync::Weak<RedisBroker>) {
    loop {
        let pubsub = async {
            let mut ps = client.get_async_pubsub().await?;
            ps.subscribe(CHANNEL).await?;
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
                while messages.next().await.is_some() {
                    match broker.upgrade() {
                        Some(b) => b.local.notify_one(),
                        None => return,
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
}
