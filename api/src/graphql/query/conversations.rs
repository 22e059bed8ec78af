//! Queries about conversations and the event log head.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use jeco_schema as db;

use crate::error::{bad_request, internal};
use crate::graphql::connection::forward;
use crate::graphql::types::{viewer_id, ConversationNode};
use crate::graphql::{require_viewer, state};
use crate::ids::{self, Kind};
use crate::services::access::visible_conversation;

/// Conversation queries.
#[derive(Default)]
pub struct ConversationQuery;

#[Object]
impl ConversationQuery {
    /// The viewer's conversations, most recent activity first.
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ConversationNode>> {
        let viewer = require_viewer(ctx)?;
        let page = forward(first, after)?;
        let key = match page.cursor.as_deref() {
            Some(c) => Some(ids::parse_time_cursor("c", c).ok_or_else(|| bad_request("invalid cursor"))?),
            None => None,
        };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let mut rows = db::conversations::conversations_of(&mut c, viewer, key, page.limit + 1)
            .await
            .map_err(internal)?;
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let mut conn = Connection::new(key.is_some(), more);
        conn.edges
            .extend(rows.into_iter().map(|cv| {
                Edge::new(ids::time_cursor("c", cv.last_activity_at, cv.id), ConversationNode(cv))
            }));
        Ok(conn)
    }

    /// Public rooms by name, optionally filtered by a substring of the name.
    async fn public_rooms(
        &self,
        ctx: &Context<'_>,
        query: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ConversationNode>> {
        let page = forward(first, after)?;
        if query.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(bad_request("query must be at most 100 characters"));
        }
        let key = match page.cursor.as_deref() {
            Some(c) => Some(ids::parse_name_cursor(c).ok_or_else(|| bad_request("invalid cursor"))?),
            None => None,
        };
        let has_prev = key.is_some();
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let mut rows = db::conversations::public_rooms(&mut c, query.as_deref(), key, page.limit + 1)
            .await
            .map_err(internal)?;
        let more = rows.len() as i64 > page.limit;
        rows.truncate(page.limit as usize);
        let mut conn = Connection::new(has_prev, more);
        conn.edges.extend(rows.into_iter().map(|cv| {
            let name = cv.name.clone().unwrap_or_default().to_lowercase();
            Edge::new(ids::name_cursor(&name, cv.id), ConversationNode(cv))
        }));
        Ok(conn)
    }

    /// One conversation; null when it does not exist or is not visible.
    async fn conversation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ConversationNode>> {
        let Some(n) = ids::decode(Kind::Conversation, &id) else { return Ok(None) };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let conv = visible_conversation(&mut c, viewer_id(ctx), n).await.map_err(internal)?;
        Ok(conv.map(ConversationNode))
    }

    /// A cursor at the head of the event log: pass it as `after` to
    /// `conversationEvents` to receive everything that happens from now on
    /// (possibly with a few events from just before: dedupe by message id).
    async fn event_cursor(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let head = state(ctx).hub.head().await.map_err(internal)?;
        Ok(ids::log_cursor(head))
    }
}
