//! Login sessions as credentials: the refresh token's shape, the refresh
//! cookie's name, and whether the session behind an access JWT is still open.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::Duration;
use jeco_schema as db;
use jeco_schema::PgPool;

use super::cache::FreshCache;
use jeco_schema::ids::SessionId;

/// How long a session (refresh token chain) lives without logging in again.
pub const SESSION_TTL: Duration = Duration::days(30);

/// Name of the refresh cookie.
pub const REFRESH_COOKIE: &str = "jeco_refresh";

/// Random bytes of a session's public handle (24 URL-safe characters).
pub const HANDLE_BYTES: usize = 18;

/// Splits a refresh token `<session handle>.<secret>`. The handle is random
/// (not the sequential session id), so a session can't be named by guessing.
pub fn parse_refresh_token(token: &str) -> Option<(&str, &str)> {
    let (handle, secret) = token.trim().split_once('.')?;
    let url_safe = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let ok = (20..=64).contains(&handle.len())
        && url_safe(handle)
        && (16..=128).contains(&secret.len())
        && url_safe(secret);
    ok.then_some((handle, secret))
}

/// Reads whether sessions are open, batching the reads that miss the cache
/// within its delay into one statement (on the fan-out, thousands of sockets'
/// timers re-check their sessions every few seconds).
pub type SessionReader = DataLoader<SessionRows>;

/// The [`SessionReader`] on `pool`, batching over `delay` (zero: only the
/// reads already waiting share a statement).
pub fn session_reader(pool: PgPool, delay: std::time::Duration) -> SessionReader {
    DataLoader::new(SessionRows(pool), tokio::spawn).delay(delay)
}

/// The rows behind a [`SessionReader`]: open (not revoked, not expired) by id;
/// an unknown id is absent, and counts as closed.
pub struct SessionRows(PgPool);

impl Loader<SessionId> for SessionRows {
    type Value = bool;
    type Error = Arc<str>;

    async fn load(&self, keys: &[SessionId]) -> Result<HashMap<SessionId, bool>, Self::Error> {
        let mut c = self.0.get().await.map_err(|e| Arc::from(e.to_string()))?;
        let rows = db::sessions::sessions_by_ids(&mut c, keys).await.map_err(|e| Arc::from(e.to_string()))?;
        let now = chrono::Utc::now();
        Ok(rows.into_iter().map(|s| (s.id, s.revoked_at.is_none() && s.expires_at > now)).collect())
    }
}

/// Whether login sessions are open: access JWTs of a session that logged out or
/// was revoked stop working instead of living on until they expire.
#[derive(Default)]
pub struct Sessions {
    open: FreshCache<SessionId, bool>,
}

impl Sessions {
    /// Whether the session is open (cached; a database failure counts as
    /// closed).
    pub async fn open(&self, reader: &SessionReader, session_id: SessionId) -> bool {
        self.check(reader, session_id).await.unwrap_or(false)
    }

    /// Whether the session is open; `None` when the database could not say
    /// (not cached: the next check asks again).
    pub async fn check(&self, reader: &SessionReader, session_id: SessionId) -> Option<bool> {
        if let Some(open) = self.open.cached(session_id) {
            return Some(open);
        }
        let open = reader.load_one(session_id).await.ok()?.unwrap_or(false);
        self.open.remember(session_id, open);
        Some(open)
    }

    /// Remembers a session revoked here as closed.
    pub fn ended(&self, session_id: SessionId) {
        self.open.remember(session_id, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_parse_strictly() {
        let handle = "h".repeat(24);
        assert_eq!(
            parse_refresh_token(&format!("{handle}.abcdefghijklmnopq")),
            Some((handle.as_str(), "abcdefghijklmnopq"))
        );
        assert_eq!(parse_refresh_token(&format!("{handle}.short")), None);
        assert_eq!(parse_refresh_token("12.abcdefghijklmnopq"), None);
        assert_eq!(parse_refresh_token(&format!("{handle}.abcdefghijklmno p")), None);
        assert_eq!(parse_refresh_token(&format!("{handle}!.abcdefghijklmnopq")), None);
    }
}
