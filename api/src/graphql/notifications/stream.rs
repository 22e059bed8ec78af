//! The `notifications` subscription: the viewer's notifications after a
//! cursor, replayed from the table, then one more read whenever an event that
//! may have notified them arrives. The events come from the hub's own
//! subscriber (`EventHub::subscribe`), so replay after a lag, following the
//! viewer's joins and leaves, and the broker interest are the hub's code.

use std::collections::HashSet;

use async_graphql::{Context, Subscription};
use futures_util::{Stream, StreamExt};
use jeco_schema as db;
use jeco_schema::log::LogPos;

use super::{NotificationEvent, NotificationNode};
use crate::error::internal;
use crate::events::{EventPayload, LoggedEvent};
use crate::graphql::cursor::Cursor;
use crate::graphql::{require_viewer, state};
use crate::hub::Scope;
use crate::state::AppState;
use jeco_schema::ids::{ConversationId, UserId};

/// Page size of notification replays.
const PAGE: i64 = 200;

/// The notification subscription.
#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// The viewer's notifications after `after` (default: now), replayed then
    /// live; resume with the last event's cursor.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<NotificationEvent>>> {
        let viewer = require_viewer(ctx)?;
        let st = state(ctx).clone();
        let mut c = st.pool.get().await.map_err(internal)?;
        // Events are followed from here; notifications committed before it are
        // in the first replay, and later ones come with an event after it.
        let head = jeco_schema::log::head(&mut c).await.map_err(internal)?;
        let after = match after {
            Some(cursor) => Cursor::decode_as(&cursor, Cursor::notification)?,
            None => (head.tx, head.id),
        };
        let username = db::users::users_by_ids(&mut c, &[viewer])
            .await
            .map_err(internal)?
            .first()
            .map(|u| u.username.clone())
            .ok_or_else(|| internal("viewer vanished"))?;
        let ids = db::members::conversation_ids_of(&mut c, viewer).await.map_err(internal)?;
        let direct = db::conversations::conversations_by_ids(&mut c, &ids)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|cv| cv.kind == db::enums::ConversationKind::Direct)
            .map(|cv| cv.id)
            .collect();
        drop(c);
        Ok(stream(
            st,
            Watch { viewer, mention: format!("@{}", username.to_lowercase()), direct },
            after,
            head,
        ))
    }
}

/// What tells a viewer's events that may have notified them from the rest.
struct Watch {
    viewer: UserId,
    /// `@username`, lower-cased.
    mention: String,
    /// The viewer's direct conversations (every message there notifies).
    direct: HashSet<ConversationId>,
}

/// The viewer's notifications after `after`, replayed then live. A new
/// notification is always written with a message event in the same
/// transaction, so the stream only looks at the table when such an event
/// concerns the viewer: a direct conversation, or a mention of their name.
fn stream(
    st: AppState,
    mut watch: Watch,
    after: (i64, i64),
    head: LogPos,
) -> impl Stream<Item = async_graphql::Result<NotificationEvent>> {
    async_stream::stream! {
        let mut events = Box::pin(st.hub.subscribe(watch.viewer, Scope::AllOf, head));
        let mut pos = after;
        loop {
            loop {
                let rows = match st.pool.get().await {
                    Ok(mut c) => db::notifications::notifications_after(&mut c, watch.viewer, pos, PAGE).await.map_err(internal),
                    Err(e) => Err(internal(e)),
                };
                let rows = match rows { Ok(r) => r, Err(e) => { yield Err(e); return; } };
                let n = rows.len();
                for row in rows {
                    pos = (row.tx, row.id.get());
                    yield Ok(NotificationEvent { cursor: Cursor::Notification(row.tx, row.id.get()).encode(), notification: NotificationNode(row) });
                }
                if (n as i64) < PAGE { break; }
            }
            // Wait for an event that may have notified the viewer.
            loop {
                match events.next().await {
                    Some(Ok(ev)) => if watch.relevant(&ev, &st).await { break },
                    Some(Err(e)) => { yield Err(internal(e)); return; }
                    None => return,
                }
            }
        }
    }
}

impl Watch {
    /// Whether `ev` (in a conversation the viewer follows, or about their own
    /// membership) may have written them a notification.
    async fn relevant(&mut self, ev: &LoggedEvent, st: &AppState) -> bool {
        match &ev.payload {
            EventPayload::MemberJoined { user, .. } if user.id == self.viewer => {
                if let Ok(mut c) = st.pool.get().await {
                    if let Ok(convs) =
                        db::conversations::conversations_by_ids(&mut c, &[ev.conversation_id]).await
                    {
                        if convs.iter().any(|cv| cv.kind == db::enums::ConversationKind::Direct) {
                            self.direct.insert(ev.conversation_id);
                        }
                    }
                }
                false
            }
            EventPayload::MessageCreated { message, .. } => {
                message.sender_id != self.viewer
                    && (self.direct.contains(&ev.conversation_id)
                        // A reply may be to the viewer: whose message it answers is
                        // not in the event, so look (one indexed read per reply).
                        || message.reply_to_id.is_some()
                        || message.body.as_deref().is_some_and(|b| b.to_lowercase().contains(&self.mention)))
            }
            _ => false,
        }
    }
}
