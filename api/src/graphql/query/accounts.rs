//! Queries about users and the node interface.

use async_graphql::{Context, Object, ID};
use jeco_schema as db;

use crate::error::internal;
use crate::events::PublicUser;
use crate::graphql::state;
use crate::graphql::types::{load_user, viewer_id, ConversationNode, MessageNode, Node, UserNode};
use crate::ids::{self, Kind};
use crate::services::access::{access_conversation, visible_conversation};

/// Account queries.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
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

    /// Any object by global id; null when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((kind, n)) = ids::decode_any(&id) else { return Ok(None) };
        let viewer = viewer_id(ctx);
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        match kind {
            Kind::User => {
                let exists = !db::users::users_by_ids(&mut c, &[n]).await.map_err(internal)?.is_empty();
                drop(c);
                if exists {
                    Ok(Some(Node::User(load_user(ctx, n).await?)))
                } else {
                    Ok(None)
                }
            }
            Kind::Conversation => match visible_conversation(&mut c, viewer, n).await {
                Ok(conv) => Ok(conv.map(|cv| Node::Conversation(ConversationNode(cv)))),
                Err(e) => Err(internal(e)),
            },
            // Notifications are reached through `notifications`, not `node`.
            Kind::Notification => Ok(None),
            Kind::AccessToken => {
                let Some(viewer) = viewer else { return Ok(None) };
                let row = db::access_tokens::access_token(&mut c, n).await.map_err(internal)?;
                Ok(row
                    .filter(|t| t.user_id == viewer && t.revoked_at.is_none())
                    .map(|t| Node::AccessToken(crate::graphql::types::AccessTokenNode(t))))
            }
            Kind::Message => {
                let Some(viewer) = viewer else { return Ok(None) };
                let Some(m) =
                    db::messages::messages_by_ids(&mut c, &[n]).await.map_err(internal)?.into_iter().next()
                else {
                    return Ok(None);
                };
                match access_conversation(&mut c, viewer, m.conversation_id).await {
                    Ok(_) => Ok(Some(Node::Message(MessageNode { row: m, sender: None }))),
                    Err(crate::error::ServiceError::User(_)) => Ok(None),
                    Err(e) => Err(internal(e)),
                }
            }
        }
    }
}
