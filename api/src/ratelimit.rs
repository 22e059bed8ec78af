//! Per-key rate limits (per user for sends, per client address for auth),
//! token buckets from `governor`. Limits are per instance.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A keyed token bucket.
#[derive(Clone)]
pub struct Limiter<K: Hash + Eq + Clone + Send + Sync + 'static> {
    inner: Arc<DefaultKeyedRateLimiter<K>>,
}

impl<K: Hash + Eq + Clone + Send + Sync + 'static> Limiter<K> {
    /// `per_period` requests every `period`, with a burst of `burst`.
    pub fn new(per_period: u32, period: Duration, burst: u32) -> Self {
        let n = NonZeroU32::new(per_period.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota =
            Quota::with_period(period / n.get()).unwrap_or_else(|| Quota::per_second(n)).allow_burst(burst);
        let limiter = Arc::new(RateLimiter::keyed(quota));
        // Forget idle keys so the map does not grow with every address ever seen.
        let weak = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(l) => l.retain_recent(),
                    None => break,
                }
            }
        });
        Limiter { inner: limiter }
    }

    /// Takes one token; `false` when the key is over its rate.
    pub fn check(&self, key: &K) -> bool {
        self.inner.check_key(key).is_ok()
    }
}
