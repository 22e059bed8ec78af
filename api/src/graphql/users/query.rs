//! User queries: the viewer, one user, user search and contacts.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};
use jeco_schema as db;
use jeco_schema::models::User;

use super::{viewer_id, UserNode};
use crate::error::{bad_request, internal};
use crate::events::PublicUser;
use crate::graphql::cursor::Cursor;
use crate::graphql::pagination::Page;
use crate::graphql::{require_viewer, state};

/// User queries.
#[derive(Default)]
pub struct UserQuery;

fn edge(u: User) -> Edge<String, UserNode, async_graphql::connection::EmptyFields> {
    Edge::new(
        Cursor::Name(u.username.to_lowercase(), u.id.get()).encode(),
        UserNode { user: PublicUser::from(&u), email: None },
    )
}

#[Object]
impl UserQuery {
    /// The logged-in user; null when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UserNode>> {
        let Some(id) = viewer_id(ctx) else { return Ok(None) };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let user = db::users::users_by_ids(&mut c, &[id]).await.map_err(internal)?.into_iter().next();
        Ok(user.map(|u| UserNode { user: PublicUser::from(&u), email: Some(u.email) }))
    }

    /// A user by username (case-insensitive).
    async fn user(&self, ctx: &Context<'_>, username: String) -> async_graphql::Result<Option<UserNode>> {
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let user = db::users::user_by_username(&mut c, &username).await.map_err(internal)?;
        Ok(user.map(|u| UserNode { user: PublicUser::from(&u), email: None }))
    }

    /// Users whose username or display name contains `query` (at least 1
    /// character). Emails are never searched or shown.
    #[graphql(complexity = "crate::graphql::cost::page(first, None, child_complexity)")]
    async fn search_users(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserNode>> {
        require_viewer(ctx)?;
        let page = Page::forward(first, after, Cursor::name)?;
        let q = query.trim();
        if q.is_empty() || q.chars().count() > 64 {
            return Err(bad_request("query must be 1–64 characters"));
        }
        let key = page.key()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::users::search_users(&mut c, q, key, page.fetch()).await.map_err(internal)?;
        Ok(page.connection(rows, edge))
    }

    /// The viewer's contacts, by username.
    #[graphql(complexity = "crate::graphql::cost::page(first, None, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, UserNode>> {
        let viewer = require_viewer(ctx)?;
        let page = Page::forward(first, after, Cursor::name)?;
        let key = page.key()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::contacts::contacts_of(&mut c, viewer, key, page.fetch()).await.map_err(internal)?;
        Ok(page.connection(rows, edge))
    }
}
