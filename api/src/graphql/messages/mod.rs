//! Messages: the `Message` object with its reactions, pins and receipts, the
//! message page type shared by timelines and search, and the message and
//! read mutations.

mod mutation;
pub mod prefetch;

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use jeco_schema::models;

pub use mutation::{MessageMutation, ReadMutation};

use super::conversations::ConversationNode;
use super::loaders::{
    AttachmentsLoader, Batch, ConversationLoader, DeliveredPositionsLoader, MessageLoader, ReactionsLoader,
    ReadPositionsLoader, UserLoader,
};
use super::media::AttachmentNode;
use super::users::{load_user, viewer_id, UserNode};
use crate::error::internal;
use crate::events::{PublicUser, ReactionSet};
use crate::ids;
use jeco_schema::ids::UserId;

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
        // A shared event result answers for everyone who did not react; the
        // reactors resolve it themselves.
        if crate::graphql::events::shared::answer_for_others(self.users.iter().map(|u| u.id)) {
            return false;
        }
        viewer_id(ctx).is_some_and(|v| self.users.iter().any(|u| u.id == v))
    }
    /// Who reacted, in order of reacting.
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
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
    pub(crate) async fn id(&self) -> ID {
        ids::encode(self.row.id)
    }
    /// Global id of the conversation.
    async fn conversation_id(&self) -> ID {
        ids::encode(self.row.conversation_id)
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
        self.row.reply_to_id.map(ids::encode)
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
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn reactions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReactionGroupNode>> {
        let rows =
            ctx.data_unchecked::<Batch<ReactionsLoader>>().load_one(self.row.id).await?.unwrap_or_default();
        let mut ids: Vec<UserId> = rows.iter().map(|(_, u)| *u).collect();
        ids.sort_unstable();
        ids.dedup();
        let users = ctx.data_unchecked::<Batch<UserLoader>>().load_many(ids).await?;
        let sets = ReactionSet::group(
            rows.into_iter().filter_map(|(emoji, user_id)| users.get(&user_id).cloned().map(|u| (emoji, u))),
        );
        Ok(sets.iter().map(ReactionGroupNode::from).collect())
    }
    /// Files attached, in order (none once deleted).
    #[graphql(complexity = "crate::graphql::cost::list(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AttachmentNode>> {
        let rows =
            ctx.data_unchecked::<Batch<AttachmentsLoader>>().load_one(self.row.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(AttachmentNode).collect())
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
    #[graphql(complexity = "crate::graphql::cost::receipts(child_complexity)")]
    async fn delivered_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserNode>> {
        let conv = self.row.conversation_id;
        let at = (self.row.tx, self.row.id);
        // Both asked for at once: asking for the read positions only after the
        // deliveries arrived could miss the batch `seenBy` opened and load them twice.
        let (delivered, read) = futures_util::try_join!(
            ctx.data_unchecked::<Batch<DeliveredPositionsLoader>>().load_one(conv),
            ctx.data_unchecked::<Batch<ReadPositionsLoader>>().load_one(conv),
        )?;
        let mut users: Vec<PublicUser> = delivered
            .unwrap_or_default()
            .into_iter()
            .filter(|(user, message_id, tx)| user.id != self.row.sender_id && (*tx, *message_id) >= at)
            .map(|(user, _, _)| user)
            .chain(
                read.unwrap_or_default()
                    .into_iter()
                    .filter(|(p, _)| p.user_id != self.row.sender_id && (p.tx, p.message_id) >= at)
                    .map(|(_, user)| user),
            )
            .collect();
        users.sort_unstable_by_key(|u| u.id);
        users.dedup_by_key(|u| u.id);
        Ok(users.into_iter().map(|user| UserNode { user, email: None }).collect())
    }
    /// Members (other than the sender) who have read this message.
    #[graphql(complexity = "crate::graphql::cost::receipts(child_complexity)")]
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
