//! Subscription root.

use std::collections::HashMap;

use async_graphql::{Context, SimpleObject, Subscription, ID};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::error::{bad_request, internal, ServiceError};
use crate::events::{Ephemeral, EventPayload, PublicUser};
use crate::graphql::types::{ConversationEventNode, UserNode};
use crate::graphql::{require_viewer, state};
use crate::hub::Scope;
use crate::ids::{self, Kind};
use crate::services::access::access_conversation;
use crate::services::typing::TYPING_TTL;

/// Someone started or stopped typing.
#[derive(SimpleObject)]
pub struct TypingEvent {
    /// The conversation.
    conversation_id: ID,
    /// Who.
    user: UserNode,
    /// Typing now (true) or stopped / timed out (false).
    typing: bool,
}

/// A user came online or went offline.
#[derive(SimpleObject)]
pub struct PresenceEvent {
    /// Who.
    user: UserNode,
    /// Online now.
    online: bool,
}

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

async fn member_scope(ctx: &Context<'_>, viewer: i64, id: &ID) -> async_graphql::Result<i64> {
    let not_found = || async_graphql::Error::new("conversation not found");
    let n = ids::decode(Kind::Conversation, id).ok_or_else(not_found)?;
    let mut c = state(ctx).pool.get().await.map_err(internal)?;
    match access_conversation(&mut c, viewer, n).await {
        Ok(_) => Ok(n),
        Err(ServiceError::User(_)) => Err(not_found()),
        Err(e) => Err(internal(e)),
    }
}

#[Subscription]
impl Subscription {
    /// Replays every event committed after `after`, then continues live, with
    /// no gap and no duplicate. Without `after` it starts at the log head (as
    /// `eventCursor`), which is conservative: while other transactions are open
    /// it may also include events committed moments before, never fewer.
    /// Without `conversationId`: every conversation the viewer belongs to.
    async fn conversation_events(
        &self,
        ctx: &Context<'_>,
        conversation_id: Option<ID>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ConversationEventNode>>> {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx);
        // The head is taken before the membership check: a removal committed
        // after the head is replayed (and ends the stream); one committed before
        // it is seen by the check. The other order could miss the removal and
        // leave a stream open on a conversation the viewer has left.
        let after = match after {
            Some(c) => ids::parse_log_cursor(&c).ok_or_else(|| bad_request("invalid cursor"))?,
            None => st.hub.head().await.map_err(internal)?,
        };
        let scope = match conversation_id {
            None => Scope::AllOf,
            Some(id) => Scope::Conversation(member_scope(ctx, viewer, &id).await?),
        };
        let deliveries = st.deliveries.clone();
        Ok(st.hub.subscribe(viewer, scope, after).map(move |item| {
            if let Ok(ev) = &item {
                if let EventPayload::MessageCreated { message, .. } = &ev.payload {
                    if message.sender_id != viewer {
                        deliveries.record(ev.conversation_id, viewer, message.id, message.tx);
                    }
                }
            }
            item.map(ConversationEventNode).map_err(internal)
        }))
    }

