//! A small per-instance cache of database answers with a fixed freshness, for
//! the credential checks every request makes.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Answers read from the database, trusted per instance for
/// [`FRESHNESS`] (or the freshness it was made with). Something ended or revoked here is forgotten (or remembered as
/// closed) at once; on the other instances it takes at most that long.
pub struct FreshCache<K, V> {
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
        seen.get(&id).filter(|(_, at)| at.elapsed() < self.freshness).map(|(v, _)| v.clone())
    }

    /// Records an answer.
    pub fn remember(&self, id: K, value: V) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() > 100_000 {
                let freshness = self.freshness;
                seen.retain(|_, (_, at)| at.elapsed() < freshness);
            }
            seen.insert(id, (value, Instant::now()));
        }
    }

    /// Drops an answer (changed here).
    pub fn forget(&self, id: K) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(&id);
        }
    }
}
