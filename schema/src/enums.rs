//! The text enum columns as Rust enums: `members.role`, `conversations.kind`,
//! `conversations.visibility`, `notifications.kind` and the `attachments` ones. Each is mapped once, by
//! `text_enum!`, to its column (diesel) and to the same lowercase strings in
//! JSON (serde), so events stored in the log keep their shape.

use std::fmt;
use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

/// Declares an enum stored as one of a fixed set of texts (the column's CHECK
/// constraint lists the same texts).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize)]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// The text stored in the column (and in JSON).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The value stored as `text`, if it is one.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Self::parse(&text)
                    .ok_or_else(|| format!("unexpected {} {text:?}", stringify!($name)).into())
            }
        }
    };
}

text_enum! {
    /// A member's role in a conversation.
    Role {
        /// Created the room (or inherited it).
        Owner = "owner",
        /// Moderates.
        Admin = "admin",
        /// Takes part.
        Member = "member",
    }
}

impl Role {
    /// Owners and admins moderate: manage the room, remove others' messages, pin.
    pub fn moderates(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

text_enum! {
    /// Who may find and join a room.
    Visibility {
        /// Anyone.
        Public = "public",
        /// Invited users only.
        Private = "private",
    }
}

text_enum! {
    /// Room or direct conversation.
    ConversationKind {
        /// A named room.
        Room = "room",
        /// Between two users.
        Direct = "direct",
    }
}

text_enum! {
    /// Why a notification was created.
    NotificationKind {
        /// A message in a direct conversation.
        DirectMessage = "direct_message",
        /// The recipient was @-mentioned.
        Mention = "mention",
        /// Someone replied to the recipient's message.
        Reply = "reply",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_stored_text() {
        assert_eq!(serde_json::to_string(&Role::Owner).unwrap(), r#""owner""#);
        assert_eq!(serde_json::to_string(&NotificationKind::DirectMessage).unwrap(), r#""direct_message""#);
        assert_eq!(serde_json::from_str::<Visibility>(r#""private""#).unwrap(), Visibility::Private);
        assert_eq!(
            serde_json::from_str::<ConversationKind>(r#""direct""#).unwrap(),
            ConversationKind::Direct
        );
    }

    #[test]
    fn text_round_trips() {
        for role in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(NotificationKind::parse("reply"), Some(NotificationKind::Reply));
        assert_eq!(Visibility::parse("Public"), None);
        assert_eq!(ConversationKind::Room.to_string(), "room");
    }
}

text_enum! {
    /// What an upload is for.
    UploadPurpose {
        /// A file attached to a message.
        Attachment = "attachment",
        /// A profile picture.
        Avatar = "avatar",
    }
}

text_enum! {
    /// Where an upload is in its life: created, being received (its single
    /// PUT), stored and processed, or refused.
    UploadState {
        /// Created by `createUpload`; the signed URL is unused.
        Pending = "pending",
        /// Its PUT is running.
        Receiving = "receiving",
        /// Stored and processed.
        Ready = "ready",
        /// Its PUT was refused; nothing is stored.
        Failed = "failed",
    }
}

text_enum! {
    /// What an attachment is, judged from its content.
    AttachmentKind {
        /// PNG, JPEG, GIF or WebP.
        Image = "image",
        /// Ogg/Opus, WebM/Opus, MP4/AAC or MP3.
        Audio = "audio",
        /// MP4 or WebM.
        Video = "video",
        /// Anything else (served as a download).
        File = "file",
    }
}
