//! Personal access tokens as credentials: their shape, and whether a
//! presented one is valid now (cached per instance). Creating, listing and
//! revoking them are the owner's actions in `services::tokens`.

use chrono::{Duration, Utc};
use jeco_schema::access_tokens;
use jeco_schema::models::AccessToken;
use jeco_schema::PgPool;

use super::cache::FreshCache;
use super::secrets::sha256;
use super::viewer::Viewer;
use jeco_schema::ids::AccessTokenId;

/// Prefix of personal access tokens, so they are recognisable in config files
/// and by secret scanners.
pub const PAT_PREFIX: &str = "jeco_pat_";

/// Splits a personal access token `jeco_pat_<id>_<secret>`.
pub fn parse_access_token(token: &str) -> Option<(AccessTokenId, &str)> {
    let (id, secret) = token.trim().strip_prefix(PAT_PREFIX)?.split_once('_')?;
    let id = AccessTokenId(id.parse().ok()?);
    (id.get() > 0 && secret.len() >= 32 && secret.len() <= 128).then_some((id, secret))
}

/// Personal access tokens as last read (`None`: no such token).
#[derive(Default)]
pub struct AccessTokens {
    rows: FreshCache<AccessTokenId, Option<AccessToken>>,
}

impl AccessTokens {
    /// The viewer a presented token stands for, if it is valid now. Stamps
    /// `last_used_at` at most once a minute.
    pub async fn check(&self, pool: &PgPool, id: AccessTokenId, secret: &str) -> Option<Viewer> {
        let row = match self.rows.cached(id) {
            Some(row) => row,
            None => {
                let mut c = pool.get().await.ok()?;
                let row = access_tokens::access_token(&mut c, id).await.ok()?;
                self.rows.remember(id, row.clone());
                row
            }
        }?;
        let now = Utc::now();
        let valid = row.revoked_at.is_none()
            && row.expires_at.is_none_or(|e| e > now)
            && row.secret_hash == sha256(secret);
        if !valid {
            return None;
        }
        if row.last_used_at.is_none_or(|t| now - t > Duration::minutes(1)) {
            let mut stamped = row.clone();
            stamped.last_used_at = Some(now);
            self.rows.remember(id, Some(stamped));
            let pool = pool.clone();
            tokio::spawn(async move {
                if let Ok(mut c) = pool.get().await {
                    if let Err(e) = access_tokens::touch_access_token(&mut c, id).await {
                        tracing::warn!(token_id = %id, "could not stamp access token use: {e}");
                    }
                }
            });
        }
        Some(Viewer { user_id: row.user_id, session_id: None })
    }

    /// Forgets a token changed here, so its next use reads it again.
    pub fn revoked(&self, id: AccessTokenId) {
        self.rows.forget(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_parse_strictly() {
        let secret = "a_b-".repeat(10);
        assert_eq!(
            parse_access_token(&format!("jeco_pat_5_{secret}")),
            Some((AccessTokenId(5), secret.as_str()))
        );
        assert_eq!(parse_access_token("jeco_pat_5_short"), None);
        assert_eq!(parse_access_token(&format!("jeco_pat_x_{secret}")), None);
        assert_eq!(parse_access_token(&format!("pat_5_{secret}")), None);
    }
}
