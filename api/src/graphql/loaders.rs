//! DataLoaders: every object field that would otherwise query once per row
//! batches its keys into one query per request (or per WebSocket connection).

use std::collections::HashMap;

use std::hash::Hash;

use async_graphql::dataloader::{CacheFactory, CacheStorage, DataLoader, HashMapCache, Loader, NoCache};
use jeco_schema::attachments::Attachment;
use jeco_schema::enums::Role;
use jeco_schema::models::{Conversation, Message};
use jeco_schema::{self as db, PgPool};

use super::messages::prefetch::{self, Pins, Wants};
use crate::error::internal;
use crate::events::PublicUser;
use jeco_schema::ids::{ConversationId, MessageId, UserId};

async fn conn(
    pool: &PgPool,
) -> async_graphql::Result<diesel_async::pooled_connection::deadpool::Object<diesel_async::AsyncPgConnection>>
{
    pool.get().await.map_err(internal)
}

/// Users by id (public fields only).
pub struct UserLoader(pub PgPool);

impl Loader<UserId> for UserLoader {
    type Value = PublicUser;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, PublicUser>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::users::users_by_ids(&mut c, keys).await.map_err(internal)?;
        Ok(rows.iter().map(|u| (u.id, PublicUser::from(u))).collect())
    }
}

/// Attachments by message id (in position order).
pub struct AttachmentsLoader(pub PgPool);

impl Loader<MessageId> for AttachmentsLoader {
    type Value = Vec<Attachment>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MessageId]) -> Result<HashMap<MessageId, Vec<Attachment>>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let mut out: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
        for row in db::attachments::for_messages(&mut c, keys).await.map_err(internal)? {
            if let Some(m) = row.message_id {
                out.entry(m).or_default().push(row);
            }
        }
        Ok(out)
    }
}

/// Conversations by id.
pub struct ConversationLoader(pub PgPool);

impl Loader<ConversationId> for ConversationLoader {
    type Value = Conversation;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ConversationId],
    ) -> Result<HashMap<ConversationId, Conversation>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::conversations::conversations_by_ids(&mut c, keys).await.map_err(internal)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Member counts by conversation id.
pub struct MemberCountLoader(pub PgPool);

impl Loader<ConversationId> for MemberCountLoader {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ConversationId]) -> Result<HashMap<ConversationId, i64>, Self::Error> {
        let mut c = conn(&self.0).await?;
        db::members::member_counts(&mut c, keys).await.map_err(internal)
    }
}

/// Newest message by conversation id.
pub struct LastMessageLoader(pub PgPool);

impl Loader<ConversationId> for LastMessageLoader {
    type Value = Message;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ConversationId]) -> Result<HashMap<ConversationId, Message>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::messages::last_messages(&mut c, keys).await.map_err(internal)?;
        Ok(rows.into_iter().map(|m| (m.conversation_id, m)).collect())
    }
}

/// The viewer's role by conversation id (absent = not a member).
pub struct RoleLoader {
    /// Database pool.
    pub pool: PgPool,
    /// The viewer.
    pub viewer: UserId,
}

impl Loader<ConversationId> for RoleLoader {
    type Value = Role;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ConversationId]) -> Result<HashMap<ConversationId, Role>, Self::Error> {
        let mut c = conn(&self.pool).await?;
        let rows = db::members::memberships_of(&mut c, self.viewer, keys).await.map_err(internal)?;
        Ok(rows.into_iter().map(|m| (m.conversation_id, m.role)).collect())
    }
}

/// The viewer's relation to other users: (is a contact, is blocked).
pub struct RelationLoader {
    /// Database pool.
    pub pool: PgPool,
    /// The viewer.
    pub viewer: UserId,
}

impl Loader<UserId> for RelationLoader {
    type Value = (bool, bool);
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, (bool, bool)>, Self::Error> {
        let mut c = conn(&self.pool).await?;
        let (contacts, blocked) =
            db::contacts::relations_of(&mut c, self.viewer, keys).await.map_err(internal)?;
        Ok(keys.iter().map(|k| (*k, (contacts.contains(k), blocked.contains(k)))).collect())
    }
}

