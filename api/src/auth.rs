//! Credentials: argon2id password hashing (off the async runtime, bounded),
//! short-lived access JWTs, and refresh-token secrets.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// How long an access token is valid.
pub const ACCESS_TTL: Duration = Duration::minutes(15);
/// How long a session (refresh token chain) lives without logging in again.
pub const SESSION_TTL: Duration = Duration::days(30);

/// Random URL-safe text from `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a secret (refresh secrets are stored hashed).
pub fn sha256(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Splits a refresh token `<session id>.<secret>`.
pub fn parse_refresh_token(token: &str) -> Option<(i64, &str)> {
    let (id, secret) = token.trim().split_once('.')?;
    let id: i64 = id.parse().ok()?;
    (id > 0 && secret.len() >= 16 && secret.len() <= 128).then_some((id, secret))
}

/// Hashes and verifies passwords with argon2id, OWASP parameters
/// (19 MiB, 2 iterations, 1 lane), on blocking threads with at most one hash per
/// core in flight, so a login storm cannot starve the async runtime or the memory.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so timing does not
    /// reveal which usernames are registered.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    // Params::new only fails on out-of-range constants; these are in range.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

impl PasswordHasherPool {
    /// A pool sized to the machine.
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let dummy = hash_blocking("jeco-dummy-password").map_err(anyhow::Error::msg)?;
        Ok(PasswordHasherPool { permits: Arc::new(Semaphore::new(cores)), dummy_hash: Arc::new(dummy) })
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(move || hash_blocking(&password)).await.map_err(|e| e.to_string())?
    }

    /// Checks a password against a stored hash (or the dummy hash when `None`).
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok(ok && known)
    }
}

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    sid: i64,
    iat: i64,
    exp: i64,
    typ: String,
}

/// Who is calling: established from an access JWT or a personal access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The user.
    pub user_id: i64,
    /// The login session an access JWT belongs to; `None` for a personal
    /// access token (integrations have no login session).
    pub session_id: Option<i64>,
}

/// Prefix of personal access tokens, so they are recognisable in config files
/// and by secret scanners.
pub const PAT_PREFIX: &str = "jeco_pat_";

/// Splits a personal access token `jeco_pat_<id>_<secret>`.
pub fn parse_access_token(token: &str) -> Option<(i64, &str)> {
    let (id, secret) = token.trim().strip_prefix(PAT_PREFIX)?.split_once('_')?;
    let id: i64 = id.parse().ok()?;
    (id > 0 && secret.len() >= 32 && secret.len() <= 128).then_some((id, secret))
}

/// Signs and checks access tokens (HS256).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// Keys from a shared secret.
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    /// Issues an access token for a login session; returns it with its expiry.
    pub fn issue(&self, user_id: i64, session_id: i64) -> Result<(String, DateTime<Utc>), String> {
        let now = Utc::now();
        let exp = now + ACCESS_TTL;
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            typ: "access".into(),
        };
        jsonwebtoken::encode(&Header::new(JwtAlg::HS256), &claims, &self.encoding)
            .map(|t| (t, exp))
            .map_err(|e| e.to_string())
    }

    /// Checks an access token; `None` when invalid or expired.
    pub fn verify(&self, token: &str) -> Option<Viewer> {
        let mut validation = Validation::new(JwtAlg::HS256);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation).ok()?;
        if data.claims.typ != "access" {
            return None;
        }
        Some(Viewer { user_id: data.claims.sub.parse().ok()?, session_id: Some(data.claims.sid) })
    }
}

/// Answers read from the database, trusted per instance for
/// [`FRESHNESS`]. Something ended or revoked here is forgotten (or remembered as
/// closed) at once; on the other instances it takes at most that long.
pub struct FreshCache<V> {
    seen: std::sync::Mutex<std::collections::HashMap<i64, (V, std::time::Instant)>>,
}

/// How long a [`FreshCache`] answer is trusted.
pub const FRESHNESS: std::time::Duration = std::time::Duration::from_secs(10);

impl<V> Default for FreshCache<V> {
    fn default() -> Self {
        FreshCache { seen: std::sync::Mutex::new(std::collections::HashMap::new()) }
    }
}

impl<V: Clone> FreshCache<V> {
    /// A cached answer, if fresh.
    pub fn cached(&self, id: i64) -> Option<V> {
        let seen = self.seen.lock().ok()?;
        seen.get(&id).filter(|(_, at)| at.elapsed() < FRESHNESS).map(|(v, _)| v.clone())
    }

    /// Records an answer.
    pub fn remember(&self, id: i64, value: V) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() > 100_000 {
                seen.retain(|_, (_, at)| at.elapsed() < FRESHNESS);
            }
            seen.insert(id, (value, std::time::Instant::now()));
        }
    }

    /// Drops an answer (changed here).
    pub fn forget(&self, id: i64) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(&id);
        }
    }
}

/// Whether login sessions are open: access JWTs of a session that logged out or
/// was revoked stop working instead of living on until they expire.
pub type SessionCache = FreshCache<bool>;

/// Personal access tokens as last read (`None`: no such token).
pub type AccessTokenCache = FreshCache<Option<jeco_schema::models::AccessToken>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let viewer = Viewer { user_id: 7, session_id: Some(3) };
        let (token, exp) = keys.issue(7, 3).unwrap();
        assert!(exp > Utc::now());
        assert_eq!(keys.verify(&token), Some(viewer));
        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(other.verify(&token), None);
        assert_eq!(keys.verify("garbage"), None);
    }

    #[test]
    fn refresh_tokens_parse_strictly() {
        assert_eq!(parse_refresh_token("12.abcdefghijklmnopq"), Some((12, "abcdefghijklmnopq")));
        assert_eq!(parse_refresh_token("12.short"), None);
        assert_eq!(parse_refresh_token("x.abcdefghijklmnopq"), None);
        assert_eq!(parse_refresh_token("-1.abcdefghijklmnopq"), None);
    }

    #[test]
    fn access_tokens_parse_strictly() {
        let secret = "a_b-".repeat(10);
        assert_eq!(parse_access_token(&format!("jeco_pat_5_{secret}")), Some((5, secret.as_str())));
        assert_eq!(parse_access_token("jeco_pat_5_short"), None);
        assert_eq!(parse_access_token(&format!("jeco_pat_x_{secret}")), None);
        assert_eq!(parse_access_token(&format!("pat_5_{secret}")), None);
    }

    #[tokio::test]
    async fn passwords_verify_only_with_the_right_password() {
        let pool = PasswordHasherPool::new().unwrap();
        let hash = pool.hash("correct horse".into()).await.unwrap();
        assert!(pool.verify("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!pool.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!pool.verify("jeco-dummy-password".into(), None).await.unwrap());
    }
}
