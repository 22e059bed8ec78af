//! Conversation queries: the viewer's list, public rooms, one conversation.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use jeco_schema as db;

use super::ConversationNode;
use crate::error::{bad_request, internal};
use crate::graphql::cursor::Cursor;
use crate::graphql::pagination::Page;
use crate::graphql::users::viewer_id;
use crate::graphql::{require_viewer, state};
use crate::ids;
use crate::services::access::visible_conversation;
use jeco_schema::ids::ConversationId;

/// Conversation queries.
#[derive(Default)]
pub struct ConversationQuery;

#[Object]
impl ConversationQuery {
    /// The viewer's conversations, most recent activity first.
    #[graphql(complexity = "crate::graphql::cost::page(first, None, child_complexity)")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ConversationNode>> {
        let viewer = require_viewer(ctx)?;
        let page = Page::forward(first, after, Cursor::activity)?;
        let key = page.key()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows =
            db::conversations::conversations_of(&mut c, viewer, key, page.fetch()).await.map_err(internal)?;
        Ok(page.connection(rows, |cv| {
            Edge::new(Cursor::Activity(cv.last_activity_at, cv.id.get()).encode(), ConversationNode(cv))
        }))
    }

    /// Public rooms by name, optionally filtered by a substring of the name.
    #[graphql(complexity = "crate::graphql::cost::page(first, None, child_complexity)")]
    async fn public_rooms(
        &self,
        ctx: &Context<'_>,
        query: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ConversationNode>> {
        let page = Page::forward(first, after, Cursor::name)?;
        if query.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(bad_request("query must be at most 100 characters"));
        }
        let key = page.key()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::conversations::public_rooms(&mut c, query.as_deref(), key, page.fetch())
            .await
            .map_err(internal)?;
        Ok(page.connection(rows, |cv| {
            let name = cv.name.clone().unwrap_or_default().to_lowercase();
            Edge::new(Cursor::Name(name, cv.id.get()).encode(), ConversationNode(cv))
        }))
    }

    /// One conversation; null when it does not exist or is not visible.
    async fn conversation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<ConversationNode>> {
        let Some(n) = ids::decode::<ConversationId>(&id) else { return Ok(None) };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let conv = visible_conversation(&mut c, viewer_id(ctx), n).await.map_err(internal)?;
        Ok(conv.map(ConversationNode))
    }
}