/// The other member of the viewer's direct conversations, by conversation id.
pub struct PeerLoader {
    /// Database pool.
    pub pool: PgPool,
    /// The viewer.
    pub viewer: UserId,
}

impl Loader<ConversationId> for PeerLoader {
    type Value = UserId;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ConversationId]) -> Result<HashMap<ConversationId, UserId>, Self::Error> {
        let mut c = conn(&self.pool).await?;
        let rows = db::members::direct_peers(&mut c, self.viewer, keys).await.map_err(internal)?;
        Ok(rows.into_iter().collect())
    }
}

/// The viewer's unread counts by conversation id.
pub struct UnreadLoader {
    /// Database pool.
    pub pool: PgPool,
    /// The viewer.
    pub viewer: UserId,
}

impl Loader<ConversationId> for UnreadLoader {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ConversationId]) -> Result<HashMap<ConversationId, i64>, Self::Error> {
        let mut c = conn(&self.pool).await?;
        db::receipts::unread_counts(&mut c, self.viewer, keys).await.map_err(internal)
    }
}

/// Every member's read position with the reader, by conversation id (one
/// query, so "seen by" needs no second round of user loads).
pub struct ReadPositionsLoader(pub PgPool);

impl Loader<ConversationId> for ReadPositionsLoader {
    type Value = Vec<(jeco_schema::models::ReadPosition, PublicUser)>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ConversationId],
    ) -> Result<HashMap<ConversationId, Self::Value>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::receipts::read_positions_in(&mut c, keys).await.map_err(internal)?;
        let mut out: HashMap<ConversationId, Self::Value> = HashMap::new();
        for (position, user) in rows {
            out.entry(position.conversation_id).or_default().push((position, PublicUser::from(&user)));
        }
        Ok(out)
    }
}

/// Delivery positions (recipient, message id, tx) by conversation id.
pub struct DeliveredPositionsLoader(pub PgPool);

impl Loader<ConversationId> for DeliveredPositionsLoader {
    type Value = Vec<(PublicUser, MessageId, i64)>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[ConversationId],
    ) -> Result<HashMap<ConversationId, Self::Value>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::receipts::delivered_positions_in(&mut c, keys).await.map_err(internal)?;
        let mut out: HashMap<ConversationId, Self::Value> = HashMap::new();
        for (conv, user, message, tx) in rows {
            out.entry(conv).or_default().push((PublicUser::from(&user), message, tx));
        }
        Ok(out)
    }
}

/// Messages by id.
pub struct MessageLoader(pub PgPool);

impl Loader<MessageId> for MessageLoader {
    type Value = Message;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MessageId]) -> Result<HashMap<MessageId, Message>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::messages::messages_by_ids(&mut c, keys).await.map_err(internal)?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}

/// Reactions by message id: `(emoji, user id)` in order of reacting.
pub struct ReactionsLoader(pub PgPool);

impl Loader<MessageId> for ReactionsLoader {
    type Value = Vec<(String, UserId)>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[MessageId],
    ) -> Result<HashMap<MessageId, Vec<(String, UserId)>>, Self::Error> {
        let mut c = conn(&self.0).await?;
        let rows = db::reactions::reactions_on(&mut c, keys).await.map_err(internal)?;
        let mut out: HashMap<MessageId, Vec<(String, UserId)>> = HashMap::new();
        for (message_id, emoji, user_id) in rows {
            out.entry(message_id).or_default().push((emoji, user_id));
        }
        Ok(out)
    }
}

/// Pinned messages by conversation id and the relations their selection reads
/// (see `messages::prefetch`), newest pin first: a conversation list's pins and
/// their relations cost one statement each, whatever the number of conversations.
pub struct PinnedLoader(pub PgPool);

