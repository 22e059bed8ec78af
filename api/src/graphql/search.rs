//! Message search: `searchMessages`, whose edges carry a highlighted snippet.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use super::cursor::Cursor;
use super::messages::{MessageConnection, MessageNode, SearchMatch, TextRange};
use super::pagination::Page;
use super::{service_error, state, viewer};
use crate::events::PublicUser;
use crate::ids;
use crate::services::search;
use jeco_schema::ids::{ConversationId, UserId};

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over the messages of the viewer's conversations, newest
    /// first. Words match as prefixes in any language; text in scripts without
    /// spaces matches as a substring. Each edge has a highlighted `snippet`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::cost::page(first, None, child_complexity)")]
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
        let page = Page::forward(first, after, Cursor::message)?;
        let before = page.key()?;
        // An id of the wrong kind matches nothing, like an id that does not exist.
        fn decode<T: ids::GlobalId>(id: &Option<ID>) -> Result<Option<T>, ()> {
            match id {
                Some(id) => ids::decode::<T>(id).map(Some).ok_or(()),
                None => Ok(None),
            }
        }
        let (Ok(conversation_id), Ok(sender_id)) =
            (decode::<ConversationId>(&conversation_id), decode::<UserId>(&sender_id))
        else {
            return Ok(Connection::new(false, false));
        };
        let filters = search::Filters { conversation_id, sender_id, since, until };
        let hits = search::search(state(ctx), viewer(ctx), &query, filters, before, page.fetch())
            .await
            .map_err(service_error)?;
        let messages: Vec<_> = hits.iter().map(|h| &h.message).collect();
        let senders = hits.iter().map(|h| PublicUser::from(&h.sender));
        super::messages::prefetch::connection(ctx, &messages, senders).await?;
        Ok(page.connection(hits, |hit| {
            let highlights = hit
                .highlights
                .iter()
                .map(|(s, e)| TextRange {
                    start: i32::try_from(*s).unwrap_or(i32::MAX),
                    end: i32::try_from(*e).unwrap_or(i32::MAX),
                })
                .collect();
            Edge::with_additional_fields(
                Cursor::Message(hit.message.tx, hit.message.id.get()).encode(),
                MessageNode { sender: Some(PublicUser::from(&hit.sender)), row: hit.message },
                SearchMatch { snippet: Some(hit.snippet), highlights: Some(highlights) },
            )
        }))
    }
}
