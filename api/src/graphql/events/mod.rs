//! Conversation events: the event union, each event's object, and the
//! `conversationEvents` subscription with its `eventCursor` starting point.

pub mod shared;
mod subscription;

use std::sync::Arc;

use async_graphql::{Object, SimpleObject, Union, ID};
use chrono::{DateTime, Utc};

pub use subscription::{EventQuery, EventSubscription};

use super::conversations::{ConversationNode, MemberNode};
use super::cursor::Cursor;
use super::messages::{MessageNode, ReactionGroupNode};
use super::users::UserNode;
use crate::events::{EventPayload, LoggedEvent};
use crate::ids;

/// A message was sent.
#[derive(SimpleObject)]
pub struct MessageCreated {
    /// The message.
    pub message: MessageNode,
}

/// Someone joined.
#[derive(SimpleObject)]
pub struct MemberJoined {
    /// The membership.
    pub member: MemberNode,
}

/// A member's role changed.
#[derive(SimpleObject)]
pub struct MemberRoleChanged {
    /// The membership, with the new role.
    pub member: MemberNode,
}

/// Someone left.
#[derive(SimpleObject)]
pub struct MemberLeft {
    /// The former member.
    pub user: UserNode,
}

/// A member read up to a message.
#[derive(SimpleObject)]
pub struct ReadReceiptMoved {
    /// The reader.
    pub user: UserNode,
    /// The newest message they have read.
    pub message_id: ID,
}

/// Messages up to one reached a member (direct conversations).
#[derive(SimpleObject)]
pub struct DeliveryMoved {
    /// The recipient.
    pub user: UserNode,
    /// The newest message delivered to them.
    pub message_id: ID,
}

/// A message's text was edited.
#[derive(SimpleObject)]
pub struct MessageEdited {
    /// The message as edited.
    pub message: MessageNode,
}

/// A message was deleted.
#[derive(SimpleObject)]
pub struct MessageDeleted {
    /// The tombstone (no body).
    pub message: MessageNode,
}

/// A message's reactions changed.
#[derive(SimpleObject)]
pub struct ReactionsChanged {
    /// The message.
    pub message_id: ID,
    /// All its reactions now.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    pub reactions: Vec<ReactionGroupNode>,
}

/// A message was pinned.
#[derive(SimpleObject)]
pub struct MessagePinned {
    /// The message.
    pub message: MessageNode,
    /// Who pinned it.
    pub by: UserNode,
}

/// A message was unpinned.
#[derive(SimpleObject)]
pub struct MessageUnpinned {
    /// The message.
    pub message: MessageNode,
    /// Who unpinned it.
    pub by: UserNode,
}

/// A room's name, topic or settings changed.
#[derive(SimpleObject)]
pub struct ConversationUpdated {
    /// The conversation as it is now.
    pub conversation: ConversationNode,
}

/// What happened.
#[derive(Union)]
pub enum ConversationEventPayload {
    /// A message was sent.
    MessageCreated(MessageCreated),
    /// Someone joined.
    MemberJoined(MemberJoined),
    /// Someone left.
    MemberLeft(MemberLeft),
    /// A member's role changed.
    MemberRoleChanged(MemberRoleChanged),
    /// A member read up to a message.
    ReadReceiptMoved(ReadReceiptMoved),
    /// Messages up to one reached a member.
    DeliveryMoved(DeliveryMoved),
    /// A message was edited.
    MessageEdited(MessageEdited),
    /// A message was deleted.
    MessageDeleted(MessageDeleted),
    /// Reactions changed.
    ReactionsChanged(ReactionsChanged),
    /// A message was pinned.
    MessagePinned(MessagePinned),
    /// A message was unpinned.
    MessageUnpinned(MessageUnpinned),
    /// The room changed.
    ConversationUpdated(ConversationUpdated),
}

/// One event of a conversation, with its resumable cursor.
pub struct ConversationEventNode(pub Arc<LoggedEvent>);

#[Object(name = "ConversationEvent")]
impl ConversationEventNode {
    /// Opaque; pass as `after` to resume right after this event.
    async fn cursor(&self) -> String {
        Cursor::Log(self.0.pos).encode()
    }
    /// Global id of the conversation.
    async fn conversation_id(&self) -> ID {
        ids::encode(self.0.conversation_id)
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// What happened.
    async fn payload(&self) -> ConversationEventPayload {
        match &self.0.payload {
            EventPayload::MessageCreated { message, sender } => {
                ConversationEventPayload::MessageCreated(MessageCreated {
                    message: MessageNode { row: message.into(), sender: Some(sender.clone()) },
                })
            }
            EventPayload::MemberJoined { member, user } => {
                ConversationEventPayload::MemberJoined(MemberJoined {
                    member: MemberNode { member: member.into(), user: Some(user.clone()) },
                })
            }
            EventPayload::MemberRoleChanged { member, user } => {
                ConversationEventPayload::MemberRoleChanged(MemberRoleChanged {
                    member: MemberNode { member: member.into(), user: Some(user.clone()) },
                })
            }
            EventPayload::DeliveryMoved { user, message_id } => {
                ConversationEventPayload::DeliveryMoved(DeliveryMoved {
                    user: UserNode { user: user.clone(), email: None },
                    message_id: ids::encode(*message_id),
                })
            }
            EventPayload::ReadReceiptMoved { user, message_id } => {
                ConversationEventPayload::ReadReceiptMoved(ReadReceiptMoved {
                    user: UserNode { user: user.clone(), email: None },
                    message_id: ids::encode(*message_id),
                })
            }
            EventPayload::MemberLeft { user } => ConversationEventPayload::MemberLeft(MemberLeft {
                user: UserNode { user: user.clone(), email: None },
            }),
            EventPayload::MessageEdited { message } => {
                ConversationEventPayload::MessageEdited(MessageEdited {
                    message: MessageNode { row: message.into(), sender: None },
                })
            }
            EventPayload::MessageDeleted { message } => {
                ConversationEventPayload::MessageDeleted(MessageDeleted {
                    message: MessageNode { row: message.into(), sender: None },
                })
            }
            EventPayload::ReactionsChanged { message_id, reactions } => {
                ConversationEventPayload::ReactionsChanged(ReactionsChanged {
                    message_id: ids::encode(*message_id),
                    reactions: reactions.iter().map(ReactionGroupNode::from).collect(),
                })
            }
            EventPayload::MessagePinned { message, by } => {
                ConversationEventPayload::MessagePinned(MessagePinned {
                    message: MessageNode { row: message.into(), sender: None },
                    by: UserNode { user: by.clone(), email: None },
                })
            }
            EventPayload::MessageUnpinned { message, by } => {
                ConversationEventPayload::MessageUnpinned(MessageUnpinned {
                    message: MessageNode { row: message.into(), sender: None },
                    by: UserNode { user: by.clone(), email: None },
                })
            }
            EventPayload::ConversationUpdated { conversation } => {
                ConversationEventPayload::ConversationUpdated(ConversationUpdated {
                    conversation: ConversationNode(conversation.into()),
                })
            }
        }
    }
}
