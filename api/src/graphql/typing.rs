//! Typing indicators: `setTyping`, and the `typing` subscription where each
//! typist times out by itself.

use std::collections::HashMap;

use async_graphql::{Context, InputObject, Object, SimpleObject, Subscription, ID};
use futures_util::Stream;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::conversations::member_conversation;
use super::users::UserNode;
use super::{require_viewer, split, state, viewer};
use crate::error::UserError;
use crate::events::{Ephemeral, EventPayload, PublicUser};
use crate::ids;
use crate::services::typing::{self, TYPING_TTL};
use crate::state::AppState;
use jeco_schema::ids::{ConversationId, UserId};

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

/// Input of setTyping.
#[derive(InputObject)]
pub struct SetTypingInput {
    /// The conversation.
    conversation_id: ID,
    /// Started (true, renew every few seconds while typing) or stopped.
    #[graphql(default = true)]
    typing: bool,
}

/// Result of setTyping.
#[derive(SimpleObject)]
pub struct SetTypingPayload {
    /// Whether the signal was sent.
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Typing mutations.
#[derive(Default)]
pub struct TypingMutation;

#[Object]
impl TypingMutation {
    /// Tells the other members the viewer is typing; lasts 5 s unless renewed.
    async fn set_typing(
        &self,
        ctx: &Context<'_>,
        input: SetTypingInput,
    ) -> async_graphql::Result<SetTypingPayload> {
        let result = match ids::decode::<ConversationId>(&input.conversation_id) {
            Some(id) => typing::set_typing(state(ctx), viewer(ctx), id, input.typing).await,
            None => Err(UserError::not_found("conversationId", "conversation").into()),
        };
        let (done, user_errors) = split(result)?;
        Ok(SetTypingPayload { ok: done.is_some(), user_errors })
    }
}

/// The typing subscription.
#[derive(Default)]
pub struct TypingSubscription;

#[Subscription]
impl TypingSubscription {
    /// Who is typing in a conversation (members only; the viewer's own typing
    /// is not echoed). Each typist times out by itself after 5 s without
    /// renewal. The stream ends when the viewer leaves or is removed.
    async fn typing(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = TypingEvent>> {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx).clone();
        // Follow the log from before the membership check, so a removal right
        // after it is still seen.
        let mut log = st.hub.live_events();
        let conv = member_conversation(ctx, viewer, &conversation_id).await?;
        let mut rx = st.hub.ephemeral();
        Ok(async_stream::stream! {
            let mut typists: HashMap<UserId, (PublicUser, Instant)> = HashMap::new();
            loop {
                let next_expiry = typists.values().map(|(_, at)| *at).min();
                tokio::select! {
                    // The stream ends with the viewer's membership: their own
                    // `MemberLeft` here, or (when the log feed lagged and
                    // might have skipped it) a membership re-read that fails.
                    ev = log.recv() => match ev {
                        Ok(ev) => {
                            let left = ev.conversation_id == conv
                                && matches!(ev.payload, EventPayload::MemberLeft { .. })
                                && ev.payload.membership_of() == Some(viewer);
                            if left {
                                break;
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            if !still_member(&st, viewer, conv).await {
                                break;
                            }
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
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
                        let expired: Vec<UserId> = typists.iter().filter(|(_, (_, at))| *at <= now).map(|(id, _)| *id).collect();
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
}

fn event(conversation_id: ConversationId, user: PublicUser, typing: bool) -> TypingEvent {
    TypingEvent {
        conversation_id: ids::encode(conversation_id),
        user: UserNode { user, email: None },
        typing,
    }
}

/// Whether the viewer is still a member (a failed read counts as no: the
/// client may subscribe again).
async fn still_member(st: &AppState, viewer: UserId, conv: ConversationId) -> bool {
    let Ok(mut c) = st.pool.get().await else { return false };
    matches!(jeco_schema::members::member(&mut c, conv, viewer).await, Ok(Some(_)))
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
