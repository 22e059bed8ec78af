//! Signed media URLs. An upload URL names one upload and expires; a file URL
//! names one file variant, the viewer (user and login session) it was issued
//! to, and an expiry. Both are HMAC-SHA256 under a key derived from the
//! server secret, so they work on every instance and cannot be forged or
//! re-pointed (changing any part breaks the signature).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use jeco_schema::ids::{AttachmentId, SessionId, UserId};
use sha2::{Digest, Sha256};

/// Signature bytes kept (128 bits: forging one is a 2^128 guess).
const SIG_BYTES: usize = 16;

/// The file variants served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The (metadata-stripped) file itself.
    File,
    /// Images: the small rendition.
    Thumb,
    /// Avatars: 64×64.
    Avatar64,
    /// Avatars: 256×256.
    Avatar256,
}

impl Variant {
    /// Its path segment (also the storage object's suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::File => "file",
            Variant::Thumb => "thumb",
            Variant::Avatar64 => "64",
            Variant::Avatar256 => "256",
        }
    }

    /// The variant a path segment names.
    pub fn parse(s: &str) -> Option<Self> {
        [Variant::File, Variant::Thumb, Variant::Avatar64, Variant::Avatar256]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Every variant (what a deleted upload may have left behind).
    pub const ALL: [Variant; 4] = [Variant::File, Variant::Thumb, Variant::Avatar64, Variant::Avatar256];
}

/// Who a file URL was issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The viewer.
    pub user: UserId,
    /// Their login session (`None` for a personal access token).
    pub session: Option<SessionId>,
}

/// Signs and checks media URLs.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    /// A signer whose key is derived from the server secret (a separate key,
    /// so a media signature can never pass as anything else).
    pub fn new(secret: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"jeco media urls v1\0");
        h.update(secret);
        Signer { key: h.finalize().into() }
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(message.as_bytes());
        mac
    }

    fn sign(&self, message: &str) -> String {
        let tag = self.mac(message).finalize().into_bytes();
        URL_SAFE_NO_PAD.encode(&tag[..SIG_BYTES])
    }

    /// Constant-time check of a signature.
    fn verify(&self, message: &str, sig: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(sig) else { return false };
        bytes.len() == SIG_BYTES && self.mac(message).verify_truncated_left(&bytes).is_ok()
    }

    /// The path of an upload's single-use PUT URL, valid until `exp` (unix seconds).
    pub fn upload_path(&self, id: AttachmentId, exp: i64) -> String {
        let sig = self.sign(&format!("upload|{id}|{exp}"));
        format!("/media/upload/{id}.{exp}.{sig}")
    }

    /// The upload an upload token names, if its signature is right and it
    /// has not expired at `now`.
    pub fn check_upload(&self, token: &str, now: i64) -> Option<AttachmentId> {
        let mut parts = token.splitn(3, '.');
        let id: i64 = parts.next()?.parse().ok()?;
        let exp: i64 = parts.next()?.parse().ok()?;
        let sig = parts.next()?;
        (self.verify(&format!("upload|{id}|{exp}"), sig) && now <= exp).then_some(AttachmentId(id))
    }

    /// The path and query of a file URL for `bound`, valid until `exp`.
    pub fn file_path(&self, id: AttachmentId, variant: Variant, bound: Bound, exp: i64) -> String {
        let (user, session) = (bound.user, bound.session.map_or(0, |s| s.get()));
        let v = variant.as_str();
        let sig = self.sign(&format!("file|{id}|{v}|{user}|{session}|{exp}"));
        format!("/media/{id}/{v}?u={user}&s={session}&e={exp}&k={sig}")
    }

    /// Who a file URL was issued to, if its signature is right and it has
    /// not expired at `now`.
    pub fn check_file(&self, id: AttachmentId, variant: Variant, q: &FileQuery, now: i64) -> Option<Bound> {
        let v = variant.as_str();
        let message = format!("file|{id}|{v}|{}|{}|{}", q.u, q.s, q.e);
        (self.verify(&message, &q.k) && now <= q.e)
            .then_some(Bound { user: UserId(q.u), session: (q.s != 0).then_some(SessionId(q.s)) })
    }
}

/// The query string of a file URL.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FileQuery {
    /// Viewer.
    pub u: i64,
    /// Their session (0: none).
    pub s: i64,
    /// Expiry, unix seconds.
    pub e: i64,
    /// Signature.
    pub k: String,
}

/// An expiry between half the TTL and the TTL from `now`, on a grid of half
/// the TTL, so one viewer's URL for a file stays the same for a while and
/// browsers can cache it across re-renders.
pub fn expiry(now: i64, ttl_secs: i64) -> i64 {
    let half = (ttl_secs / 2).max(1);
    (now.div_euclid(half) + 2) * half
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(path: &str) -> FileQuery {
        let query = path.split_once('?').map(|(_, q)| q).unwrap_or("");
        let get = |k: &str| {
            query.split('&').find_map(|kv| kv.strip_prefix(&format!("{k}="))).unwrap_or("").to_string()
        };
        FileQuery {
            u: get("u").parse().unwrap_or(-1),
            s: get("s").parse().unwrap_or(-1),
            e: get("e").parse().unwrap_or(-1),
            k: get("k"),
        }
    }

    #[test]
    fn upload_tokens_check_signature_and_expiry() {
        let s = Signer::new(b"secret");
        let path = s.upload_path(AttachmentId(7), 1000);
        let token = path.trim_start_matches("/media/upload/");
        assert_eq!(s.check_upload(token, 999), Some(AttachmentId(7)));
        assert_eq!(s.check_upload(token, 1001), None, "expired");
        assert_eq!(s.check_upload(&token.replacen("7.", "8.", 1), 999), None, "other upload");
        assert_eq!(Signer::new(b"other").check_upload(token, 999), None, "other key");
        assert_eq!(s.check_upload("7.1000", 999), None);
        assert_eq!(s.check_upload("", 0), None);
    }

    #[test]
    fn file_urls_are_bound_to_file_variant_and_viewer() {
        let s = Signer::new(b"secret");
        let bound = Bound { user: UserId(3), session: Some(SessionId(9)) };
        let path = s.file_path(AttachmentId(5), Variant::File, bound, 2000);
        let good = q(&path);
        assert_eq!(s.check_file(AttachmentId(5), Variant::File, &good, 1999), Some(bound));
        assert_eq!(s.check_file(AttachmentId(5), Variant::File, &good, 2001), None);
        assert_eq!(s.check_file(AttachmentId(6), Variant::File, &good, 1999), None);
        assert_eq!(s.check_file(AttachmentId(5), Variant::Thumb, &good, 1999), None);
        for tampered in [
            FileQuery { u: 4, ..good.clone() },
            FileQuery { s: 0, ..good.clone() },
            FileQuery { e: 9999, ..good.clone() },
            FileQuery { k: "AAAA".into(), ..good.clone() },
        ] {
            assert_eq!(s.check_file(AttachmentId(5), Variant::File, &tampered, 1999), None);
        }
    }

    #[test]
    fn expiry_is_between_half_and_whole_ttl_and_stable() {
        for now in [0, 1, 299, 300, 301, 12_345] {
            let e = expiry(now, 600);
            assert!(e - now >= 300 && e - now <= 600, "now {now} exp {e}");
        }
        assert_eq!(expiry(301, 600), expiry(350, 600));
    }
}
