//! Plain domain types the UI renders, independent of the generated GraphQL types
//! (those are converted in `api::convert`), so the store can be tested natively.

pub use super::media::{Attachment, AttachmentKind};

/// A user as shown next to a message or in a member list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRef {
    /// Global id.
    pub id: String,
    /// Unique login name.
    pub username: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Signed avatar URL where the answer asked for one (expires after minutes).
    pub avatar_url: Option<String>,
}

/// Where a message is in its round trip to the server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Committed by the server (it has an id).
    #[default]
    Confirmed,
    /// Sent optimistically, no answer yet.
    Pending,
    /// The send failed; the text says why. Retrying reuses the same client id.
    Failed(String),
}

/// One emoji's reactions on a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionGroup {
    /// The emoji.
    pub emoji: String,
    /// How many users reacted with it.
    pub count: i64,
    /// Whether the viewer is one of them.
    pub reacted_by_viewer: bool,
    /// Who reacted.
    pub users: Vec<UserRef>,
}

/// The original a reply quotes, as far as the quote needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyPreview {
    /// Global id of the original.
    pub id: String,
    /// Its author.
    pub sender: UserRef,
    /// Its text; `None` once deleted.
    pub body: Option<String>,
}

/// One chat message, confirmed or still local.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// Global id; `None` until the server confirmed the message.
    pub id: Option<String>,
    /// Client-chosen idempotency key, shared by the pending and the confirmed copy.
    pub client_id: String,
    /// Global id of the conversation.
    pub conversation_id: String,
    /// Author.
    pub sender: UserRef,
    /// Text; `None` for a deleted message.
    pub body: Option<String>,
    /// RFC 3339 timestamp (local clock for pending messages).
    pub created_at: String,
    /// Round-trip state.
    pub delivery: Delivery,
    /// False while the message is known only from our own mutation's answer and not
    /// yet from the event stream, whose order is the server's order.
    pub settled: bool,
    /// Members other than the sender who have read it.
    pub seen_by: Vec<UserRef>,
    /// Members other than the sender whose connections received it (reading implies
    /// receiving, though `seen_by` alone already means delivered).
    pub delivered_to: Vec<UserRef>,
    /// RFC 3339 time of the last edit.
    pub edited_at: Option<String>,
    /// RFC 3339 deletion time: the message is a tombstone.
    pub deleted_at: Option<String>,
    /// The quoted original when this is a reply.
    pub reply_to: Option<ReplyPreview>,
    /// Reaction groups, in order of first reaction.
    pub reactions: Vec<ReactionGroup>,
    /// Whether it is pinned.
    pub pinned: bool,
    /// Lower-case usernames the server recognised as mentions.
    pub mentions: Vec<String>,
    /// Attached files (for a pending send: what the uploads answered, local previews).
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// Whether the message was deleted (a tombstone).
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Stable key for rendering: the server id once known, else the client id.
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => format!("local:{}", self.client_id),
        }
    }

    /// Receipt state for the author: seen by someone, else delivered to someone, else sent.
    pub fn receipt(&self) -> Receipt {
        if !self.seen_by.is_empty() {
            Receipt::Seen
        } else if !self.delivered_to.is_empty() {
            Receipt::Delivered
        } else {
            Receipt::Sent
        }
    }

    /// Read-receipt line for the author: "Sent", "Delivered", "Seen by Ann" (one
    /// reader) or "Seen by 5" (the names are in the receipt's popover).
    pub fn receipt_label(&self) -> String {
        match self.seen_by.as_slice() {
            [] if !self.delivered_to.is_empty() => "Delivered".to_owned(),
            [] => "Sent".to_owned(),
            [one] => format!("Seen by {}", one.display_name),
            many => format!("Seen by {}", many.len()),
        }
    }

    /// Whether `other` is the same message sent by the same author (same client id).
    pub fn same_send(&self, other: &Message) -> bool {
        self.client_id == other.client_id && self.sender.id == other.sender.id
    }
}

/// Receipt state of the viewer's own confirmed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Stored by the server.
    Sent,
    /// Reached a connection of another member.
    Delivered,
    /// Read by another member.
    Seen,
}

impl Receipt {
    /// Value of the `data-receipt` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Receipt::Sent => "sent",
            Receipt::Delivered => "delivered",
            Receipt::Seen => "seen",
        }
    }
}

/// Room or direct conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationKind {
    /// A named room.
    Room,
    /// A conversation between two users.
    Direct,
}

