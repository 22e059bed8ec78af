//! The row shapes events carry, versioned apart from the tables. Events live in
//! the log for good, so their JSON is a contract: a new column becomes a new
//! field with `#[serde(default)]` (old rows decode with the default), fields a
//! row no longer has are ignored, and a change old rows cannot satisfy gets a
//! `V2` shape next to this one. The conversions to and from `models` are the
//! one place a table change meets the events.

use chrono::{DateTime, Utc};
use jeco_schema::enums::{ConversationKind, Role, Visibility};
use jeco_schema::ids::{ConversationId, MessageId, UserId};
use jeco_schema::models;
use serde::{Deserialize, Serialize};

/// A message as events carry it (shape version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageV1 {
    /// Message id.
    pub id: MessageId,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Author.
    pub sender_id: UserId,
    /// Text (None once deleted).
    #[serde(default)]
    pub body: Option<String>,
    /// Sender-chosen idempotency key.
    pub client_id: String,
    /// Send time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// Deletion (tombstone).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Log position (transaction id) of the send.
    pub tx: i64,
    /// The message this one replies to (added after the first events).
    #[serde(default)]
    pub reply_to_id: Option<MessageId>,
    /// When it was pinned (added after the first events).
    #[serde(default)]
    pub pinned_at: Option<DateTime<Utc>>,
    /// Who pinned it (added after the first events).
    #[serde(default)]
    pub pinned_by: Option<UserId>,
}

impl From<&models::Message> for MessageV1 {
    fn from(m: &models::Message) -> Self {
        MessageV1 {
            id: m.id,
            conversation_id: m.conversation_id,
            sender_id: m.sender_id,
            body: m.body.clone(),
            client_id: m.client_id.clone(),
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
            tx: m.tx,
            reply_to_id: m.reply_to_id,
            pinned_at: m.pinned_at,
            pinned_by: m.pinned_by,
        }
    }
}

impl From<&MessageV1> for models::Message {
    fn from(m: &MessageV1) -> Self {
        models::Message {
            id: m.id,
            conversation_id: m.conversation_id,
            sender_id: m.sender_id,
            body: m.body.clone(),
            client_id: m.client_id.clone(),
            created_at: m.created_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
            tx: m.tx,
            reply_to_id: m.reply_to_id,
            pinned_at: m.pinned_at,
            pinned_by: m.pinned_by,
        }
    }
}

/// A membership as events carry it (shape version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberV1 {
    /// Conversation.
    pub conversation_id: ConversationId,
    /// User.
    pub user_id: UserId,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// Join time.
    pub joined_at: DateTime<Utc>,
}

impl From<&models::Member> for MemberV1 {
    fn from(m: &models::Member) -> Self {
        MemberV1 {
            conversation_id: m.conversation_id,
            user_id: m.user_id,
            role: m.role.as_str().into(),
            joined_at: m.joined_at,
        }
    }
}

impl From<&MemberV1> for models::Member {
    fn from(m: &MemberV1) -> Self {
        models::Member {
            conversation_id: m.conversation_id,
            user_id: m.user_id,
            // Unknown text reads as the least privileged role, as GraphQL always showed it.
            role: Role::parse(&m.role).unwrap_or(Role::Member),
            joined_at: m.joined_at,
        }
    }
}

/// A conversation as events carry it (shape version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationV1 {
    /// Conversation id.
    pub id: ConversationId,
    /// `room` or `direct`.
    pub kind: String,
    /// Room name (None for direct conversations).
    #[serde(default)]
    pub name: Option<String>,
    /// Room topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// `public` or `private`.
    pub visibility: String,
    /// Creator, if still registered.
    #[serde(default)]
    pub created_by: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the last message (or creation).
    pub last_activity_at: DateTime<Utc>,
    /// `<lo>:<hi>` user ids of a direct conversation.
    #[serde(default)]
    pub direct_key: Option<String>,
    /// Only owners and admins may pin (added after the first events).
    #[serde(default)]
    pub pins_admin_only: bool,
}

impl From<&models::Conversation> for ConversationV1 {
    fn from(c: &models::Conversation) -> Self {
        ConversationV1 {
            id: c.id,
            kind: c.kind.as_str().into(),
            name: c.name.clone(),
            topic: c.topic.clone(),
            visibility: c.visibility.as_str().into(),
            created_by: c.created_by,
            created_at: c.created_at,
            last_activity_at: c.last_activity_at,
            direct_key: c.direct_key.clone(),
            pins_admin_only: c.pins_admin_only,
        }
    }
}

impl From<&ConversationV1> for models::Conversation {
    fn from(c: &ConversationV1) -> Self {
        models::Conversation {
            id: c.id,
            // Unknown text reads as GraphQL always showed it: a private room.
            kind: ConversationKind::parse(&c.kind).unwrap_or(ConversationKind::Room),
            name: c.name.clone(),
            topic: c.topic.clone(),
            visibility: Visibility::parse(&c.visibility).unwrap_or(Visibility::Private),
            created_by: c.created_by,
            created_at: c.created_at,
            last_activity_at: c.last_activity_at,
            direct_key: c.direct_key.clone(),
            pins_admin_only: c.pins_admin_only,
        }
    }
}
