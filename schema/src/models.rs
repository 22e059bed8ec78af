//! Row structs (`Queryable`/`Selectable`) and insert structs (`NewX`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ConversationKind, NotificationKind, Role, Visibility};
use crate::ids::{AccessTokenId, AttachmentId, ConversationId, MessageId, NotificationId, SessionId, UserId};
use crate::schema::{conversations, members, messages, notifications, read_positions, sessions, users};

/// A user account row.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    /// Primary key.
    pub id: UserId,
    /// Unique (case-insensitively) handle.
    pub username: String,
    /// Unique (case-insensitively) email; never shown to other users.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// PHC-format argon2id hash.
    pub password_hash: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
    /// Free-text profile "about".
    pub bio: Option<String>,
    /// Set when the account was deleted (the row stays, anonymised).
    pub deleted_at: Option<DateTime<Utc>>,
    /// The profile picture (an avatar upload), if any.
    pub avatar_id: Option<AttachmentId>,
}

/// A new user row.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// Handle.
    pub username: &'a str,
    /// Email.
    pub email: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// argon2id hash.
    pub password_hash: &'a str,
}

/// A login session (one per device), the anchor of refresh-token rotation.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    /// Primary key (in access JWTs; never in refresh tokens).
    pub id: SessionId,
    /// Owner.
    pub user_id: UserId,
    /// SHA-256 of the current refresh secret.
    pub secret_hash: Vec<u8>,
    /// How many times the token was rotated.
    pub generation: i32,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last refresh.
    pub last_used_at: DateTime<Utc>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    /// Set by logout or by refresh-token reuse.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Random public half of the refresh token (`<handle>.<secret>`).
    pub handle: String,
    /// SHA-256 of the secret the last rotation replaced: presenting it again
    /// is reuse of a stolen token.
    pub previous_secret_hash: Option<Vec<u8>>,
}

/// A new session row.
#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession {
    /// Owner.
    pub user_id: UserId,
    /// SHA-256 of the refresh secret.
    pub secret_hash: Vec<u8>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    /// Random public half of the refresh token.
    pub handle: String,
}

/// A room or direct conversation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct Conversation {
    /// Primary key.
    pub id: ConversationId,
    /// Room or direct.
    pub kind: ConversationKind,
    /// Room name (None for direct conversations).
    pub name: Option<String>,
    /// Room topic.
    pub topic: Option<String>,
    /// Who may find and join it.
    pub visibility: Visibility,
    /// Creator, if still registered.
    pub created_by: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the last message (or creation).
    pub last_activity_at: DateTime<Utc>,
    /// `<lo>:<hi>` user ids of a direct conversation.
    pub direct_key: Option<String>,
    /// Only owners and admins may pin (rooms).
    #[serde(default)]
    pub pins_admin_only: bool,
}

/// A new conversation row.
#[derive(Debug, Insertable)]
#[diesel(table_name = conversations)]
pub struct NewConversation<'a> {
    /// Room or direct.
    pub kind: ConversationKind,
    /// Room name.
    pub name: Option<&'a str>,
    /// Room topic.
    pub topic: Option<&'a str>,
    /// Who may find and join it.
    pub visibility: Visibility,
    /// Creator.
    pub created_by: Option<UserId>,
    /// Pair key of a direct conversation.
    pub direct_key: Option<&'a str>,
}

/// A membership row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = members, check_for_backend(diesel::pg::Pg))]
pub struct Member {
    /// Conversation.
    pub conversation_id: ConversationId,
    /// User.
    pub user_id: UserId,
    /// Owner, admin or member.
    pub role: Role,
    /// Join time.
    pub joined_at: DateTime<Utc>,
}

/// A chat message row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Message {
    /// Primary key.
    pub id: MessageId,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Author.
    pub sender_id: UserId,
    /// Text (None once deleted).
    pub body: Option<String>,
    /// Sender-chosen idempotency key.
    pub client_id: String,
    /// Send time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deletion (tombstone).
    pub deleted_at: Option<DateTime<Utc>>,
    /// Log position (transaction id), the timeline order with `id`.
    pub tx: i64,
    /// The message this one replies to.
    #[serde(default)]
    pub reply_to_id: Option<MessageId>,
    /// When it was pinned (None: not pinned).
    #[serde(default)]
    pub pinned_at: Option<DateTime<Utc>>,
    /// Who pinned it.
    #[serde(default)]
    pub pinned_by: Option<UserId>,
}

/// A new message row.
#[derive(Debug, Insertable)]
#[diesel(table_name = messages)]
pub struct NewMessage<'a> {
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Author.
    pub sender_id: UserId,
    /// Text.
    pub body: &'a str,
    /// Idempotency key.
    pub client_id: &'a str,
    /// Replied-to message.
    pub reply_to_id: Option<MessageId>,
}

/// How far a member has read.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = read_positions, check_for_backend(diesel::pg::Pg))]
pub struct ReadPosition {
    /// Conversation.
    pub conversation_id: ConversationId,
    /// Reader.
    pub user_id: UserId,
    /// The newest message read.
    pub message_id: MessageId,
    /// That message's log position.
    pub tx: i64,
    /// When it moved.
    pub updated_at: DateTime<Utc>,
}

/// A notification for one user.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = notifications, check_for_backend(diesel::pg::Pg))]
pub struct Notification {
    /// Primary key.
    pub id: NotificationId,
    /// Log position (transaction id).
    pub tx: i64,
    /// Recipient.
    pub user_id: UserId,
    /// Why it was created.
    pub kind: NotificationKind,
    /// Conversation.
    pub conversation_id: ConversationId,
    /// The message that caused it.
    pub message_id: MessageId,
    /// Who caused it.
    pub actor_id: UserId,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the recipient marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

/// A personal access token (integrations); the secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = crate::schema::access_tokens, check_for_backend(diesel::pg::Pg))]
pub struct AccessToken {
    /// Primary key (the public part of the token).
    pub id: AccessTokenId,
    /// Owner.
    pub user_id: UserId,
    /// Label chosen by the owner.
    pub name: String,
    /// SHA-256 of the secret.
    pub secret_hash: Vec<u8>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last authenticated use (coarse: updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Set when revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}
