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
    /// An uploaded file.
    Attachment,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Conversation => "Conversation",
            Kind::Message => "Message",
            Kind::Notification => "Notification",
            Kind::AccessToken => "AccessToken",
            Kind::Attachment => "Attachment",
        }
    }
}

/// A row id type that has a global id (`node(id:)`).
pub trait GlobalId: Copy {
    /// The kind written into the global id.
    const KIND: Kind;
    /// Wraps a decoded row id.
    fn from_raw(n: i64) -> Self;
    /// The row id to encode.
    fn raw(self) -> i64;
}

macro_rules! global_id {
    ($($ty:ident => $kind:ident,)+) => {$(
        impl GlobalId for jeco_schema::ids::$ty {
            const KIND: Kind = Kind::$kind;
            fn from_raw(n: i64) -> Self {
                Self(n)
            }
            fn raw(self) -> i64 {
                self.0
            }
        }
    )+};
}

global_id! {
    UserId => User,
    ConversationId => Conversation,
    MessageId => Message,
    NotificationId => Notification,
    AccessTokenId => AccessToken,
    AttachmentId => Attachment,
}

/// Encodes a global id; its kind comes from the id's type.
pub fn encode<T: GlobalId>(id: T) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", T::KIND.tag(), id.raw())))
}

/// Decodes any global id into its kind and row id.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(id.trim()).ok()?).ok()?;
    let (tag, num) = raw.split_once(':')?;
    let kind = [
        Kind::User,
        Kind::Conversation,
        Kind::Message,
        Kind::Notification,
        Kind::AccessToken,
        Kind::Attachment,
    ]
    .into_iter()
    .find(|k| k.tag() == tag)?;
    let n: i64 = num.parse().ok()?;
    (n > 0).then_some((kind, n))
}

/// Decodes a global id that must be of `T`'s kind.
pub fn decode<T: GlobalId>(id: &str) -> Option<T> {
    decode_any(id).filter(|(k, _)| *k == T::KIND).map(|(_, n)| T::from_raw(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jeco_schema::ids::{ConversationId, UserId};

    #[test]
    fn ids_round_trip_and_reject_other_kinds() {
        let id = encode(ConversationId(42));
        assert_eq!(decode::<ConversationId>(&id), Some(ConversationId(42)));
        assert_eq!(decode::<UserId>(&id), None);
        assert_eq!(decode_any("not base64!"), None);
        assert_eq!(decode::<UserId>(&URL_SAFE_NO_PAD.encode("User:-3")), None);
    }
}