/// Header data of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationMeta {
    /// Global id.
    pub id: String,
    /// Room or direct.
    pub kind: ConversationKind,
    /// Room name (None for direct conversations).
    pub name: Option<String>,
    /// Room topic.
    pub topic: Option<String>,
    /// Number of members.
    pub member_count: i64,
    /// RFC 3339 time of the last activity.
    pub last_activity_at: String,
    /// Whether the viewer belongs to it.
    pub is_member: bool,
    /// The viewer's role, when a member.
    pub viewer_role: Option<Role>,
    /// In a direct conversation, the other person.
    pub peer: Option<UserRef>,
    /// Messages from others the viewer has not read (server value when fetched).
    pub unread_count: i64,
    /// Rooms: only owners and admins may pin.
    pub pins_admin_only: bool,
}

/// A member's role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Created the room.
    Owner,
    /// Moderates.
    Admin,
    /// Takes part.
    Member,
}

impl Role {
    /// Label shown in member lists.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Whether someone with this role may remove a member with role `other`.
    pub fn can_remove(self, other: Role) -> bool {
        match self {
            Role::Owner => other != Role::Owner,
            Role::Admin => other == Role::Member,
            Role::Member => false,
        }
    }
}

impl ConversationMeta {
    /// Whether the viewer may moderate (delete others' messages): room owners and admins.
    pub fn viewer_moderates(&self) -> bool {
        self.kind == ConversationKind::Room && matches!(self.viewer_role, Some(Role::Owner | Role::Admin))
    }

    /// Whether the viewer may pin and unpin messages here.
    pub fn viewer_may_pin(&self) -> bool {
        self.is_member
            && (!self.pins_admin_only || self.kind == ConversationKind::Direct || self.viewer_moderates())
    }

    /// The name to show for this conversation.
    pub fn title(&self) -> String {
        if let (ConversationKind::Direct, Some(peer)) = (self.kind, &self.peer) {
            return peer.display_name.clone();
        }
        match (&self.name, self.kind) {
            (Some(name), _) if !name.is_empty() => name.clone(),
            (_, ConversationKind::Direct) => "Direct conversation".to_owned(),
            _ => "Untitled room".to_owned(),
        }
    }
}

/// One entry of the viewer's conversation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    /// Header data.
    pub meta: ConversationMeta,
    /// Most recent message, for the preview line.
    pub last_message: Option<Message>,
    /// Messages from others not read yet (badge).
    pub unread: i64,
}

/// A page of history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryPage {
    /// Messages, oldest first.
    pub messages: Vec<Message>,
    /// Whether older messages exist.
    pub has_older: bool,
    /// Cursor to pass as `before` for the next older page.
    pub start_cursor: Option<String>,
    /// The conversation's pinned messages, newest pin first.
    pub pinned: Vec<Message>,
}

/// What happened in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPayload {
    /// A new message was committed.
    MessageCreated(Message),
    /// Someone joined.
    MemberJoined(UserRef),
    /// Someone left.
    MemberLeft(UserRef),
    /// A member read up to a message (and so every message before it).
    ReadReceiptMoved {
        /// The reader.
        user: UserRef,
        /// The newest message they have read.
        message_id: String,
    },
    /// A member received every message up to one (direct conversations only).
    DeliveryMoved {
        /// The recipient.
        user: UserRef,
        /// The newest message delivered to them.
        message_id: String,
    },
    /// A message's text changed (the message as it is now).
    MessageEdited(Message),
    /// A message was deleted (the tombstone).
    MessageDeleted(Message),
    /// A message's reactions changed.
    ReactionsChanged {
        /// The message.
        message_id: String,
        /// All its reaction groups now.
        reactions: Vec<ReactionGroup>,
    },
    /// A message was pinned.
    MessagePinned(Message),
    /// A message was unpinned.
    MessageUnpinned(Message),
    /// A conversation's name, topic or settings changed.
    ConversationUpdated(ConversationMeta),
    /// An event kind this app does not show yet (its cursor still counts).
    Other,
}

/// One entry of the viewer's event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEvent {
    /// Opaque resume cursor.
    pub cursor: String,
    /// Conversation the event belongs to.
    pub conversation_id: String,
    /// RFC 3339 time of the event.
    pub at: String,
    /// What happened.
    pub payload: EventPayload,
}

/// State of the live connection, as shown in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnectionState {
    /// Subscribed and receiving events.
    Online,
    /// Opening the socket or waiting for the server's ack.
    Connecting,
    /// Not connected (waiting to retry, or logged out).
    #[default]
    Offline,
}

impl ConnectionState {
    /// Value of the `data-state` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Online => "online",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Offline => "offline",
        }
    }
}
