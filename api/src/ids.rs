//! Opaque global ids (`node(id:)`) and pagination cursors. Both are base64url
//! of a short typed text, so clients treat them as opaque strings.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jeco_schema::log::LogPos;

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

fn pack(parts: &str) -> String {
    URL_SAFE_NO_PAD.encode(parts)
}

fn unpack(cursor: &str, tag: &str) -> Option<String> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?).ok()?;
    raw.strip_prefix(tag)?.strip_prefix(':').map(str::to_string)
}

/// Cursor of an event-log position.
pub fn log_cursor(pos: LogPos) -> String {
    pack(&format!("e:{}:{}", pos.tx, pos.id))
}

/// Parses an event-log cursor.
pub fn parse_log_cursor(cursor: &str) -> Option<LogPos> {
    let rest = unpack(cursor, "e")?;
    let (tx, id) = rest.split_once(':')?;
    Some(LogPos { tx: tx.parse().ok()?, id: id.parse().ok()? })
}

/// Cursor of a timeline position `(tx, id)`.
pub fn message_cursor(tx: i64, id: i64) -> String {
    pack(&format!("m:{tx}:{id}"))
}

/// Parses a timeline cursor.
pub fn parse_message_cursor(cursor: &str) -> Option<(i64, i64)> {
    let rest = unpack(cursor, "m")?;
    let (tx, id) = rest.split_once(':')?;
    Some((tx.parse().ok()?, id.parse().ok()?))
}

/// Cursor of a notification position `(tx, id)`.
pub fn notification_cursor(tx: i64, id: i64) -> String {
    pack(&format!("n:{tx}:{id}"))
}

/// Parses a notification cursor.
pub fn parse_notification_cursor(cursor: &str) -> Option<(i64, i64)> {
    let rest = unpack(cursor, "n")?;
    let (tx, id) = rest.split_once(':')?;
    Some((tx.parse().ok()?, id.parse().ok()?))
}

/// Cursor of a `(time, id)` keyset.
pub fn time_cursor(tag: &str, at: DateTime<Utc>, id: i64) -> String {
    pack(&format!("{tag}:{}:{id}", at.timestamp_micros()))
}

/// Parses a `(time, id)` keyset cursor.
pub fn parse_time_cursor(tag: &str, cursor: &str) -> Option<(DateTime<Utc>, i64)> {
    let rest = unpack(cursor, tag)?;
    let (micros, id) = rest.split_once(':')?;
    Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
}

/// Cursor of a `(name, id)` keyset.
pub fn name_cursor(name: &str, id: i64) -> String {
    pack(&format!("r:{id}:{name}"))
}

/// Parses a `(name, id)` keyset cursor.
pub fn parse_name_cursor(cursor: &str) -> Option<(String, i64)> {
    let rest = unpack(cursor, "r")?;
    let (id, name) = rest.split_once(':')?;
    Some((name.to_string(), id.parse().ok()?))
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

    #[test]
    fn cursors_round_trip() {
        let pos = LogPos { tx: 7, id: i64::MAX };
        assert_eq!(parse_log_cursor(&log_cursor(pos)), Some(pos));
        assert_eq!(parse_message_cursor(&message_cursor(5, 9)), Some((5, 9)));
        assert_eq!(parse_message_cursor(&log_cursor(pos)), None);
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(parse_time_cursor("c", &time_cursor("c", at, 3)), Some((at, 3)));
        assert_eq!(parse_name_cursor(&name_cursor("a:b", 4)), Some(("a:b".into(), 4)));
    }
}