    /// Who is typing in a conversation (members only; the viewer's own typing
    /// is not echoed). Each typist times out by itself after 5 s without renewal.
    async fn typing(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = TypingEvent>> {
        let viewer = require_viewer(ctx)?;
        let conv = member_scope(ctx, viewer, &conversation_id).await?;
        let mut rx = state(ctx).hub.ephemeral();
        Ok(async_stream::stream! {
            let mut typists: HashMap<i64, (PublicUser, Instant)> = HashMap::new();
            loop {
                let next_expiry = typists.values().map(|(_, at)| *at).min();
                tokio::select! {
                    signal = rx.recv() => match signal {
                        Ok(signal) => {
                            let Ephemeral::Typing { conversation_id, user, typing } = signal.as_ref() else { continue };
                            if *conversation_id != conv || user.id == viewer {
                                continue;
                            }
                            let was = if *typing {
                                typists.insert(user.id, (user.clone(), Instant::now() + TYPING_TTL)).is_some()
                            } else {
                                typists.remove(&user.id).is_some()
                            };
                            // Renewals are not news; a stop is news only if they were typing.
                            if *typing != was {
                                yield event(conv, user.clone(), *typing);
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    _ = sleep_until(next_expiry), if next_expiry.is_some() => {
                        let now = Instant::now();
                        let expired: Vec<i64> = typists.iter().filter(|(_, (_, at))| *at <= now).map(|(id, _)| *id).collect();
                        for id in expired {
                            if let Some((user, _)) = typists.remove(&id) {
                                yield event(conv, user, false);
                            }
                        }
                    }
                }
            }
        })
    }

    /// Online state of users: first the current state of each, then every
    /// change. Only contacts and co-members can be watched (others are ignored);
    /// without `userIds`, all of them (up to 1000).
    async fn presence(
        &self,
        ctx: &Context<'_>,
        user_ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<impl Stream<Item = PresenceEvent>> {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx);
        let mut c = st.pool.get().await.map_err(internal)?;
        let allowed = jeco_schema::contacts::related_users(&mut c, viewer, 1000).await.map_err(internal)?;
        let wanted: Vec<i64> = match user_ids {
            None => allowed,
            Some(ids) => {
                if ids.len() > 1000 {
                    return Err(bad_request("at most 1000 userIds"));
                }
                ids.iter()
                    .filter_map(|id| ids::decode(Kind::User, id))
                    .filter(|id| allowed.contains(id))
                    .collect()
            }
        };
        let users: HashMap<i64, PublicUser> = jeco_schema::users::users_by_ids(&mut c, &wanted)
            .await
            .map_err(internal)?
            .iter()
            .map(|u| (u.id, PublicUser::from(u)))
            .collect();
        drop(c);
        let presence = st.presence.clone();
        // Listen before reading the current state, so no change falls in between.
        let mut rx = st.hub.ephemeral();
        let ids: Vec<i64> = users.keys().copied().collect();
        let mut known = presence.online(&ids).await;
        Ok(async_stream::stream! {
            for id in &ids {
                yield presence_event(&users[id], known.get(id).copied().unwrap_or(false));
            }
            let mut recheck = tokio::time::interval(presence.timing.every);
            recheck.tick().await;
            loop {
                tokio::select! {
                    signal = rx.recv() => match signal {
                        Ok(signal) => {
                            let Ephemeral::Presence { user, online } = signal.as_ref() else { continue };
                            if users.contains_key(&user.id) && known.insert(user.id, *online) != Some(*online) {
                                yield presence_event(&users[&user.id], *online);
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    // Catches what no signal announces: an instance that died
                    // with users on it stops heartbeating, and they expire.
                    _ = recheck.tick() => {
                        let now = presence.online(&ids).await;
                        for id in &ids {
                            let online = now.get(id).copied().unwrap_or(false);
                            if known.insert(*id, online) != Some(online) {
                                yield presence_event(&users[id], online);
                            }
                        }
                    }
                }
            }
        })
    }

    /// The viewer's notifications after `after` (default: now), replayed then
    /// live; resume with the last event's cursor.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<
        impl Stream<Item = async_graphql::Result<crate::graphql::notifications::NotificationEvent>>,
    > {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx).clone();
        let mut c = st.pool.get().await.map_err(internal)?;
        let after = match after {
            Some(cursor) => {
                ids::parse_notification_cursor(&cursor).ok_or_else(|| bad_request("invalid cursor"))?
            }
            None => {
                let head = jeco_schema::log::head(&mut c).await.map_err(internal)?;
                (head.tx, head.id)
            }
        };
        let username = jeco_schema::users::users_by_ids(&mut c, &[viewer])
            .await
            .map_err(internal)?
            .first()
            .map(|u| u.username.clone())
            .ok_or_else(|| internal("viewer vanished"))?;
        let ids = jeco_schema::members::conversation_ids_of(&mut c, viewer).await.map_err(internal)?;
        let rooms = jeco_schema::conversations::conversations_by_ids(&mut c, &ids)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|cv| (cv.id, cv.kind == jeco_schema::enums::ConversationKind::Direct))
            .collect();
        drop(c);
        Ok(crate::graphql::notifications::stream(st, viewer, username, after, rooms))
    }
}

fn presence_event(user: &PublicUser, online: bool) -> PresenceEvent {
    PresenceEvent { user: UserNode { user: user.clone(), email: None }, online }
}

fn event(conversation_id: i64, user: PublicUser, typing: bool) -> TypingEvent {
    TypingEvent {
        conversation_id: ids::encode(Kind::Conversation, conversation_id),
        user: UserNode { user, email: None },
        typing,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
