//! `eventCursor` and `conversationEvents`: the log head to start from, and the
//! gapless replay-then-live stream of a viewer's conversation events.

use async_graphql::{Context, Object, Subscription, ID};
use futures_util::{Stream, StreamExt};

use super::shared::SharedEventNode;
use crate::error::internal;
use crate::events::EventPayload;
use crate::graphql::conversations::member_conversation;
use crate::graphql::cursor::Cursor;
use crate::graphql::{require_viewer, state};
use crate::hub::Scope;

/// The event-log head query.
#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// A cursor at the head of the event log: pass it as `after` to
    /// `conversationEvents` to receive everything that happens from now on
    /// (possibly with a few events from just before: dedupe by message id).
    async fn event_cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let head = state(ctx).hub.head().await.map_err(internal)?;
        Ok(Cursor::Log(head).encode())
    }
}

/// The conversation event subscription.
#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
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
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<SharedEventNode>>> {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx);
        // The head is taken before the membership check: a removal committed
        // after the head is replayed (and ends the stream); one committed before
        // it is seen by the check. The other order could miss the removal and
        // leave a stream open on a conversation the viewer has left.
        let after = match after {
            Some(c) => Cursor::decode_as(&c, Cursor::log)?,
            None => st.hub.head().await.map_err(internal)?,
        };
        let scope = match conversation_id {
            None => Scope::AllOf,
            Some(id) => Scope::Conversation(member_conversation(ctx, viewer, &id).await?),
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
            item.map(SharedEventNode).map_err(internal)
        }))
    }
}
