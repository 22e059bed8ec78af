//! The GraphQL object types: thin wrappers over rows and event snapshots.

use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Interface, Object, SimpleObject, Union, ID};
use chrono::{DateTime, Utc};
use jeco_schema as db;
use jeco_schema::models;
use jeco_schema::paging::Direction;

use super::connection::{forward, page_args};
use super::loaders::{
    Batch, ConversationLoader, DeliveredPositionsLoader, LastMessageLoader, MemberCountLoader, MessageLoader,
    PeerLoader, PinnedLoader, ReactionsLoader, ReadPositionsLoader, RelationLoader, RoleLoader, UnreadLoader,
    UserLoader,
};
use super::{state, viewer};
use crate::error::{bad_request, internal};
use crate::events::{EventPayload, LoggedEvent, PublicUser, ReactionSet};
use crate::ids::{self, Kind};

/// A registered user.
pub struct UserNode {
    /// Public fields.
    pub user: PublicUser,
    /// Only filled in for the user themself.
    pub email: Option<String>,
}

#[Object(name = "User")]
impl UserNode {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::User, self.user.id)
    }
    /// Unique handle.
    async fn username(&self) -> &str {
        &self.user.username
    }
    /// Name shown in the UI.
    async fn display_name(&self) -> &str {
        &self.user.display_name
    }
    /// Only visible to the user themself; null for everyone else.
    async fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    /// Registration time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.user.created_at
    }
    /// Free-text "about me" (null when empty).
    async fn bio(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        // Users embedded in events carry no bio; load the current one.
        let user = ctx.data_unchecked::<Batch<UserLoader>>().load_one(self.user.id).await?;
        Ok(user.and_then(|u| u.bio))
    }
    /// Whether the viewer has this user in their contacts.
    async fn is_contact(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(relation(ctx, self.user.id).await?.0)
    }
    /// Whether the viewer blocked this user.
    async fn is_blocked(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(relation(ctx, self.user.id).await?.1)
    }
}

async fn relation(ctx: &Context<'_>, user_id: i64) -> async_graphql::Result<(bool, bool)> {
    match ctx.data_opt::<Batch<RelationLoader>>() {
        Some(loader) => Ok(loader.load_one(user_id).await?.unwrap_or((false, false))),
        None => Ok((false, false)),
    }
}

/// Loads a user's public fields (batched).
pub async fn load_user(ctx: &Context<'_>, id: i64) -> async_graphql::Result<UserNode> {
    let user = ctx
        .data_unchecked::<Batch<UserLoader>>()
        .load_one(id)
        .await?
        .ok_or_else(|| internal(format!("user {id} missing")))?;
    Ok(UserNode { user, email: None })
}

/// Room or direct conversation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jeco_schema::enums::ConversationKind")]
pub enum ConversationKind {
    /// A named room.
    Room,
    /// Between two users.
    Direct,
}

/// Who may find and join a room.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jeco_schema::enums::Visibility")]
pub enum Visibility {
    /// Anyone.
    Public,
    /// Invited users only.
    Private,
}

/// A member's role.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jeco_schema::enums::Role")]
pub enum MemberRole {
    /// Created the room (or inherited it).
    Owner,
    /// Moderates.
    Admin,
    /// Takes part.
    Member,
}

/// A membership.
pub struct MemberNode {
    /// The row.
    pub member: models::Member,
    /// The user, when already known (events carry it).
    pub user: Option<PublicUser>,
}

#[Object(name = "Member")]
impl MemberNode {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<UserNode> {
        match &self.user {
            Some(u) => Ok(UserNode { user: u.clone(), email: None }),
            None => load_user(ctx, self.member.user_id).await,
        }
    }
    /// Role.
    async fn role(&self) -> MemberRole {
        self.member.role.into()
    }
    /// Join time.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.member.joined_at
    }
}

/// A room or a direct conversation the viewer may see.
pub struct ConversationNode(pub models::Conversation);

async fn viewer_role(ctx: &Context<'_>, conversation_id: i64) -> async_graphql::Result<Option<MemberRole>> {
    match ctx.data_opt::<Batch<RoleLoader>>() {
        Some(loader) => Ok(loader.load_one(conversation_id).await?.map(MemberRole::from)),
        None => Ok(None),
    }
}

