//! Conversations: rooms and direct conversations, their members, the
//! conversation queries and the room mutations.

mod mutation;
mod query;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, ID};
use chrono::{DateTime, Utc};
use jeco_schema as db;
use jeco_schema::models;
use jeco_schema::paging::Direction;

pub use mutation::{ConversationMutation, ConversationPayload};
pub use query::ConversationQuery;

use super::cursor::Cursor;
use super::loaders::{
    Batch, LastMessageLoader, MemberCountLoader, PeerLoader, PinnedLoader, RoleLoader, UnreadLoader,
};
use super::messages::prefetch::{self, Wants};
use super::messages::{MessageConnection, MessageNode, SearchMatch};
use super::pagination::Page;
use super::state;
use super::users::{load_user, UserNode};
use crate::error::{bad_request, internal, top_level, ServiceError, TopLevelCode};
use crate::events::PublicUser;
use crate::ids;
use crate::services::access::access_conversation;
use jeco_schema::ids::{ConversationId, UserId};

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

/// Whether the viewer may see a conversation reached indirectly (through a
/// notification, say): the rule of `conversation(id:)` and `node(id:)`, i.e.
/// a public room, or a conversation the viewer is a member of now.
pub(crate) async fn may_see(ctx: &Context<'_>, conv: &models::Conversation) -> async_graphql::Result<bool> {
    let public =
        conv.kind == db::enums::ConversationKind::Room && conv.visibility == db::enums::Visibility::Public;
    Ok(public || viewer_role(ctx, conv.id).await?.is_some())
}

/// The viewer's role in a conversation; `None` when not a member (or anonymous).
pub(crate) async fn viewer_role(
    ctx: &Context<'_>,
    conversation_id: ConversationId,
) -> async_graphql::Result<Option<MemberRole>> {
    match crate::graphql::loaders::viewer_loader::<RoleLoader>(ctx) {
        Some(loader) => Ok(loader.load_one(conversation_id).await?.map(MemberRole::from)),
        None => Ok(None),
    }
}

#[Object(name = "Conversation")]
impl ConversationNode {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ids::encode(self.0.id)
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
    #[graphql(complexity = "crate::graphql::cost::page(first, None, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, MemberNode>> {
        let page = Page::forward(first, after, Cursor::joined)?;
        let key = page.key()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::members::members_of(&mut c, self.0.id, key, page.fetch()).await.map_err(internal)?;
        Ok(page.connection(rows, |m| {
            Edge::new(
                Cursor::Joined(m.joined_at, m.user_id.get()).encode(),
                MemberNode { member: m, user: None },
            )
        }))
    }
    /// Messages in the server's order (oldest first). Page backwards from the
    /// newest with `last`/`before`. Members only.
    #[graphql(complexity = "crate::graphql::cost::page(first, last, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<MessageConnection> {
        let page = Page::new(first, after, last, before, Cursor::message)?;
        if viewer_role(ctx, self.0.id).await?.is_none() {
            return Err(top_level(TopLevelCode::Forbidden, "join the conversation to read its messages"));
        }
        let key = page.key()?;
        let direction = if page.backward { Direction::Backward } else { Direction::Forward };
        let rows = {
            let mut c = state(ctx).pool.get().await.map_err(internal)?;
            db::messages::timeline(&mut c, self.0.id, key, direction, page.fetch()).await.map_err(internal)?
        };
        let messages: Vec<_> = rows.iter().map(|(m, _)| m).collect();
        prefetch::connection(ctx, &messages, rows.iter().map(|(_, u)| PublicUser::from(u))).await?;
        Ok(page.connection(rows, |(m, sender)| {
            Edge::with_additional_fields(
                Cursor::Message(m.tx, m.id.get()).encode(),
                MessageNode { row: m, sender: Some(PublicUser::from(&sender)) },
                SearchMatch::default(),
            )
        }))
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
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn pinned_messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MessageNode>> {
        if viewer_role(ctx, self.0.id).await?.is_none() {
            return Ok(Vec::new());
        }
        let wants = Wants::of(ctx, &[ctx.look_ahead()]);
        let pins = ctx
            .data_unchecked::<Batch<PinnedLoader>>()
            .load_one((self.0.id, wants))
            .await?
            .unwrap_or_default();
        let rows: Vec<&models::Message> = pins.messages.iter().map(|(m, _)| m).collect();
        prefetch::feed(ctx, &rows, pins.messages.iter().map(|(_, u)| u.clone()), &pins.related).await;
        Ok(pins.messages.into_iter().map(|(row, sender)| MessageNode { row, sender: Some(sender) }).collect())
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
        if viewer_role(ctx, self.0.id).await?.is_none() {
            return Ok(0);
        }
        match crate::graphql::loaders::viewer_loader::<UnreadLoader>(ctx) {
            Some(loader) => Ok(loader.load_one(self.0.id).await?.unwrap_or(0)),
            None => Ok(0),
        }
    }
    /// In a direct conversation, the other person; null for rooms.
    async fn peer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        let Some(loader) = crate::graphql::loaders::viewer_loader::<PeerLoader>(ctx) else { return Ok(None) };
        if self.0.kind != db::enums::ConversationKind::Direct {
            return Ok(None);
        }
        match loader.load_one(self.0.id).await? {
            Some(id) => Ok(Some(load_user(ctx, id).await?)),
            None => Ok(None),
        }
    }
}

/// The id of a conversation the viewer belongs to; the same "not found" for
/// one that does not exist, is of another kind, or is not theirs.
pub async fn member_conversation(
    ctx: &Context<'_>,
    viewer: UserId,
    id: &ID,
) -> async_graphql::Result<ConversationId> {
    let not_found = || bad_request("conversation not found");
    let n = ids::decode::<ConversationId>(id).ok_or_else(not_found)?;
    let mut c = state(ctx).pool.get().await.map_err(internal)?;
    match access_conversation(&mut c, viewer, n).await {
        Ok(_) => Ok(n),
        Err(ServiceError::User(_)) => Err(not_found()),
        Err(e) => Err(internal(e)),
    }
}
