//! The `Node` interface and `node(id:)`: any object by global id, or null
//! when it does not exist or the viewer may not see it.

use async_graphql::{Context, Interface, Object, ID};
use jeco_schema as db;

use super::conversations::ConversationNode;
use super::media::AttachmentNode;
use super::messages::MessageNode;
use super::tokens::AccessTokenNode;
use super::users::{load_user, viewer_id, UserNode};
use crate::error::{internal, ServiceError};
use crate::graphql::state;
use crate::ids::{self, Kind};
use crate::services::access::{access_conversation, visible_conversation};
use jeco_schema::enums::UploadPurpose;
use jeco_schema::ids::{AccessTokenId, AttachmentId, ConversationId, MessageId, UserId};

/// The `node` query.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by global id; null when it does not exist or is not visible.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((kind, n)) = ids::decode_any(&id) else { return Ok(None) };
        let viewer = viewer_id(ctx);
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        match kind {
            Kind::User => {
                let n = UserId(n);
                let exists = !db::users::users_by_ids(&mut c, &[n]).await.map_err(internal)?.is_empty();
                drop(c);
                if exists {
                    Ok(Some(Node::User(load_user(ctx, n).await?)))
                } else {
                    Ok(None)
                }
            }
            Kind::Conversation => match visible_conversation(&mut c, viewer, ConversationId(n)).await {
                Ok(conv) => Ok(conv.map(|cv| Node::Conversation(ConversationNode(cv)))),
                Err(e) => Err(internal(e)),
            },
            // Notifications are reached through `notifications`, not `node`.
            Kind::Notification => Ok(None),
            Kind::AccessToken => {
                let Some(viewer) = viewer else { return Ok(None) };
                let row =
                    db::access_tokens::access_token(&mut c, AccessTokenId(n)).await.map_err(internal)?;
                Ok(row
                    .filter(|t| t.user_id == viewer && t.revoked_at.is_none())
                    .map(|t| Node::AccessToken(AccessTokenNode(t))))
            }
            Kind::Attachment => {
                let Some(viewer) = viewer else { return Ok(None) };
                let Some(row) =
                    db::attachments::attachment(&mut c, AttachmentId(n)).await.map_err(internal)?
                else {
                    return Ok(None);
                };
                // The uploader sees their own; others only what is attached to a
                // message of a conversation they are in, or someone's avatar.
                let visible = match (row.purpose, row.conversation_id) {
                    (_, _) if row.uploader_id == viewer => true,
                    (UploadPurpose::Avatar, _) => super::media::ready(&row),
                    (UploadPurpose::Attachment, Some(conv)) if row.message_id.is_some() => {
                        db::members::member(&mut c, conv, viewer).await.map_err(internal)?.is_some()
                    }
                    (UploadPurpose::Attachment, _) => false,
                };
                Ok(visible.then_some(Node::Attachment(AttachmentNode(row))))
            }
            Kind::Message => {
                let Some(viewer) = viewer else { return Ok(None) };
                let Some(m) = db::messages::messages_by_ids(&mut c, &[MessageId(n)])
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .next()
                else {
                    return Ok(None);
                };
                match access_conversation(&mut c, viewer, m.conversation_id).await {
                    Ok(_) => Ok(Some(Node::Message(MessageNode { row: m, sender: None }))),
                    Err(ServiceError::User(_)) => Ok(None),
                    Err(e) => Err(internal(e)),
                }
            }
        }
    }
}

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    /// A user.
    User(UserNode),
    /// A conversation.
    Conversation(ConversationNode),
    /// An uploaded file.
    Attachment(AttachmentNode),
    /// A message.
    Message(MessageNode),
    /// A personal access token (its owner only).
    AccessToken(AccessTokenNode),
}
