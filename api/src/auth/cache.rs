//! A small per-instance cache of database answers with a fixed freshness, for
//! the credential checks every request makes.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Answers read from the database, trusted per instance for at most
/// [`FRESHNESS`] (or the freshness it was made with). Something ended or revoked here is forgotten (or remembered as
/// closed) at once; on the other instances it takes at most that long.
///
/// Each answer is trusted for a random share (half to all) of the freshness:
/// answers remembered together (a thousand sockets opened in a second, each
/// re-checking its session on a timer) would otherwise all expire together
/// and be read again in one burst, queueing for the pool in front of requests.
pub struct FreshCache<K, V> {
    /// Each answer with the moment it stops being trusted.
    seen: Mutex<HashMap<K, (V, Instant)>>,
    freshness: Duration,
}

/// How long a [`FreshCache`] answer is trusted.
pub const FRESHNESS: Duration = Duration::from_secs(10);

impl<K, V> Default for FreshCache<K, V> {
    fn default() -> Self {
        Self::with_freshness(FRESHNESS)
    }
}

impl<K, V> FreshCache<K, V> {
    /// A cache whose answers are trusted for `freshness` (zero: never cached).
    pub fn with_freshness(freshness: Duration) -> Self {
        FreshCache { seen: Mutex::new(HashMap::new()), freshness }
    }
}

impl<K: Hash + Eq, V: Clone> FreshCache<K, V> {
    /// A cached answer, if fresh.
    pub fn cached(&self, id: K) -> Option<V> {
        let seen = self.seen.lock().ok()?;
        let now = Instant::now();
        seen.get(&id).filter(|(_, until)| now < *until).map(|(v, _)| v.clone())
    }

    /// Records an answer.
    pub fn remember(&self, id: K, value: V) {
        let now = Instant::now();
        let until = now + self.freshness.mul_f64(rand::random::<f64>().mul_add(0.5, 0.5));
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() > 100_000 {
                seen.retain(|_, (_, until)| now < *until);
            }
            seen.insert(id, (value, until));
        }
    }

    /// Drops an answer (changed here).
    pub fn forget(&self, id: K) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_expire_within_the_freshness_at_spread_out_times() {
        let cache = FreshCache::with_freshness(Duration::from_secs(2));
        for k in 0..200 {
            cache.remember(k, k);
        }
        assert!((0..200).all(|k| cache.cached(k) == Some(k)), "all fresh at first");
        std::thread::sleep(Duration::from_millis(1500));
        let fresh = (0..200).filter(|k| cache.cached(*k).is_some()).count();
        // Trusted for 1..=2 s each: at 1.5 s about half are left.
        assert!((1..200).contains(&fresh), "{fresh} of 200 still fresh at 1.5 s: not spread");
        std::thread::sleep(Duration::from_millis(600));
        assert!((0..200).all(|k| cache.cached(k).is_none()), "none trusted past the freshness");
    }

    #[test]
    fn a_zero_freshness_caches_nothing() {
        let cache = FreshCache::with_freshness(Duration::ZERO);
        cache.remember(1, true);
        assert_eq!(cache.cached(1), None);
    }
}
