//! Subscription root.

use async_graphql::{Context, Subscription, ID};
use futures_util::{Stream, StreamExt};

use crate::error::{bad_request, internal, ServiceError};
use crate::graphql::types::ConversationEventNode;
use crate::graphql::{require_viewer, state};
use crate::hub::Scope;
use crate::ids::{self, Kind};
use crate::services::conversations::access_conversation;

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

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
        let scope = match conversation_id {
            None => Scope::AllOf,
            Some(id) => {
                let not_found = || async_graphql::Error::new("conversation not found");
                let n = ids::decode(Kind::Conversation, &id).ok_or_else(not_found)?;
                let mut c = st.pool.get().await.map_err(internal)?;
                match access_conversation(&mut c, viewer, n).await {
                    Ok(_) => Scope::Conversation(n),
                    Err(ServiceError::User(_)) => return Err(not_found()),
                    Err(e) => return Err(internal(e)),
                }
            }
        };
        let after = match after {
            Some(c) => ids::parse_log_cursor(&c).ok_or_else(|| bad_request("invalid cursor"))?,
            None => st.hub.head().await.map_err(internal)?,
        };
        Ok(st
            .hub
            .subscribe(viewer, scope, after)
            .map(|item| item.map(ConversationEventNode).map_err(internal)))
    }
}
