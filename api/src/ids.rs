//! Opaque global ids (`node(id:)`): base64url of a short typed text, so
//! clients treat them as opaque strings. Cursors are `graphql::cursor`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The kinds of object that have a global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A user.
    User,
    /// A room or direct conversation.
    Conversation,
    /// A message.
    Message,
    /// A notification.
    Notification,
    /// A personal access token.
    AccessToken,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Conversation => "Conversation",
            Kind::Message => "Message",
            Kind::Notification => "Notification",
            Kind::AccessToken => "AccessToken",
        }
    }
}

/// Encodes a global id.
pub fn encode(kind: Kind, id: i64) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.tag())))
}

/// Decodes any global id into its kind and row id.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(id.trim()).ok()?).ok()?;
    let (tag, num) = raw.split_once(':')?;
    let kind = [Kind::User, Kind::Conversation, Kind::Message, Kind::Notification, Kind::AccessToken]
        .into_iter()
        .find(|k| k.tag() == tag)?;
    let n: i64 = num.parse().ok()?;
    (n > 0).then_some((kind, n))
}

/// Decodes a global id that must be of `kind`.
pub fn decode(kind: Kind, id: &str) -> Option<i64> {
    decode_any(id).filter(|(k, _)| *k == kind).map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_other_kinds() {
        let id = encode(Kind::Conversation, 42);
        assert_eq!(decode(Kind::Conversation, &id), Some(42));
        assert_eq!(decode(Kind::User, &id), None);
        assert_eq!(decode_any("not base64!"), None);
        assert_eq!(decode(Kind::User, &URL_SAFE_NO_PAD.encode("User:-3")), None);
    }
}
