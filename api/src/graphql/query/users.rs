//! User search and contacts.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};
use jeco_schema as db;
use jeco_schema::models::User;

use crate::error::{bad_request, internal};
use crate::events::PublicUser;
use crate::graphql::connection::forward;
use crate::graphql::types::UserNode;
use crate::graphql::{require_viewer, state};
use crate::ids;

/// User queries.
#[derive(Default)]
pub struct UserQuery;

fn connection(rows: Vec<User>, limit: i64, has_prev: bool) -> Connection<String, UserNode> {
    let more = rows.len() as i64 > limit;
    let mut conn = Connection::new(has_prev, more);
    conn.edges.extend(rows.into_iter().take(limit as usize).map(|u| {
        Edge::new(
            ids::name_cursor(&u.username.to_lowercase(), u.id),
            UserNode { user: PublicUser::from(&u), email: None },
        )
    }));
    conn
}

fn key(cursor: Option<&str>) -> async_graphql::Result<Option<(String, i64)>> {
    cursor.map(|c| ids::parse_name_cursor(c).ok_or_else(|| bad_request("invalid cursor"))).transpose()
}

#[Object]
impl UserQuery {
    /// Users whose username or display name contains `query` (at least 1
    /// character). Emails are never searched or shown.
    async fn search_users(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserNode>> {
        require_viewer(ctx)?;
        let page = forward(first, after)?;
        let q = query.trim();
        if q.is_empty() || q.chars().count() > 64 {
            return Err(bad_request("query must be 1–64 characters"));
        }
        let after = key(page.cursor.as_deref())?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows =
            db::users::search_users(&mut c, q, after.clone(), page.limit + 1).await.map_err(internal)?;
        Ok(connection(rows, page.limit, after.is_some()))
    }

    /// The viewer's contacts, by username.
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserNode>> {
        let viewer = require_viewer(ctx)?;
        let page = forward(first, after)?;
        let after = key(page.cursor.as_deref())?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::contacts::contacts_of(&mut c, viewer, after.clone(), page.limit + 1)
            .await
            .map_err(internal)?;
        Ok(connection(rows, page.limit, after.is_some()))
    }
}
