//! Users: the `User` object, the viewer, user search and contacts, and the
//! profile and contact mutations.

mod contacts;
mod profile;
mod query;

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

pub use contacts::ContactMutation;
pub use profile::ProfileMutation;
pub use query::UserQuery;

use super::loaders::{Batch, RelationLoader, UserLoader};
use super::viewer;
use crate::error::internal;
use crate::events::PublicUser;
use crate::ids;
use crate::media::sign::Variant;
use jeco_schema::ids::UserId;

/// A registered user.
pub struct UserNode {
    /// Public fields.
    pub user: PublicUser,
    /// Only filled in for the user themself.
    pub email: Option<String>,
}

#[Object(name = "User")]
impl UserNode {
    /// Global id.
    pub(crate) async fn id(&self) -> ID {
        ids::encode(self.user.id)
    }
    /// Unique handle.
    async fn username(&self) -> &str {
        &self.user.username
    }
    /// Name shown in the UI.
    async fn display_name(&self) -> &str {
        &self.user.display_name
    }
    /// Only visible to the user themself; null for everyone else.
    async fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    /// Registration time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.user.created_at
    }
    /// Free-text "about me" (null when empty).
    async fn bio(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        // Users embedded in events carry no bio; load the current one.
        let user = ctx.data_unchecked::<Batch<UserLoader>>().load_one(self.user.id).await?;
        Ok(user.and_then(|u| u.bio))
    }
    /// Signed URL of the profile picture, square, for the viewer; `size` in
    /// pixels picks the rendition (64 or 256; default 64); null without one.
    async fn avatar_url(
        &self,
        ctx: &Context<'_>,
        size: Option<i32>,
    ) -> async_graphql::Result<Option<String>> {
        // Users embedded in events carry no avatar; load the current one.
        let user = ctx.data_unchecked::<Batch<UserLoader>>().load_one(self.user.id).await?;
        let variant = if size.unwrap_or(64) <= 64 { Variant::Avatar64 } else { Variant::Avatar256 };
        Ok(user.and_then(|u| u.avatar_id).map(|id| crate::graphql::media::signed(ctx, id, variant)))
    }
    /// Whether the viewer has this user in their contacts.
    async fn is_contact(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(relation(ctx, self.user.id).await?.0)
    }
    /// Whether the viewer blocked this user.
    async fn is_blocked(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(relation(ctx, self.user.id).await?.1)
    }
}

async fn relation(ctx: &Context<'_>, user_id: UserId) -> async_graphql::Result<(bool, bool)> {
    match crate::graphql::loaders::viewer_loader::<RelationLoader>(ctx) {
        Some(loader) => Ok(loader.load_one(user_id).await?.unwrap_or((false, false))),
        None => Ok((false, false)),
    }
}

/// Loads a user's public fields (batched).
pub async fn load_user(ctx: &Context<'_>, id: UserId) -> async_graphql::Result<UserNode> {
    let user = ctx
        .data_unchecked::<Batch<UserLoader>>()
        .load_one(id)
        .await?
        .ok_or_else(|| internal(format!("user {id} missing")))?;
    Ok(UserNode { user, email: None })
}

/// The viewer's user id or None, for resolvers that allow anonymous callers.
pub fn viewer_id(ctx: &Context<'_>) -> Option<UserId> {
    viewer(ctx).map(|v| v.user_id)
}
