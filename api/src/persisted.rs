//! Persisted operations, resolved before a request reaches GraphQL (over POST,
//! GET and WebSocket alike):
//!
//! - **Automatic Persisted Queries** (Apollo's protocol, which Apollo Client's
//!   `PersistedQueryLink` and urql's `persistedExchange` speak): a request may
//!   carry `extensions.persistedQuery = {version: 1, sha256Hash}`. With the
//!   query text, the text is checked against the hash and remembered; with the
//!   hash alone, the remembered text runs, or the answer is
//!   `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`), on which those
//!   clients send the text. Texts live in a bounded in-memory LRU and, when
//!   Redis is configured, in Redis too (`jeco:apq:<hash>`, with a TTL), so a
//!   text registered on one instance is found on every other.
//! - **Trusted operations** (`JECO_TRUSTED_OPERATIONS`, see [`manifest`]): only
//!   the operations of a manifest run, by hash alone or by a text whose hash is
//!   listed; anything else is `OPERATION_NOT_TRUSTED`. Registration is then off.
//!
//! async-graphql's `apollo_persisted_queries` extension is not used: it runs
//! inside the schema, too late for `GET` (which must know the text to refuse a
//! mutation), gives its errors no `extensions.code` (our edge would label them
//! `BAD_USER_INPUT`), and knows nothing of a trusted list.

pub mod manifest;

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::redis_conn::SharedRedis;
use async_graphql::ServerError;
use sha2::{Digest, Sha256};

use crate::error::TopLevelCode;

/// How long a registered text stays in Redis (registered again on a miss).
pub const REDIS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Redis calls of a request give up after this (the local cache still answers).
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// The Redis key of a registered text.
fn redis_key(hash: &str) -> String {
    format!("jeco:apq:{hash}")
}

/// Lowercase hex SHA-256 of a text, as APQ and the manifest write it.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a request is refused before GraphQL runs. Each is a request error
/// (no `data`), with the `extensions.code` the clients look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A hash alone that no one registered (or that expired): send the text.
    NotFound,
    /// The text's SHA-256 is not the hash sent with it; nothing is stored.
    HashMismatch,
    /// `persistedQuery` is not `{version: 1, sha256Hash: <64 hex digits>}`.
    Unsupported(String),
    /// Trusted operations are configured and this one is not listed.
    NotTrusted,
}

impl Refusal {
    /// The GraphQL error, with its code.
    pub fn error(&self) -> ServerError {
        let (message, code) = match self {
            // The exact message older clients compare against.
            Refusal::NotFound => ("PersistedQueryNotFound".to_string(), TopLevelCode::PersistedQueryNotFound),
            Refusal::HashMismatch => {
                ("provided sha does not match query".to_string(), TopLevelCode::PersistedQueryHashMismatch)
            }
            Refusal::Unsupported(why) => (why.clone(), TopLevelCode::PersistedQueryNotSupported),
            Refusal::NotTrusted => (
                "this server runs only its trusted operations, and this is not one of them".to_string(),
                TopLevelCode::OperationNotTrusted,
            ),
        };
        let mut error = ServerError::new(message, None);
        error.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
        error
    }
}

/// The persisted-operation store of one instance.
pub struct Persisted {
    /// Registered texts by hash (APQ).
    cache: Mutex<lru::LruCache<String, Arc<str>>>,
    /// Shared with the other instances, when Redis is configured.
    redis: Option<SharedRedis>,
    /// The trusted operations by hash, when configured (then APQ registration is off).
    trusted: Option<HashMap<String, Arc<str>>>,
    /// Longest text registered (as long as a request body).
    max_bytes: usize,
}

impl Persisted {
    /// A store of at most `capacity` texts of at most `max_bytes` each.
    pub fn new(
        capacity: NonZeroUsize,
        max_bytes: usize,
        redis: Option<SharedRedis>,
        trusted: Option<manifest::Manifest>,
    ) -> Self {
        let trusted =
            trusted.map(|m| m.operations.into_iter().map(|op| (op.id, Arc::from(op.body))).collect());
        Persisted { cache: Mutex::new(lru::LruCache::new(capacity)), redis, trusted, max_bytes }
    }

    /// Whether only trusted operations run.
    pub fn trusted_only(&self) -> bool {
        self.trusted.is_some()
    }

