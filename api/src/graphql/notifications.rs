//! Notifications in GraphQL: the list, the unread count, marking read, and
//! the resumable stream.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use jeco_schema as db;
use jeco_schema::models::Notification;
use tokio::sync::broadcast;

use super::connection::forward;
use super::loaders::{Batch, ConversationLoader, MessageLoader};
use super::types::{load_user, ConversationNode, MessageNode, UserNode};
use super::{require_viewer, split, state, viewer};
use crate::error::{bad_request, internal, UserError};
use crate::events::{EventPayload, LoggedEvent};
use crate::ids::{self, Kind};
use crate::services::notifications as svc;
use crate::state::AppState;

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
        ids::encode(Kind::Notification, self.0.id)
    }
    /// Why.
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    /// Who caused it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<UserNode> {
        load_user(ctx, self.0.actor_id).await
    }
    /// The conversation.
    async fn conversation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ConversationNode>> {
        let conv = ctx.data_unchecked::<Batch<ConversationLoader>>().load_one(self.0.conversation_id).await?;
        Ok(conv.map(ConversationNode))
    }
    /// The message.
    async fn message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MessageNode>> {
        let m = ctx.data_unchecked::<Batch<MessageLoader>>().load_one(self.0.message_id).await?;
        Ok(m.map(|row| MessageNode { row, sender: None }))
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
    cursor: String,
    /// The notification.
    notification: NotificationNode,
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
        let page = forward(first, after)?;
        let key = page
            .cursor
            .as_deref()
            .map(|c| ids::parse_notification_cursor(c).ok_or_else(|| bad_request("invalid cursor")))
            .transpose()?;
        let mut c = state(ctx).pool.get().await.map_err(internal)?;
        let rows = db::notifications::notifications_of(
            &mut c,
            viewer,
            unread_only.unwrap_or(false),
            key,
            page.limit + 1,
        )
        .await
        .map_err(internal)?;
        let more = rows.len() as i64 > page.limit;
        let mut conn = Connection::new(key.is_some(), more);
        conn.edges.extend(
            rows.into_iter()
                .take(page.limit as usize)
                .map(|n| Edge::new(ids::notification_cursor(n.tx, n.id), NotificationNode(n))),
        );
        Ok(conn)
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
                Ok(Some(ids.iter().filter_map(|id| ids::decode(Kind::Notification, id)).collect()))
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

/// Page size of notification replays.
const PAGE: i64 = 200;

/// The viewer's notifications after `after`, replayed then live. A new
/// notification is always written with a message event in the same
/// transaction, so the stream only looks at the table when such an event
/// concerns the viewer: a direct conversation, or a mention of their name.
pub fn stream(
    st: AppState,
    viewer: i64,
    username: String,
    after: (i64, i64),
    rooms: Vec<(i64, bool)>,
) -> impl Stream<Item = async_graphql::Result<NotificationEvent>> {
    let mut rx = st.hub.live_events();
    async_stream::stream! {
        let mut pos = after;
        let mut member: HashSet<i64> = rooms.iter().map(|(id, _)| *id).collect();
        let mut direct: HashSet<i64> = rooms.iter().filter(|(_, d)| *d).map(|(id, _)| *id).collect();
        let mention = format!("@{}", username.to_lowercase());
        let mut interest = st.hub.interest();
        for id in &member {
            interest.add(*id);
        }
        loop {
            // Replay (also after a lag or a relevant event).
            loop {
                let rows = match st.pool.get().await {
                    Ok(mut c) => db::notifications::notifications_after(&mut c, viewer, pos, PAGE).await.map_err(internal),
                    Err(e) => Err(internal(e)),
                };
                let rows = match rows { Ok(r) => r, Err(e) => { yield Err(e); return; } };
                let n = rows.len();
                for row in rows {
                    pos = (row.tx, row.id);
                    yield Ok(NotificationEvent { cursor: ids::notification_cursor(row.tx, row.id), notification: NotificationNode(row) });
                }
                if (n as i64) < PAGE { break; }
            }
            // Wait for an event that may have notified the viewer.
            loop {
                match rx.recv().await {
                    Ok(ev) => {
                        let hit = relevant(&ev, viewer, &mention, &mut member, &mut direct, &st).await;
                        if member.contains(&ev.conversation_id) {
                            interest.add(ev.conversation_id);
                        } else {
                            interest.remove(ev.conversation_id);
                        }
                        if hit {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }
}

async fn relevant(
    ev: &Arc<LoggedEvent>,
    viewer: i64,
    mention: &str,
    member: &mut HashSet<i64>,
    direct: &mut HashSet<i64>,
    st: &AppState,
) -> bool {
    match &ev.payload {
        EventPayload::MemberJoined { user, .. } if user.id == viewer => {
            member.insert(ev.conversation_id);
            if let Ok(mut c) = st.pool.get().await {
                if let Ok(convs) =
                    db::conversations::conversations_by_ids(&mut c, &[ev.conversation_id]).await
                {
                    if convs.iter().any(|cv| cv.kind == db::enums::ConversationKind::Direct) {
                        direct.insert(ev.conversation_id);
                    }
                }
            }
            false
        }
        EventPayload::MemberLeft { user } if user.id == viewer => {
            member.remove(&ev.conversation_id);
            false
        }
        EventPayload::MessageCreated { message, .. } => {
            message.sender_id != viewer
                && member.contains(&ev.conversation_id)
                && (direct.contains(&ev.conversation_id)
                    // A reply may be to the viewer: whose message it answers is
                    // not in the event, so look (one indexed read per reply).
                    || message.reply_to_id.is_some()
                    || message.body.as_deref().is_some_and(|b| b.to_lowercase().contains(mention)))
        }
        _ => false,
    }
}
