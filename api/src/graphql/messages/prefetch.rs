//! Loading a message list's relations ahead of its nodes: a timeline page or a
//! conversation's pins reads each relation its selection names (reply targets,
//! reactions, attachments, receipts) with one statement, all at once, and feeds
//! the rows to the request's loaders before any node resolves.
//!
//! Left to the loaders alone, the same page cost 11 to 18 statements: a batch
//! closes after a fixed delay, so whether the pins' reactions joined the page's,
//! or a second `seenBy` arrived while the first batch was in flight (and was
//! loaded again), depended on timing. Loaded here, a page's statement count
//! depends on its selection only. Each selected relation is read even when the
//! page turns out to have nothing of it (no replies, say): the plan is fixed by
//! the query, like a prepared statement, not by the data.
//!
//! Only HTTP requests prefetch: their loaders cache, so the fed rows answer the
//! nodes. A WebSocket operation's loaders never cache (each event must see fresh
//! rows), so feeding them would only be wasted statements.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};
use jeco_schema::attachments::Attachment;
use jeco_schema::ids::{ConversationId, MessageId, UserId};
use jeco_schema::models::{Message, ReadPosition};
use jeco_schema::{self as db, PgPool};

use crate::error::internal;
use crate::events::PublicUser;
use crate::graphql::loaders::{
    AttachmentsLoader, Batch, DeliveredPositionsLoader, MessageLoader, ReactionsLoader, ReadPositionsLoader,
    RequestCache, UserLoader,
};

/// Which relations of its messages a list's selection reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Wants {
    /// `replyTo` (with its sender).
    pub reply_to: bool,
    /// `reactions` (with the reactors).
    pub reactions: bool,
    /// `attachments`.
    pub attachments: bool,
    /// `seenBy` or `deliveredTo` (read positions with the readers).
    pub read_positions: bool,
    /// `deliveredTo` (delivery positions with the recipients).
    pub delivered_positions: bool,
}

impl Wants {
    /// What the given `Message` selections read; nothing when the request's
    /// loaders do not cache (see the module documentation).
    pub fn of(ctx: &Context<'_>, selections: &[Lookahead<'_>]) -> Self {
        if ctx.data_opt::<RequestCache>() != Some(&RequestCache::Cache) {
            return Self::default();
        }
        let has = |name: &str| selections.iter().any(|s| s.field(name).exists());
        let delivered = has("deliveredTo");
        Self {
            reply_to: has("replyTo"),
            reactions: has("reactions"),
            attachments: has("attachments"),
            read_positions: delivered || has("seenBy"),
            delivered_positions: delivered,
        }
    }

    /// Both lists' relations (a loader batch serves several selections).
    pub fn union(self, other: Self) -> Self {
        Self {
            reply_to: self.reply_to || other.reply_to,
            reactions: self.reactions || other.reactions,
            attachments: self.attachments || other.attachments,
            read_positions: self.read_positions || other.read_positions,
            delivered_positions: self.delivered_positions || other.delivered_positions,
        }
    }
}

/// The rows of a list's selected relations, loaded by [`load`].
#[derive(Default)]
pub struct Related {
    wants: Wants,
    parents: Vec<(Message, PublicUser)>,
    reactions: HashMap<MessageId, Vec<(String, PublicUser)>>,
    attachments: HashMap<MessageId, Vec<Attachment>>,
    read_positions: HashMap<ConversationId, Vec<(ReadPosition, PublicUser)>>,
    delivered_positions: HashMap<ConversationId, Vec<(PublicUser, MessageId, i64)>>,
}

/// Loads the relations `wants` names of `messages`, one statement per
/// relation, run concurrently on their own pooled connections.
pub async fn load(pool: &PgPool, messages: &[&Message], wants: Wants) -> async_graphql::Result<Related> {
    let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let mut parent_ids: Vec<MessageId> = messages.iter().filter_map(|m| m.reply_to_id).collect();
    parent_ids.sort_unstable();
    parent_ids.dedup();
    let mut conversations: Vec<ConversationId> = messages.iter().map(|m| m.conversation_id).collect();
    conversations.sort_unstable();
    conversations.dedup();
    let conn = || async { pool.get().await.map_err(internal) };

    let parents = async {
        if !wants.reply_to {
            return Ok(Vec::new());
        }
        let rows = db::messages::messages_with_senders_by_ids(&mut *conn().await?, &parent_ids)
            .await
            .map_err(internal)?;
        Ok::<_, async_graphql::Error>(rows.into_iter().map(|(m, u)| (m, PublicUser::from(&u))).collect())
    };
    let reactions = async {
        let mut out: HashMap<MessageId, Vec<(String, PublicUser)>> = HashMap::new();
        if wants.reactions {
            for (message, emoji, user) in
                db::reactions::reactions_with_users_on(&mut *conn().await?, &ids).await.map_err(internal)?
            {
                out.entry(message).or_default().push((emoji, PublicUser::from(&user)));
            }
        }
        Ok::<_, async_graphql::Error>(out)
    };
    // The loaders' own queries and grouping; only their batching is skipped.
    let attachments = async {
        if !wants.attachments {
            return Ok(HashMap::new());
        }
        AttachmentsLoader(pool.clone()).load(&ids).await
    };
    let read_positions = async {
        if !wants.read_positions {
            return Ok(HashMap::new());
        }
        ReadPositionsLoader(pool.clone()).load(&conversations).await
    };
    let delivered_positions = async {
        if !wants.delivered_positions {
            return Ok(HashMap::new());
        }
        DeliveredPositionsLoader(pool.clone()).load(&conversations).await
    };
    let (parents, reactions, attachments, read_positions, delivered_positions) =
        futures_util::try_join!(parents, reactions, attachments, read_positions, delivered_positions)?;
    Ok(Related { wants, parents, reactions, attachments, read_positions, delivered_positions })
}

