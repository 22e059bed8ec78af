//! The typed events a client can receive: one enum, stored as JSON in the
//! event log by the service that made the change, in the same transaction.
//! Events carry their own versioned shapes ([`dto`]), never the row structs,
//! so a table change cannot make the stored log unreadable.

use chrono::{DateTime, Utc};
use jeco_schema::ids::{AttachmentId, ConversationId, MessageId, UserId};
use jeco_schema::log::LogPos;
use jeco_schema::models;
use serde::{Deserialize, Serialize};

pub mod dto;
#[cfg(test)]
mod tests;

pub use dto::{ConversationV1, MemberV1, MessageV1};

/// The public face of a user, as embedded in events (never email or hashes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUser {
    /// User id.
    pub id: UserId,
    /// Handle.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
    /// Profile text; never stored in events (it would go stale), so it is
    /// only set when loaded from the users table.
    #[serde(skip)]
    pub bio: Option<String>,
    /// The avatar upload; like `bio`, never stored in events, so only set
    /// when loaded from the users table.
    #[serde(skip)]
    pub avatar_id: Option<AttachmentId>,
}

impl From<&models::User> for PublicUser {
    fn from(u: &models::User) -> Self {
        PublicUser {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            created_at: u.created_at,
            bio: u.bio.clone(),
            avatar_id: u.avatar_id,
        }
    }
}

/// Everything that can happen in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventPayload {
    /// A message was sent.
    MessageCreated {
        /// The stored message.
        message: MessageV1,
        /// Its sender, so subscribers need no lookup.
        sender: PublicUser,
    },
    /// Someone joined (or was added).
    MemberJoined {
        /// The membership.
        member: MemberV1,
        /// The member.
        user: PublicUser,
    },
    /// A member's role changed.
    MemberRoleChanged {
        /// The membership, with the new role.
        member: MemberV1,
        /// The member.
        user: PublicUser,
    },
    /// Someone left (or was removed).
    MemberLeft {
        /// The former member.
        user: PublicUser,
    },
    /// A member read up to a message.
    ReadReceiptMoved {
        /// The reader.
        user: PublicUser,
        /// The newest message they have read.
        message_id: MessageId,
    },
    /// Messages up to this one reached one of a member's connections (direct
    /// conversations only).
    DeliveryMoved {
        /// The recipient.
        user: PublicUser,
        /// The newest message delivered to them.
        message_id: MessageId,
    },
    /// A message's text was changed by its author.
    MessageEdited {
        /// The message as edited.
        message: MessageV1,
    },
    /// A message became a tombstone.
    MessageDeleted {
        /// The tombstone (no body).
        message: MessageV1,
    },
    /// Someone added or removed a reaction; the full new set.
    ReactionsChanged {
        /// The message.
        message_id: MessageId,
        /// Every reaction now on it, grouped by emoji.
        reactions: Vec<ReactionSet>,
    },
    /// A message was pinned.
    MessagePinned {
        /// The message, pinned.
        message: MessageV1,
        /// Who pinned it.
        by: PublicUser,
    },
    /// A message was unpinned.
    MessageUnpinned {
        /// The message, unpinned.
        message: MessageV1,
        /// Who unpinned it.
        by: PublicUser,
    },
    /// A room's name, topic or settings changed.
    ConversationUpdated {
        /// The conversation as it is now.
        conversation: ConversationV1,
    },
}

/// The users who reacted to a message with one emoji, in order of reacting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReactionSet {
    /// The emoji.
    pub emoji: String,
    /// Who reacted with it.
    pub users: Vec<PublicUser>,
}

impl ReactionSet {
    /// Groups `(emoji, user)` reactions (oldest first) by emoji, in order of
    /// each emoji's first use: the one shape of events and of `Message.reactions`.
    pub fn group(reactions: impl IntoIterator<Item = (String, PublicUser)>) -> Vec<ReactionSet> {
        let mut sets: Vec<ReactionSet> = Vec::new();
        for (emoji, user) in reactions {
            match sets.iter_mut().find(|s| s.emoji == emoji) {
                Some(set) => set.users.push(user),
                None => sets.push(ReactionSet { emoji, users: vec![user] }),
            }
        }
        sets
    }
}

impl EventPayload {
    /// The user whose membership this event changes, if any.
    pub fn membership_of(&self) -> Option<UserId> {
        match self {
            EventPayload::MemberJoined { user, .. } | EventPayload::MemberLeft { user } => Some(user.id),
            EventPayload::MessageCreated { .. }
            | EventPayload::MemberRoleChanged { .. }
            | EventPayload::ReadReceiptMoved { .. }
            | EventPayload::DeliveryMoved { .. }
            | EventPayload::MessageEdited { .. }
            | EventPayload::MessageDeleted { .. }
            | EventPayload::ReactionsChanged { .. }
            | EventPayload::MessagePinned { .. }
            | EventPayload::MessageUnpinned { .. }
            | EventPayload::ConversationUpdated { .. } => None,
        }
    }
}

/// An event read back from the log, shared (`Arc`) by every local subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// Log position (the cursor).
    pub pos: LogPos,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// What happened.
    pub payload: EventPayload,
}

impl LoggedEvent {
    /// Decodes a log row; `None` (logged) for a payload this build cannot read:
    /// an event kind it does not know, written by a newer build. Rows of
    /// every known kind decode whatever columns were added since (see [`dto`]).
    pub fn from_row(row: jeco_schema::log::EventRow) -> Option<Self> {
        let pos = row.pos();
        match serde_json::from_value(row.payload) {
            Ok(payload) => {
                Some(LoggedEvent { pos, conversation_id: row.conversation_id, at: row.created_at, payload })
            }
            Err(e) => {
                tracing::warn!(tx = pos.tx, id = pos.id, "skipping unreadable event: {e}");
                None
            }
        }
    }
}

/// Short-lived signals that are never stored (typing now, presence later):
/// fanned out to every instance once, lost if nobody listens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Ephemeral {
    /// Someone started or stopped typing.
    Typing {
        /// Conversation.
        conversation_id: ConversationId,
        /// Who.
        user: PublicUser,
        /// Started (true) or stopped (false).
        typing: bool,
    },
    /// A user came online (first connection) or went offline (last one closed).
    Presence {
        /// Who.
        user: PublicUser,
        /// Online now.
        online: bool,
    },
}