    /// Fills in the text of a hash-only request, registers a new text, and
    /// applies the trusted list. The `persistedQuery` extension is consumed.
    pub async fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), Refusal> {
        let asked = match request.extensions.remove("persistedQuery") {
            None => None,
            Some(value) => Some(parse(value)?),
        };
        if let Some(trusted) = &self.trusted {
            let hash = asked.unwrap_or_else(|| sha256_hex(&request.query));
            let Some(text) = trusted.get(&hash) else { return Err(Refusal::NotTrusted) };
            if request.query.is_empty() {
                request.query = text.to_string();
            } else if sha256_hex(&request.query) != hash {
                return Err(Refusal::HashMismatch);
            }
            return Ok(());
        }
        let Some(hash) = asked else { return Ok(()) };
        if request.query.is_empty() {
            request.query = self.lookup(&hash).await.ok_or(Refusal::NotFound)?.to_string();
            return Ok(());
        }
        if sha256_hex(&request.query) != hash {
            return Err(Refusal::HashMismatch);
        }
        if request.query.len() <= self.max_bytes {
            self.register(hash, &request.query).await;
        }
        Ok(())
    }

    async fn lookup(&self, hash: &str) -> Option<Arc<str>> {
        if let Some(text) = self.local().get(hash) {
            return Some(text.clone());
        }
        let mut conn = self.redis.clone()?;
        let mut get = redis::cmd("GET");
        get.arg(redis_key(hash));
        let text =
            match tokio::time::timeout(REDIS_TIMEOUT, get.query_async::<Option<String>>(&mut conn)).await {
                Ok(Ok(text)) => text?,
                Ok(Err(e)) => {
                    tracing::debug!("Redis GET of a persisted query failed: {e}");
                    return None;
                }
                Err(_) => return None,
            };
        // A text that does not hash to its key was not written by us: ignore it.
        if sha256_hex(&text) != hash {
            return None;
        }
        let text: Arc<str> = Arc::from(text);
        self.local().put(hash.to_string(), text.clone());
        Some(text)
    }

    async fn register(&self, hash: String, text: &str) {
        let known = self.local().put(hash.clone(), Arc::from(text)).is_some();
        let Some(mut conn) = self.redis.clone() else { return };
        if known {
            return;
        }
        let mut set = redis::cmd("SET");
        set.arg(redis_key(&hash)).arg(text).arg("EX").arg(REDIS_TTL.as_secs());
        match tokio::time::timeout(REDIS_TIMEOUT, set.query_async::<()>(&mut conn)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!("Redis SET of a persisted query failed: {e}"),
            Err(_) => tracing::debug!("Redis SET of a persisted query timed out"),
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, Arc<str>>> {
        // A panic while holding the lock leaves the cache usable (it holds only texts).
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `{version: 1, sha256Hash}` → the hash.
fn parse(value: async_graphql::Value) -> Result<String, Refusal> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct PersistedQuery {
        version: i64,
        sha256_hash: String,
    }
    let unsupported = |why: &str| Refusal::Unsupported(why.to_string());
    let json = value.into_json().map_err(|_| unsupported("persistedQuery is not valid"))?;
    let asked: PersistedQuery = serde_json::from_value(json)
        .map_err(|_| unsupported("persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<hex>\"}"))?;
    if asked.version != 1 {
        return Err(unsupported("only version 1 of persisted queries is supported"));
    }
    let hash = asked.sha256_hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unsupported("sha256Hash must be 64 hex digits"));
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Persisted {
        Persisted::new(NonZeroUsize::MIN.saturating_add(1), 100, None, None)
    }

    fn request(query: &str, hash: Option<&str>) -> async_graphql::Request {
        let mut r = async_graphql::Request::new(query);
        if let Some(h) = hash {
            let ext = serde_json::json!({ "version": 1, "sha256Hash": h });
            r.extensions
                .insert("persistedQuery".into(), async_graphql::Value::from_json(ext).unwrap_or_default());
        }
        r
    }

    #[tokio::test]
    async fn a_hash_is_found_once_its_text_was_registered_and_the_cache_is_bounded() {
        let s = store();
        let (a, b, c) = ("{ a }", "{ b }", "{ c }");
        let mut r = request("", Some(&sha256_hex(a)));
        assert_eq!(s.resolve(&mut r).await, Err(Refusal::NotFound));
        s.resolve(&mut request(a, Some(&sha256_hex(a)))).await.unwrap_or_default();
        let mut r = request("", Some(&sha256_hex(a)));
        assert_eq!(s.resolve(&mut r).await, Ok(()));
        assert_eq!(r.query, a);
        assert!(!r.extensions.contains_key("persistedQuery"));
        // Two slots: registering b and c evicts a.
        for t in [b, c] {
            assert_eq!(s.resolve(&mut request(t, Some(&sha256_hex(t)))).await, Ok(()));
        }
        assert_eq!(s.resolve(&mut request("", Some(&sha256_hex(a)))).await, Err(Refusal::NotFound));
        assert_eq!(s.resolve(&mut request("", Some(&sha256_hex(c)))).await, Ok(()));
    }

    #[tokio::test]
    async fn a_wrong_hash_stores_nothing_and_bad_extensions_are_refused() {
        let s = store();
        let wrong = sha256_hex("{ other }");
        assert_eq!(s.resolve(&mut request("{ a }", Some(&wrong))).await, Err(Refusal::HashMismatch));
        assert_eq!(s.resolve(&mut request("", Some(&wrong))).await, Err(Refusal::NotFound));
        assert!(matches!(s.resolve(&mut request("", Some("abc"))).await, Err(Refusal::Unsupported(_))));
        let mut r = request("{ a }", None);
        r.extensions.insert("persistedQuery".into(), async_graphql::Value::from(2));
        assert!(matches!(s.resolve(&mut r).await, Err(Refusal::Unsupported(_))));
        // Too long to keep: it runs, and is not remembered.
        let long = format!("{{ a {} }}", " ".repeat(200));
        assert_eq!(s.resolve(&mut request(&long, Some(&sha256_hex(&long)))).await, Ok(()));
        assert_eq!(s.resolve(&mut request("", Some(&sha256_hex(&long)))).await, Err(Refusal::NotFound));
    }

    #[test]
    fn refusals_carry_the_codes_clients_look_for() {
        let e = Refusal::NotFound.error();
        assert_eq!(e.message, "PersistedQueryNotFound");
        let json = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(json["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
        let json = serde_json::to_value(Refusal::NotTrusted.error()).unwrap_or_default();
        assert_eq!(json["extensions"]["code"], "OPERATION_NOT_TRUSTED");
    }
}
