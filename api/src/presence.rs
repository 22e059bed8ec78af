//! Presence: a user is online while any of their authenticated WebSocket
//! connections is open on any instance. Each instance counts its own
//! connections; with Redis it also heartbeats them into a shared hash per user
//! (`jeco:presence:<user>`: instance -> expiry), so a crashed instance's users
//! go offline by themselves once their entries expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;

use crate::redis_conn::SharedRedis;

use crate::events::{Ephemeral, PublicUser};
use crate::hub::EventHub;
use jeco_schema::ids::UserId;

/// Timing of presence (shortened in tests).
#[derive(Debug, Clone, Copy)]
pub struct PresenceTiming {
    /// How long a heartbeat keeps a user online.
    pub ttl: Duration,
    /// How often heartbeats are sent and watchers re-check.
    pub every: Duration,
}

impl Default for PresenceTiming {
    fn default() -> Self {
        PresenceTiming { ttl: Duration::from_secs(30), every: Duration::from_secs(10) }
    }
}

/// This instance's presence bookkeeping.
#[derive(Clone)]
pub struct Presence {
    local: Arc<Mutex<HashMap<UserId, usize>>>,
    shared: Option<SharedRedis>,
    instance: Arc<str>,
    hub: EventHub,
    /// Timing.
    pub timing: PresenceTiming,
}

fn key(user: UserId) -> String {
    format!("jeco:presence:{user}")
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Presence {
    /// Presence for one instance; with a Redis connection it is shared.
    pub fn new(hub: EventHub, shared: Option<SharedRedis>, timing: PresenceTiming) -> Self {
        let presence = Presence {
            local: Arc::new(Mutex::new(HashMap::new())),
            shared,
            instance: crate::auth::random_token(12).into(),
            hub,
            timing,
        };
        if presence.shared.is_some() {
            tokio::spawn(presence.clone().heartbeat_forever());
        }
        presence
    }

    fn local_users(&self) -> Vec<UserId> {
        self.local.lock().map(|m| m.keys().copied().collect()).unwrap_or_default()
    }

    /// A connection of `user` opened.
    pub async fn connected(&self, user: &PublicUser) {
        let first = {
            let Ok(mut m) = self.local.lock() else { return };
            let n = m.entry(user.id).or_insert(0);
            *n += 1;
            *n == 1
        };
        if first {
            self.beat(&[user.id]).await;
            self.hub.publish_ephemeral(Ephemeral::Presence { user: user.clone(), online: true });
        }
    }

    /// A connection of `user` closed.
    pub async fn disconnected(&self, user: &PublicUser) {
        let last = {
            let Ok(mut m) = self.local.lock() else { return };
            match m.get_mut(&user.id) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => {
                    m.remove(&user.id);
                    true
                }
                None => false,
            }
        };
        if !last {
            return;
        }
        if let Some(conn) = &self.shared {
            let mut conn = conn.clone();
            let _: redis::RedisResult<i64> =
                redis::cmd("HDEL").arg(key(user.id)).arg(&*self.instance).query_async(&mut conn).await;
        }
        // Still online through another instance? Then it is not news.
        let still = self.online(&[user.id]).await.get(&user.id).copied().unwrap_or(false);
        if !still {
            self.hub.publish_ephemeral(Ephemeral::Presence { user: user.clone(), online: false });
        }
    }

    async fn beat(&self, users: &[UserId]) {
        let Some(conn) = &self.shared else { return };
        if users.is_empty() {
            return;
        }
        let expiry = now_ms() + self.timing.ttl.as_millis() as i64;
        // One pipeline in all on a single server; on a cluster one per user
        // (each user's key lives in its own slot), sent concurrently.
        let pipes = per_slot(conn, users, |pipe, u| {
            pipe.cmd("HSET").arg(key(u)).arg(&*self.instance).arg(expiry).ignore();
            // The whole hash goes away once nobody has beaten for a while.
            pipe.cmd("PEXPIRE").arg(key(u)).arg(self.timing.ttl.as_millis() as i64 * 2).ignore();
        });
        let sent = join_all(pipes.iter().map(|pipe| {
            let mut conn = conn.clone();
            async move { pipe.query_async::<()>(&mut conn).await }
        }))
        .await;
        if let Some(Err(e)) = sent.into_iter().find(Result::is_err) {
            tracing::debug!("presence heartbeat failed: {e}");
        }
    }

    async fn heartbeat_forever(self) {
        let mut tick = tokio::time::interval(self.timing.every);
        loop {
            tick.tick().await;
            self.beat(&self.local_users()).await;
        }
    }

    /// Which of `users` are online now (anywhere).
    pub async fn online(&self, users: &[UserId]) -> HashMap<UserId, bool> {
        let local = self.local.lock().map(|m| m.clone()).unwrap_or_default();
        let mut out: HashMap<UserId, bool> = users.iter().map(|u| (*u, local.contains_key(u))).collect();
        let Some(conn) = &self.shared else { return out };
        let pipes = per_slot(conn, users, |pipe, u| {
            pipe.cmd("HVALS").arg(key(u));
        });
        let read = join_all(pipes.iter().map(|pipe| {
            let mut conn = conn.clone();
            async move { pipe.query_async::<Vec<Vec<i64>>>(&mut conn).await }
        }))
        .await;
        match read.into_iter().collect::<Result<Vec<_>, _>>().map(|v| v.concat()) {
            Ok(all) => {
                let now = now_ms();
                for (u, expiries) in users.iter().zip(all) {
                    if expiries.iter().any(|e| *e > now) {
                        out.insert(*u, true);
                    }
                }
            }
            Err(e) => tracing::debug!("presence lookup failed (local view only): {e}"),
        }
        out
    }
}

/// The pipelines for `users`, in their order: one on a single server, one per
/// user on a cluster (a pipeline may not cross slots there).
fn per_slot(
    conn: &SharedRedis,
    users: &[UserId],
    add: impl Fn(&mut redis::Pipeline, UserId),
) -> Vec<redis::Pipeline> {
    if conn.is_cluster() {
        return users
            .iter()
            .map(|u| {
                let mut pipe = redis::pipe();
                add(&mut pipe, *u);
                pipe
            })
            .collect();
    }
    let mut pipe = redis::pipe();
    for u in users {
        add(&mut pipe, *u);
    }
    vec![pipe]
}