#[Object(name = "Conversation")]
impl ConversationNode {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Conversation, self.0.id)
    }
    /// ROOM or DIRECT.
    async fn kind(&self) -> ConversationKind {
        self.0.kind.into()
    }
    /// Room name.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Room topic.
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// PUBLIC or PRIVATE.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Time of the newest message (or creation).
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.0.last_activity_at
    }
    /// Number of members.
    async fn member_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(ctx.data_unchecked::<Batch<MemberCountLoader>>().load_one(self.0.id).await?.unwrap_or(0))
    }
    /// Members, in join order.
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, MemberNode>> {
        let page = forward(first, after)?;
        let key = match page.cursor.as_deref() {
            Some(c) => Some(ids::parse_time_cursor("u", c).ok_or_else(|| bad_request("invalid cursor"))?),
            None => None,
        };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let mut rows =
            db::members::members_of(&mut c, self.0.id, key, page.limit + 1).await.map_err(internal)?;
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let mut conn = Connection::new(key.is_some(), more);
        conn.edges.extend(rows.into_iter().map(|m| {
            Edge::new(ids::time_cursor("u", m.joined_at, m.user_id), MemberNode { member: m, user: None })
        }));
        Ok(conn)
    }
    /// Messages in the server's order (oldest first). Page backwards from the
    /// newest with `last`/`before`. Members only.
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<MessageConnection> {
        let page = page_args(first, after, last, before)?;
        if viewer_role(ctx, self.0.id).await?.is_none() {
            return Err(async_graphql::Error::new("join the conversation to read its messages"));
        }
        let key = match page.cursor.as_deref() {
            Some(c) => Some(ids::parse_message_cursor(c).ok_or_else(|| bad_request("invalid cursor"))?),
            None => None,
        };
        let direction = if page.backward { Direction::Backward } else { Direction::Forward };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let mut rows = db::messages::timeline(&mut c, self.0.id, key, direction, page.limit + 1)
            .await
            .map_err(internal)?;
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let mut conn = if page.backward {
            rows.reverse();
            Connection::new(more, key.is_some())
        } else {
            Connection::new(key.is_some(), more)
        };
        conn.edges.extend(rows.into_iter().map(|(m, sender)| {
            Edge::with_additional_fields(
                ids::message_cursor(m.tx, m.id),
                MessageNode { row: m, sender: Some(PublicUser::from(&sender)) },
                SearchMatch::default(),
            )
        }));
        Ok(conn)
    }
    /// The newest message (members only; null otherwise).
    async fn last_message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageNode>> {
        if viewer_role(ctx, self.0.id).await?.is_none() {
            return Ok(None);
        }
        let last = ctx.data_unchecked::<Batch<LastMessageLoader>>().load_one(self.0.id).await?;
        Ok(last.map(|row| MessageNode { row, sender: None }))
    }
    /// Pinned messages, newest pin first (members only; empty otherwise).
    async fn pinned_messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MessageNode>> {
        if viewer_role(ctx, self.0.id).await?.is_none() {
            return Ok(Vec::new());
        }
        let pinned =
            ctx.data_unchecked::<Batch<PinnedLoader>>().load_one(self.0.id).await?.unwrap_or_default();
        Ok(pinned.into_iter().map(|row| MessageNode { row, sender: None }).collect())
    }
    /// Rooms: only owners and admins may pin.
    async fn pins_admin_only(&self) -> bool {
        self.0.pins_admin_only
    }
    /// The viewer's role; null when not a member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MemberRole>> {
        viewer_role(ctx, self.0.id).await
    }
    /// Messages from others the viewer has not read yet (0 for non-members).
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        match ctx.data_opt::<Batch<UnreadLoader>>() {
            Some(loader) => Ok(loader.load_one(self.0.id).await?.unwrap_or(0)),
            None => Ok(0),
        }
    }
    /// In a direct conversation, the other person; null for rooms.
    async fn peer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        let Some(loader) = ctx.data_opt::<Batch<PeerLoader>>() else { return Ok(None) };
        if self.0.kind != db::enums::ConversationKind::Direct {
            return Ok(None);
        }
        match loader.load_one(self.0.id).await? {
            Some(id) => Ok(Some(load_user(ctx, id).await?)),
            None => Ok(None),
        }
    }
}

