//! Access tokens: short-lived HS256 JWTs naming a user and their login session.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm as JwtAlg, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::viewer::Viewer;
use jeco_schema::ids::{SessionId, UserId};

/// How long an access token is valid unless configured otherwise.
pub const ACCESS_TTL: Duration = Duration::minutes(15);

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    sid: SessionId,
    iat: i64,
    exp: i64,
    typ: String,
}

/// Clock skew tolerated on an access token's expiry.
const LEEWAY_SECS: u64 = 5;

/// Signs and checks access tokens (HS256).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl TokenKeys {
    /// Keys from a shared secret.
    pub fn new(secret: &[u8]) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl: ACCESS_TTL,
        }
    }

    /// The same keys issuing tokens that live `ttl` (short in tests).
    pub fn with_ttl(self, ttl: std::time::Duration) -> Self {
        TokenKeys { ttl: Duration::from_std(ttl).unwrap_or(ACCESS_TTL), ..self }
    }

    /// Issues an access token for a login session; returns it with its expiry.
    pub fn issue(&self, user_id: UserId, session_id: SessionId) -> Result<(String, DateTime<Utc>), String> {
        let now = Utc::now();
        let exp = now + self.ttl;
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
        self.verify_expiring(token).map(|(viewer, _)| viewer)
    }

    /// Checks an access token; with its viewer, the Unix time (seconds, leeway
    /// included) after which it is expired, so a holder that keeps re-checking
    /// it need not verify the signature again.
    pub fn verify_expiring(&self, token: &str) -> Option<(Viewer, i64)> {
        let mut validation = Validation::new(JwtAlg::HS256);
        validation.leeway = LEEWAY_SECS;
        let data = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation).ok()?;
        if data.claims.typ != "access" {
            return None;
        }
        let viewer =
            Viewer { user_id: UserId(data.claims.sub.parse().ok()?), session_id: Some(data.claims.sid) };
        Some((viewer, data.claims.exp.saturating_add(LEEWAY_SECS as i64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let viewer = Viewer { user_id: UserId(7), session_id: Some(SessionId(3)) };
        let (token, exp) = keys.issue(UserId(7), SessionId(3)).unwrap();
        assert!(exp > Utc::now());
        assert_eq!(keys.verify(&token), Some(viewer));
        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(other.verify(&token), None);
        assert_eq!(keys.verify("garbage"), None);
    }
}
