//! Message search and the viewer's access tokens.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use crate::error::{bad_request, internal, ServiceError};
use crate::events::PublicUser;
use crate::graphql::connection::forward;
use crate::graphql::types::{AccessTokenNode, MessageConnection, MessageNode, SearchMatch, TextRange};
use crate::graphql::{state, viewer};
use crate::ids::{self, Kind};
use crate::services::{search, tokens};

fn service_error(e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::User(u) => bad_request(u.message),
        ServiceError::Internal(detail) => internal(detail),
    }
}

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over the messages of the viewer's conversations, newest
    /// first. Words match as prefixes in any language; text in scripts without
    /// spaces matches as a substring. Each edge has a highlighted `snippet`.
    #[allow(clippy::too_many_arguments)]
    async fn search_messages(
        &self,
        ctx: &Context<'_>,
        query: String,
        conversation_id: Option<ID>,
        sender_id: Option<ID>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<MessageConnection> {
        let page = forward(first, after)?;
        let before = match page.cursor.as_deref() {
            Some(c) => Some(ids::parse_message_cursor(c).ok_or_else(|| bad_request("invalid cursor"))?),
            None => None,
        };
        // An id of the wrong kind matches nothing, like an id that does not exist.
        let decode = |id: &Option<ID>, kind| match id {
            Some(id) => ids::decode(kind, id).map(Some).ok_or(()),
            None => Ok(None),
        };
        let (Ok(conversation_id), Ok(sender_id)) =
            (decode(&conversation_id, Kind::Conversation), decode(&sender_id, Kind::User))
        else {
            return Ok(Connection::new(false, false));
        };
        let filters = search::Filters { conversation_id, sender_id, since, until };
        let hits = search::search(state(ctx), viewer(ctx), &query, filters, before, page.limit + 1)
            .await
            .map_err(service_error)?;
        let more = hits.len() as i64 > page.limit;
        let mut conn = Connection::new(before.is_some(), more);
        conn.edges.extend(hits.into_iter().take(page.limit as usize).map(|hit| {
            let highlights = hit
                .highlights
                .iter()
                .map(|(s, e)| TextRange {
                    start: i32::try_from(*s).unwrap_or(i32::MAX),
                    end: i32::try_from(*e).unwrap_or(i32::MAX),
                })
                .collect();
            Edge::with_additional_fields(
                ids::message_cursor(hit.message.tx, hit.message.id),
                MessageNode { sender: Some(PublicUser::from(&hit.sender)), row: hit.message },
                SearchMatch { snippet: Some(hit.snippet), highlights: Some(highlights) },
            )
        }));
        Ok(conn)
    }

    /// The viewer's personal access tokens, newest first.
    async fn access_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AccessTokenNode>> {
        let rows = tokens::list(state(ctx), viewer(ctx)).await.map_err(service_error)?;
        Ok(rows.into_iter().map(AccessTokenNode).collect())
    }
}
