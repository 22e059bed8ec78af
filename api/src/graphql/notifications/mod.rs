//! Notifications in GraphQL: the list, the unread count, marking read, and
//! (in `stream`) the resumable subscription. A notification outlives the
//! viewer's access to what it points at: its `kind`, `actor` and times stay,
//! but `message` and `conversation` answer as a direct read would now.

mod stream;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use jeco_schema as db;
use jeco_schema::models::Notification;

pub use stream::NotificationSubscription;

use super::conversations::{may_see, viewer_role, ConversationNode};
use super::cursor::Cursor;
use super::loaders::{Batch, ConversationLoader, MessageLoader};
use super::messages::MessageNode;
use super::pagination::Page;
use super::users::{load_user, UserNode};
use super::{require_viewer, split, state, viewer};
use crate::error::{internal, UserError};
use crate::ids;
use crate::services::notifications as svc;
use jeco_schema::ids::NotificationId;

/// Why the viewer is notified.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "jeco_schema::enums::NotificationKind")]
pub enum NotificationKind {
    /// A message in a direct conversation.
    DirectMessage,
    /// An @mention.
    Mention,
    /// A reply to the viewer's message.
    Reply,
}

/// Something that happened for the viewer.
pub struct NotificationNode(pub Notification);

#[Object(name = "Notification")]
impl NotificationNode {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(self.0.id)
    }
    /// Why.
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    /// Who caused it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<UserNode> {
        load_user(ctx, self.0.actor_id).await
    }
    /// The conversation; null when the viewer may no longer see it (what
    /// `conversation(id:)` answers, e.g. a private room they were removed from).
    async fn conversation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ConversationNode>> {
        let conv = ctx.data_unchecked::<Batch<ConversationLoader>>().load_one(self.0.conversation_id).await?;
        match conv {
            Some(conv) if may_see(ctx, &conv).await? => Ok(Some(ConversationNode(conv))),
            _ => Ok(None),
        }
    }
    /// The message; null unless the viewer is a member of its conversation now
    /// (what `node(id:)` answers), so a notification shows no body, reactions
    /// or receipts of a conversation the viewer left or was removed from.
    async fn message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageNode>> {
        let m = ctx.data_unchecked::<Batch<MessageLoader>>().load_one(self.0.message_id).await?;
        match m {
            Some(row) if viewer_role(ctx, row.conversation_id).await?.is_some() => {
                Ok(Some(MessageNode { row, sender: None }))
            }
            _ => Ok(None),
        }
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the viewer marked it read.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

/// A new notification, with the cursor to resume after it.
#[derive(SimpleObject)]
pub struct NotificationEvent {
    /// Opaque; pass as `after` to resume right after this notification.
    pub cursor: String,
    /// The notification.
    pub notification: NotificationNode,
}

/// Notification queries.
#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The viewer's notifications, newest first.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, NotificationNode>> {
        let viewer = require_viewer(ctx)?;
        let page = Page::forward(first, after, Cursor::notification)?;
        let key = page.key()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::notifications::notifications_of(
            &mut c,
            viewer,
            unread_only.unwrap_or(false),
            key,
            page.fetch(),
        )
        .await
        .map_err(internal)?;
        Ok(page.connection(rows, |n| {
            Edge::new(Cursor::Notification(n.tx, n.id.get()).encode(), NotificationNode(n))
        }))
    }

    /// How many of the viewer's notifications are unread (0 when anonymous).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let Some(v) = viewer(ctx) else { return Ok(0) };
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        db::notifications::unread_notification_count(&mut c, v.user_id).await.map_err(internal)
    }
}

/// Input of markNotificationsRead: some ids, or all.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// These notifications.
    ids: Option<Vec<ID>>,
    /// Every notification of the viewer.
    #[graphql(default = false)]
    all: bool,
}

/// Result of markNotificationsRead.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// Unread notifications left.
    unread_count: Option<i64>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Notification mutations.
#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks notifications read.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let ids = match (input.all, input.ids) {
            (true, _) => Ok(None),
            (false, Some(ids)) => {
                Ok(Some(ids.iter().filter_map(|id| ids::decode::<NotificationId>(id)).collect()))
            }
            (false, None) => Err(UserError::on_field(
                "ids",
                crate::error::UserErrorCode::Invalid,
                "give 1–500 notification ids, or all: true",
            )
            .into()),
        };
        let result = match ids {
            Ok(ids) => svc::mark_read(state(ctx), viewer(ctx), ids).await,
            Err(e) => Err(e),
        };
        let (unread_count, user_errors) = split(result)?;
        Ok(MarkNotificationsReadPayload { unread_count, user_errors })
    }
}