/// A half-open range `[start, end)` of characters (Unicode scalar values).
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct TextRange {
    /// First character.
    pub start: i32,
    /// One past the last character.
    pub end: i32,
}

/// Extra fields of a message edge, set only in search results.
#[derive(SimpleObject, Default)]
pub struct SearchMatch {
    /// Search only: an excerpt of the body around the first match.
    pub snippet: Option<String>,
    /// Search only: where the matches are in `snippet`.
    pub highlights: Option<Vec<TextRange>>,
}

/// A page of messages (timeline or search results).
pub type MessageConnection =
    Connection<String, MessageNode, async_graphql::connection::EmptyFields, SearchMatch>;

/// The people who reacted to a message with one emoji.
pub struct ReactionGroupNode {
    /// The emoji.
    pub emoji: String,
    /// Who reacted, in order.
    pub users: Vec<PublicUser>,
}

#[Object(name = "ReactionGroup")]
impl ReactionGroupNode {
    /// The emoji.
    async fn emoji(&self) -> &str {
        &self.emoji
    }
    /// How many people reacted with it.
    async fn count(&self) -> i32 {
        i32::try_from(self.users.len()).unwrap_or(i32::MAX)
    }
    /// Whether the viewer is one of them.
    async fn reacted_by_viewer(&self, ctx: &Context<'_>) -> bool {
        viewer_id(ctx).is_some_and(|v| self.users.iter().any(|u| u.id == v))
    }
    /// Who reacted, in order of reacting.
    async fn users(&self) -> Vec<UserNode> {
        self.users.iter().map(|u| UserNode { user: u.clone(), email: None }).collect()
    }
}

impl From<&ReactionSet> for ReactionGroupNode {
    fn from(set: &ReactionSet) -> Self {
        ReactionGroupNode { emoji: set.emoji.clone(), users: set.users.clone() }
    }
}

/// A chat message.
pub struct MessageNode {
    /// The row.
    pub row: models::Message,
    /// The sender, when already known (events carry it).
    pub sender: Option<PublicUser>,
}

