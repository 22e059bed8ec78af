//! Presence: who of the viewer's contacts and co-members (minus anyone who
//! blocked the viewer) is online, first their current state and then every
//! change; the watchable set follows membership and blocks while it runs.

use jeco_schema as db;
use std::collections::{HashMap, HashSet};

use async_graphql::{Context, SimpleObject, Subscription, ID};
use futures_util::Stream;
use tokio::sync::broadcast;

use super::users::UserNode;
use super::{require_viewer, state};
use crate::error::{bad_request, internal};
use crate::events::{Ephemeral, PublicUser};
use crate::ids;
use crate::state::AppState;
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
    /// change. Only contacts and co-members who have not blocked the viewer
    /// can be watched (others are ignored); without `userIds`, all of them (up
    /// to 1000). The set is recomputed on every re-check and at once when the
    /// viewer or a watched user joins or leaves a conversation: a user who
    /// stops being watchable goes `online: false` and is not heard of again
    /// until watchable again.
    async fn presence(
        &self,
        ctx: &Context<'_>,
        user_ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<impl Stream<Item = PresenceEvent>> {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx).clone();
        let requested: Option<Vec<UserId>> = match user_ids {
            None => None,
            Some(ids) if ids.len() > 1000 => return Err(bad_request("at most 1000 userIds")),
            Some(ids) => Some(ids.iter().filter_map(|id| ids::decode::<UserId>(id)).collect()),
        };
        let presence = st.presence.clone();
        // Listen before reading the current state, so no change falls in between.
        let mut rx = st.hub.ephemeral();
        let mut log = st.hub.live_events();
        let mut users = HashMap::new();
        let mut known = HashMap::new();
        let first =
            watch(&st, viewer, requested.as_deref(), &mut users, &mut known).await.map_err(internal)?;
        Ok(async_stream::stream! {
            for ev in first {
                yield ev;
            }
            let mut recheck = tokio::time::interval(presence.timing.every);
            recheck.tick().await;
            loop {
                let rewatch = tokio::select! {
                    signal = rx.recv() => match signal {
                        Ok(signal) => {
                            let Ephemeral::Presence { user, online } = signal.as_ref() else { continue };
                            if users.contains_key(&user.id) && known.insert(user.id, *online) != Some(*online) {
                                yield presence_event(&users[&user.id], *online);
                            }
                            false
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => true,
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    ev = log.recv() => match ev {
                        Ok(ev) => ev.payload.membership_of().is_some_and(|u| u == viewer || users.contains_key(&u)),
                        Err(broadcast::error::RecvError::Lagged(_)) => true,
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    // Catches what no signal announces: an instance that died
                    // with users on it stops heartbeating, and they expire;
                    // and blocks, which are not events.
                    _ = recheck.tick() => true,
                };
                if rewatch {
                    match watch(&st, viewer, requested.as_deref(), &mut users, &mut known).await {
                        Ok(changes) => for ev in changes { yield ev; },
                        Err(e) => tracing::warn!("presence re-check failed: {e}"),
                    }
                }
            }
        })
    }
}

/// Recomputes who the viewer may watch (of `requested`, or everyone allowed)
/// and their online state; returns the changes: newly watchable users with
/// their state, users no longer watchable as offline (if they were online),
/// and state changes of the others.
async fn watch(
    st: &AppState,
    viewer: UserId,
    requested: Option<&[UserId]>,
    users: &mut HashMap<UserId, PublicUser>,
    known: &mut HashMap<UserId, bool>,
) -> Result<Vec<PresenceEvent>, String> {
    let mut c = st.pool.get().await.map_err(|e| e.to_string())?;
    let allowed = db::contacts::related_users(&mut c, viewer, 1000).await.map_err(|e| e.to_string())?;
    let wanted: HashSet<UserId> = match requested {
        None => allowed.into_iter().collect(),
        Some(ids) => ids.iter().copied().filter(|id| allowed.contains(id)).collect(),
    };
    let mut out = Vec::new();
    let gone: Vec<UserId> = users.keys().copied().filter(|id| !wanted.contains(id)).collect();
    for id in gone {
        if let Some(user) = users.remove(&id) {
            if known.remove(&id) == Some(true) {
                out.push(presence_event(&user, false));
            }
        }
    }
    let new: Vec<UserId> = wanted.iter().copied().filter(|id| !users.contains_key(id)).collect();
    let loaded = db::users::users_by_ids(&mut c, &new).await.map_err(|e| e.to_string())?;
    drop(c);
    users.extend(loaded.iter().map(|u| (u.id, PublicUser::from(u))));
    let mut ids: Vec<UserId> = users.keys().copied().collect();
    ids.sort_unstable();
    let now = st.presence.online(&ids).await;
    for id in ids {
        let online = now.get(&id).copied().unwrap_or(false);
        if known.insert(id, online) != Some(online) {
            out.push(presence_event(&users[&id], online));
        }
    }
    Ok(out)
}

fn presence_event(user: &PublicUser, online: bool) -> PresenceEvent {
    PresenceEvent { user: UserNode { user: user.clone(), email: None }, online }
}
