//! Per-key rate limits (per user for sends and writes, per client address for
//! requests and auth), token buckets from `governor`, and caps on open
//! connections per key. Limits are per instance.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
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

/// Counts open connections per key and refuses one over the cap. A slot is
/// held by its [`Slot`] and given back when that is dropped, however the
/// connection ends.
#[derive(Clone)]
pub struct ConnCap<K: Hash + Eq + Clone + Send + 'static> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    cap: usize,
}

/// One open connection counted by a [`ConnCap`].
pub struct Slot<K: Hash + Eq + Clone + Send + 'static> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    key: K,
}

impl<K: Hash + Eq + Clone + Send + 'static> ConnCap<K> {
    /// At most `cap` open connections per key.
    pub fn new(cap: usize) -> Self {
        ConnCap { open: Arc::new(Mutex::new(HashMap::new())), cap }
    }

    /// A slot for one more connection of `key`, or `None` when it is at the cap.
    pub fn acquire(&self, key: K) -> Option<Slot<K>> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(key.clone()).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Slot { open: self.open.clone(), key })
    }
}

impl<K: Hash + Eq + Clone + Send + 'static> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConnCap;

    #[test]
    fn a_conn_cap_refuses_over_the_cap_and_frees_on_drop() {
        let cap = ConnCap::new(2);
        let a = cap.acquire("u").expect("first");
        let _b = cap.acquire("u").expect("second");
        assert!(cap.acquire("u").is_none());
        assert!(cap.acquire("other").is_some());
        drop(a);
        assert!(cap.acquire("u").is_some());
    }
}