#[Object(name = "Message")]
impl MessageNode {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Message, self.row.id)
    }
    /// Global id of the conversation.
    async fn conversation_id(&self) -> ID {
        ids::encode(Kind::Conversation, self.row.conversation_id)
    }
    /// The conversation.
    async fn conversation(&self, ctx: &Context<'_>) -> async_graphql::Result<ConversationNode> {
        let conv = ctx
            .data_unchecked::<Batch<ConversationLoader>>()
            .load_one(self.row.conversation_id)
            .await?
            .ok_or_else(|| internal("conversation of a message missing"))?;
        Ok(ConversationNode(conv))
    }
    /// Author.
    async fn sender(&self, ctx: &Context<'_>) -> async_graphql::Result<UserNode> {
        match &self.sender {
            Some(u) => Ok(UserNode { user: u.clone(), email: None }),
            None => load_user(ctx, self.row.sender_id).await,
        }
    }
    /// Text; null once deleted.
    async fn body(&self) -> Option<&str> {
        self.row.body.as_deref()
    }
    /// The sender's idempotency key.
    async fn client_id(&self) -> &str {
        &self.row.client_id
    }
    /// Send time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// Last edit.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.row.edited_at
    }
    /// Deletion time (the message is a tombstone).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.row.deleted_at
    }
    /// Global id of the message this one replies to.
    async fn reply_to_id(&self) -> Option<ID> {
        self.row.reply_to_id.map(|id| ids::encode(Kind::Message, id))
    }
    /// The message this one replies to (possibly a tombstone).
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageNode>> {
        let Some(id) = self.row.reply_to_id else { return Ok(None) };
        let row = ctx.data_unchecked::<Batch<MessageLoader>>().load_one(id).await?;
        Ok(row
            .filter(|m| m.conversation_id == self.row.conversation_id)
            .map(|row| MessageNode { row, sender: None }))
    }
    /// Reactions grouped by emoji, in order of each emoji's first use.
    async fn reactions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReactionGroupNode>> {
        let rows =
            ctx.data_unchecked::<Batch<ReactionsLoader>>().load_one(self.row.id).await?.unwrap_or_default();
        let mut ids: Vec<i64> = rows.iter().map(|(_, u)| *u).collect();
        ids.sort_unstable();
        ids.dedup();
        let users = ctx.data_unchecked::<Batch<UserLoader>>().load_many(ids).await?;
        let sets = ReactionSet::group(
            rows.into_iter().filter_map(|(emoji, user_id)| users.get(&user_id).cloned().map(|u| (emoji, u))),
        );
        Ok(sets.iter().map(ReactionGroupNode::from).collect())
    }
    /// Whether the message is pinned.
    async fn pinned(&self) -> bool {
        self.row.pinned_at.is_some()
    }
    /// When it was pinned.
    async fn pinned_at(&self) -> Option<DateTime<Utc>> {
        self.row.pinned_at
    }
    /// Who pinned it.
    async fn pinned_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        match self.row.pinned_by.filter(|_| self.row.pinned_at.is_some()) {
            Some(id) => Ok(Some(load_user(ctx, id).await?)),
            None => Ok(None),
        }
    }
    /// `@username` mentions in the text, lower-cased, in order.
    async fn mentions(&self) -> Vec<String> {
        crate::services::notifications::mentions(self.row.body.as_deref().unwrap_or(""))
            .into_iter()
            .map(|m| m.to_lowercase())
            .collect()
    }
    /// Members (other than the sender) whose connections received this message
    /// (reading implies receiving).
    async fn delivered_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserNode>> {
        let conv = self.row.conversation_id;
        let at = (self.row.tx, self.row.id);
        let delivered =
            ctx.data_unchecked::<Batch<DeliveredPositionsLoader>>().load_one(conv).await?.unwrap_or_default();
        let read =
            ctx.data_unchecked::<Batch<ReadPositionsLoader>>().load_one(conv).await?.unwrap_or_default();
        let mut ids: Vec<i64> = delivered
            .iter()
            .filter(|(user, message_id, tx)| *user != self.row.sender_id && (*tx, *message_id) >= at)
            .map(|(user, _, _)| *user)
            .chain(
                read.iter()
                    .filter(|(p, _)| p.user_id != self.row.sender_id && (p.tx, p.message_id) >= at)
                    .map(|(p, _)| p.user_id),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let users = ctx.data_unchecked::<Batch<UserLoader>>().load_many(ids.iter().copied()).await?;
        Ok(ids
            .iter()
            .filter_map(|id| users.get(id))
            .map(|u| UserNode { user: u.clone(), email: None })
            .collect())
    }
    /// Members (other than the sender) who have read this message.
    async fn seen_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserNode>> {
        let positions = ctx
            .data_unchecked::<Batch<ReadPositionsLoader>>()
            .load_one(self.row.conversation_id)
            .await?
            .unwrap_or_default();
        Ok(positions
            .into_iter()
            .filter(|(p, _)| {
                p.user_id != self.row.sender_id && (p.tx, p.message_id) >= (self.row.tx, self.row.id)
            })
            .map(|(_, user)| UserNode { user, email: None })
            .collect())
    }
}

/// A personal access token (never its secret).
pub struct AccessTokenNode(pub models::AccessToken);

#[Object(name = "AccessToken")]
impl AccessTokenNode {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::AccessToken, self.0.id)
    }
    /// What it is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last use (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// Expiry; null for none.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
}

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    /// A user.
    User(UserNode),
    /// A conversation.
    Conversation(ConversationNode),
    /// A message.
    Message(MessageNode),
    /// A personal access token (its owner only).
    AccessToken(AccessTokenNode),
}

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
        ids::log_cursor(self.0.pos)
    }
    /// Global id of the conversation.
    async fn conversation_id(&self) -> ID {
        ids::encode(Kind::Conversation, self.0.conversation_id)
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
                    message_id: ids::encode(Kind::Message, *message_id),
                })
            }
            EventPayload::ReadReceiptMoved { user, message_id } => {
                ConversationEventPayload::ReadReceiptMoved(ReadReceiptMoved {
                    user: UserNode { user: user.clone(), email: None },
                    message_id: ids::encode(Kind::Message, *message_id),
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
                    message_id: ids::encode(Kind::Message, *message_id),
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

/// The viewer's user id or None, for resolvers that allow anonymous callers.
pub fn viewer_id(ctx: &Context<'_>) -> Option<i64> {
    viewer(ctx).map(|v| v.user_id)
}