/// Prefetches what the nodes of a message connection (a timeline or search
/// page) select, before the connection is built from `messages`.
/// `senders` are the messages' senders as loaded with them (for `avatarUrl`).
pub async fn connection(
    ctx: &Context<'_>,
    messages: &[&Message],
    senders: impl IntoIterator<Item = PublicUser>,
) -> async_graphql::Result<()> {
    let look = ctx.look_ahead();
    let wants = Wants::of(ctx, &[look.field("nodes"), look.field("edges").field("node")]);
    // `senders` is consumed (converted) only when something is fed.
    if wants != Wants::default() {
        let related = load(&crate::graphql::state(ctx).pool, messages, wants).await?;
        feed(ctx, messages, senders, &related).await;
    }
    Ok(())
}

/// Puts the rows of `related` for `messages` into the request's loaders, so the
/// nodes' fields find them there instead of batching their own statements.
/// Messages with none of a relation get an empty entry: "none" is an answer too.
/// `senders` (the messages' senders, loaded with them) go to the user loader as well.
pub async fn feed(
    ctx: &Context<'_>,
    messages: &[&Message],
    senders: impl IntoIterator<Item = PublicUser>,
    related: &Related,
) {
    let wants = related.wants;
    if wants == Wants::default() {
        return;
    }
    let mut users: HashMap<UserId, PublicUser> = senders.into_iter().map(|u| (u.id, u)).collect();
    if wants.reply_to {
        for (_, sender) in &related.parents {
            users.insert(sender.id, sender.clone());
        }
        ctx.data_unchecked::<Batch<MessageLoader>>()
            .feed_many(related.parents.iter().map(|(m, _)| (m.id, m.clone())))
            .await;
    }
    if wants.reactions {
        let mut rows = Vec::with_capacity(messages.len());
        for m in messages {
            let list = related.reactions.get(&m.id).map(Vec::as_slice).unwrap_or_default();
            for (_, user) in list {
                users.insert(user.id, user.clone());
            }
            rows.push((m.id, list.iter().map(|(emoji, user)| (emoji.clone(), user.id)).collect::<Vec<_>>()));
        }
        ctx.data_unchecked::<Batch<ReactionsLoader>>().feed_many(rows).await;
    }
    if wants.attachments {
        let rows =
            messages.iter().map(|m| (m.id, related.attachments.get(&m.id).cloned().unwrap_or_default()));
        ctx.data_unchecked::<Batch<AttachmentsLoader>>().feed_many(rows).await;
    }
    let conversations = || {
        let mut ids: Vec<ConversationId> = messages.iter().map(|m| m.conversation_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    if wants.read_positions {
        let rows = conversations()
            .into_iter()
            .map(|c| (c, related.read_positions.get(&c).cloned().unwrap_or_default()));
        ctx.data_unchecked::<Batch<ReadPositionsLoader>>().feed_many(rows).await;
    }
    if wants.delivered_positions {
        let rows = conversations()
            .into_iter()
            .map(|c| (c, related.delivered_positions.get(&c).cloned().unwrap_or_default()));
        ctx.data_unchecked::<Batch<DeliveredPositionsLoader>>().feed_many(rows).await;
    }
    if !users.is_empty() {
        ctx.data_unchecked::<Batch<UserLoader>>().feed_many(users).await;
    }
}

/// A conversation's pins with the rows of their selected relations (the
/// pinned-messages loader's value).
#[derive(Clone, Default)]
pub struct Pins {
    /// Pinned messages with their senders, newest pin first.
    pub messages: Vec<(Message, PublicUser)>,
    /// Their relations, shared by every conversation of the loader's batch.
    pub related: Arc<Related>,
}
