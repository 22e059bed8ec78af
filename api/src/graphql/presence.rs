//! Presence: who of the viewer's contacts and co-members is online, first
//! their current state and then every change.

use jeco_schema as db;
use std::collections::HashMap;

use async_graphql::{Context, SimpleObject, Subscription, ID};
use futures_util::Stream;
use tokio::sync::broadcast;

use super::users::UserNode;
use super::{require_viewer, state};
use crate::error::{bad_request, internal};
use crate::events::{Ephemeral, PublicUser};
use crate::ids;
use jeco_schema::ids::UserId;

/// A user came online or went offline.
#[derive(SimpleObject)]
pub struct PresenceEvent {
    /// Who.
    user: UserNode,
    /// Online now.
    online: bool,
}

/// The presence subscription.
#[derive(Default)]
pub struct PresenceSubscription;

#[Subscription]
impl PresenceSubscription {
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
        let allowed = db::contacts::related_users(&mut c, viewer, 1000).await.map_err(internal)?;
        let wanted: Vec<UserId> = match user_ids {
            None => allowed,
            Some(ids) => {
                if ids.len() > 1000 {
                    return Err(bad_request("at most 1000 userIds"));
                }
                ids.iter()
                    .filter_map(|id| ids::decode::<UserId>(id))
                    .filter(|id| allowed.contains(id))
                    .collect()
            }
        };
        let users: HashMap<UserId, PublicUser> = db::users::users_by_ids(&mut c, &wanted)
            .await
            .map_err(internal)?
            .iter()
            .map(|u| (u.id, PublicUser::from(u)))
            .collect();
        drop(c);
        let presence = st.presence.clone();
        // Listen before reading the current state, so no change falls in between.
        let mut rx = st.hub.ephemeral();
        let ids: Vec<UserId> = users.keys().copied().collect();
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
}

fn presence_event(user: &PublicUser, online: bool) -> PresenceEvent {
    PresenceEvent { user: UserNode { user: user.clone(), email: None }, online }
}