impl Loader<(ConversationId, Wants)> for PinnedLoader {
    type Value = Pins;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(ConversationId, Wants)],
    ) -> Result<HashMap<(ConversationId, Wants), Pins>, Self::Error> {
        let conversations: Vec<ConversationId> = keys.iter().map(|(c, _)| *c).collect();
        let wants = keys.iter().fold(Wants::default(), |all, (_, w)| all.union(*w));
        let rows =
            db::messages::pinned_in(&mut *conn(&self.0).await?, &conversations).await.map_err(internal)?;
        let messages: Vec<&Message> = rows.iter().map(|(m, _)| m).collect();
        let related = std::sync::Arc::new(prefetch::load(&self.0, &messages, wants).await?);
        let mut by_conversation: HashMap<ConversationId, Vec<(Message, PublicUser)>> = HashMap::new();
        for (m, sender) in &rows {
            by_conversation.entry(m.conversation_id).or_default().push((m.clone(), PublicUser::from(sender)));
        }
        Ok(keys
            .iter()
            .map(|key| {
                let messages = by_conversation.get(&key.0).cloned().unwrap_or_default();
                (*key, Pins { messages, related: related.clone() })
            })
            .collect())
    }
}

/// Caching policy of one request's loaders: a query over HTTP caches what it
/// loaded (one request, one consistent answer, and no batch split by timing
/// reloads the same rows); a WebSocket operation lives for hours and must see
/// fresh rows for every event, so it does not cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestCache {
    /// Cache for the request's lifetime.
    Cache,
    /// Never cache.
    Fresh,
}

impl CacheFactory for RequestCache {
    fn create<K, V>(&self) -> Box<dyn CacheStorage<Key = K, Value = V>>
    where
        K: Send + Sync + Clone + Eq + Hash + 'static,
        V: Send + Sync + Clone + 'static,
    {
        match self {
            RequestCache::Cache => HashMapCache::default().create(),
            RequestCache::Fresh => NoCache.create(),
        }
    }
}

/// A DataLoader with the request's caching policy.
pub type Batch<T> = DataLoader<T, RequestCache>;

/// One loader with the request's caching policy and batching window.
fn batch<T: Send + Sync + 'static>(loader: T, cache: RequestCache, delay: std::time::Duration) -> Batch<T> {
    DataLoader::with_cache(loader, tokio::spawn, cache).delay(delay)
}

/// Adds a fresh set of loaders for one request or operation.
pub fn add_loaders(
    request: async_graphql::Request,
    pool: &PgPool,
    viewer: Option<UserId>,
    cache: RequestCache,
    delay: std::time::Duration,
) -> async_graphql::Request {
    let p = || pool.clone();
    let request = request
        .data(cache)
        .data(batch(UserLoader(p()), cache, delay))
        .data(batch(ConversationLoader(p()), cache, delay))
        .data(batch(MemberCountLoader(p()), cache, delay))
        .data(batch(LastMessageLoader(p()), cache, delay))
        .data(batch(ReadPositionsLoader(p()), cache, delay))
        .data(batch(MessageLoader(p()), cache, delay))
        .data(batch(ReactionsLoader(p()), cache, delay))
        .data(batch(PinnedLoader(p()), cache, delay))
        .data(batch(DeliveredPositionsLoader(p()), cache, delay))
        .data(batch(AttachmentsLoader(p()), cache, delay));
    match viewer {
        Some(viewer) => request
            .data(batch(RoleLoader { pool: p(), viewer }, cache, delay))
            .data(batch(RelationLoader { pool: p(), viewer }, cache, delay))
            .data(batch(PeerLoader { pool: p(), viewer }, cache, delay))
            .data(batch(UnreadLoader { pool: p(), viewer }, cache, delay)),
        None => request,
    }
}

/// A loader keyed by the viewer (role, relation, peer, unread), present only
/// for signed-in callers. Its answers are the viewer's own, so using one makes
/// a shared event result viewer-specific.
pub fn viewer_loader<'a, T: Send + Sync + 'static>(ctx: &async_graphql::Context<'a>) -> Option<&'a Batch<T>> {
    super::events::shared::taint();
    ctx.data_opt::<Batch<T>>()
}
