//! Newtype row ids, one per table whose `id` other code passes around, so a
//! `UserId` can't be handed to a function that wants a `ConversationId` (the
//! compiler refuses a swapped argument order). Each maps to its `int8`
//! column for diesel and is a bare number in JSON (`serde(transparent)`), so
//! events stored in the log keep their shape.
//!
//! A swapped id does not compile:
//!
//! ```compile_fail
//! fn members_of(_conversation: jeco_schema::ids::ConversationId) {}
//! members_of(jeco_schema::ids::UserId(7));
//! ```
//!
//! while the right one does:
//!
//! ```
//! fn members_of(_conversation: jeco_schema::ids::ConversationId) {}
//! members_of(jeco_schema::ids::ConversationId(7));
//! ```

use std::fmt;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};

/// Declares a row id stored as `int8`.
macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow, Serialize,
            Deserialize,
        )]
        #[diesel(sql_type = BigInt)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The bare number (for keys, logs and global ids).
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ToSql<BigInt, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <i64 as ToSql<BigInt, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<BigInt, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <i64 as FromSql<BigInt, Pg>>::from_sql(bytes).map(Self)
            }
        }
    )+};
}

id_type! {
    /// `users.id`, and every column that points at a user.
    UserId;
    /// `conversations.id` (rooms and direct conversations).
    ConversationId;
    /// `messages.id`.
    MessageId;
    /// `notifications.id`.
    NotificationId;
    /// `sessions.id` (one login on one device).
    SessionId;
    /// `access_tokens.id` (personal access tokens).
    AccessTokenId;
    /// `attachments.id` (uploaded files and avatars).
    AttachmentId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_bare_number() {
        assert_eq!(serde_json::to_string(&UserId(7)).ok().as_deref(), Some("7"));
        let back: Option<MessageId> = serde_json::from_str("42").ok();
        assert_eq!(back, Some(MessageId(42)));
    }
}
