//! Pagination and resume cursors: one type for every list and stream, encoded
//! as base64url of a short tagged text so clients treat them as opaque strings.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jeco_schema::log::LogPos;

/// A position in one of the server's orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// An event-log position (`conversationEvents`, `eventCursor`).
    Log(LogPos),
    /// A timeline position `(tx, id)` (a conversation's messages, search).
    Message(i64, i64),
    /// A notification position `(tx, id)`.
    Notification(i64, i64),
    /// A conversation by last activity `(time, id)`.
    Activity(DateTime<Utc>, i64),
    /// A membership by join time `(time, user id)`.
    Joined(DateTime<Utc>, i64),
    /// A `(lower-cased name, id)` keyset (public rooms, users).
    Name(String, i64),
}

/// Why a cursor was refused. Clients see the same message for both: they
/// only need to know the cursor is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this server wrote.
    #[error("invalid cursor")]
    Malformed,
    /// A cursor of another list.
    #[error("invalid cursor")]
    WrongKind,
}

/// Picks the key of one kind out of a cursor (`None`: another kind).
pub type KeyOf<K> = fn(Cursor) -> Option<K>;

impl Cursor {
    /// The opaque string handed to clients.
    pub fn encode(&self) -> String {
        let text = match self {
            Cursor::Log(pos) => format!("e:{}:{}", pos.tx, pos.id),
            Cursor::Message(tx, id) => format!("m:{tx}:{id}"),
            Cursor::Notification(tx, id) => format!("n:{tx}:{id}"),
            Cursor::Activity(at, id) => format!("c:{}:{id}", at.timestamp_micros()),
            Cursor::Joined(at, id) => format!("u:{}:{id}", at.timestamp_micros()),
            Cursor::Name(name, id) => format!("r:{id}:{name}"),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads any cursor back.
    pub fn decode(cursor: &str) -> Result<Cursor, CursorError> {
        Self::parse(cursor).ok_or(CursorError::Malformed)
    }

    /// Reads a cursor that must be of the kind `key` picks.
    pub fn decode_as<K>(cursor: &str, key: KeyOf<K>) -> Result<K, CursorError> {
        key(Self::decode(cursor)?).ok_or(CursorError::WrongKind)
    }

    fn parse(cursor: &str) -> Option<Cursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?).ok()?;
        let (tag, rest) = raw.split_once(':')?;
        let (a, b) = rest.split_once(':')?;
        let time = |micros: &str| DateTime::from_timestamp_micros(micros.parse().ok()?);
        Some(match tag {
            "e" => Cursor::Log(LogPos { tx: a.parse().ok()?, id: b.parse().ok()? }),
            "m" => Cursor::Message(a.parse().ok()?, b.parse().ok()?),
            "n" => Cursor::Notification(a.parse().ok()?, b.parse().ok()?),
            "c" => Cursor::Activity(time(a)?, b.parse().ok()?),
            "u" => Cursor::Joined(time(a)?, b.parse().ok()?),
            "r" => Cursor::Name(b.to_string(), a.parse().ok()?),
            _ => return None,
        })
    }

    /// The log position of a [`Cursor::Log`].
    pub fn log(self) -> Option<LogPos> {
        match self {
            Cursor::Log(pos) => Some(pos),
            _ => None,
        }
    }

    /// The `(tx, id)` of a [`Cursor::Message`].
    pub fn message(self) -> Option<(i64, i64)> {
        match self {
            Cursor::Message(tx, id) => Some((tx, id)),
            _ => None,
        }
    }

    /// The `(tx, id)` of a [`Cursor::Notification`].
    pub fn notification(self) -> Option<(i64, i64)> {
        match self {
            Cursor::Notification(tx, id) => Some((tx, id)),
            _ => None,
        }
    }

    /// The `(time, id)` of a [`Cursor::Activity`].
    pub fn activity(self) -> Option<(DateTime<Utc>, i64)> {
        match self {
            Cursor::Activity(at, id) => Some((at, id)),
            _ => None,
        }
    }

    /// The `(time, user id)` of a [`Cursor::Joined`].
    pub fn joined(self) -> Option<(DateTime<Utc>, i64)> {
        match self {
            Cursor::Joined(at, id) => Some((at, id)),
            _ => None,
        }
    }

    /// The `(name, id)` of a [`Cursor::Name`].
    pub fn name(self) -> Option<(String, i64)> {
        match self {
            Cursor::Name(name, id) => Some((name, id)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let pos = LogPos { tx: 7, id: i64::MAX };
        assert_eq!(Cursor::decode_as(&Cursor::Log(pos).encode(), Cursor::log), Ok(pos));
        assert_eq!(Cursor::decode_as(&Cursor::Message(5, 9).encode(), Cursor::message), Ok((5, 9)));
        assert_eq!(
            Cursor::decode_as(&Cursor::Log(pos).encode(), Cursor::message),
            Err(CursorError::WrongKind)
        );
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(Cursor::decode_as(&Cursor::Activity(at, 3).encode(), Cursor::activity), Ok((at, 3)));
        assert_eq!(
            Cursor::decode_as(&Cursor::Activity(at, 3).encode(), Cursor::joined),
            Err(CursorError::WrongKind)
        );
        let name = Cursor::Name("a:b".into(), 4);
        assert_eq!(Cursor::decode_as(&name.encode(), Cursor::name), Ok(("a:b".into(), 4)));
        assert_eq!(Cursor::decode("not base64!"), Err(CursorError::Malformed));
    }

    #[test]
    fn encoding_is_what_clients_already_hold() {
        // Cursors handed out before this type existed must still decode.
        assert_eq!(Cursor::Message(5, 9).encode(), URL_SAFE_NO_PAD.encode("m:5:9"));
        assert_eq!(Cursor::Name("ab".into(), 4).encode(), URL_SAFE_NO_PAD.encode("r:4:ab"));
        assert_eq!(Cursor::Notification(1, 2).encode(), URL_SAFE_NO_PAD.encode("n:1:2"));
        assert_eq!(Cursor::Log(LogPos { tx: 3, id: 4 }).encode(), URL_SAFE_NO_PAD.encode("e:3:4"));
    }
}
