//! Server calls and conversions for typing, presence and notifications.

use super::error::ApiError;
use super::http::execute;
use super::ops::{
    mark_notifications_read, notification_stream, notifications, set_typing, MarkNotificationsRead,
    Notifications, SetTyping,
};
use crate::state::live::{NotificationItem, NotificationKind};
use crate::user_errors;

/// How many notifications the panel loads.
const NOTIFICATIONS_SHOWN: i64 = 30;

/// Builds a [`NotificationItem`] from one of the generated notification types (the
/// query and the subscription share the `NotificationFields` fragment, but each
/// operation module generates its own copy of its types).
macro_rules! notification_item {
    ($module:ident, $n:expr) => {{
        let n = $n;
        let kind = match n.kind {
            $module::NotificationKind::MENTION => NotificationKind::Mention,
            $module::NotificationKind::REPLY => NotificationKind::Reply,
            _ => NotificationKind::DirectMessage,
        };
        let (conversation_id, conversation_title) = match n.conversation {
            Some(c) => {
                let title = match (c.name, c.peer) {
                    (Some(name), _) => format!("#{name}"),
                    (None, Some(peer)) => peer.display_name,
                    (None, None) => "a conversation".to_owned(),
                };
                (Some(c.id), title)
            }
            None => (None, "a conversation".to_owned()),
        };
        NotificationItem {
            id: n.id,
            kind,
            actor: n.actor.display_name,
            conversation_id,
            conversation_title,
            body: n.message.and_then(|m| m.body),
            created_at: n.created_at,
            read: n.read_at.is_some(),
        }
    }};
}

/// A notification from the subscription.
pub fn from_stream(n: notification_stream::NotificationStreamNotificationsNotification) -> NotificationItem {
    notification_item!(notification_stream, n)
}

/// Tells the members of a conversation that the viewer is (or stopped) typing.
pub async fn set_typing(conversation_id: String, typing: bool) -> Result<(), ApiError> {
    let input = set_typing::SetTypingInput { conversation_id, typing };
    let payload = execute::<SetTyping>(set_typing::Variables { input }).await?.set_typing;
    match user_errors!(payload.user_errors) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// The newest notifications and the unread count.
pub async fn notifications() -> Result<(Vec<NotificationItem>, i64), ApiError> {
    let data =
        execute::<Notifications>(notifications::Variables { first: Some(NOTIFICATIONS_SHOWN) }).await?;
    let items = data.notifications.nodes.into_iter().map(|n| notification_item!(notifications, n)).collect();
    Ok((items, data.unread_notification_count))
}

/// Marks some notifications (or all of them) read; returns the unread count left.
pub async fn mark_notifications_read(ids: Option<Vec<String>>) -> Result<i64, ApiError> {
    let all = ids.is_none();
    let input = mark_notifications_read::MarkNotificationsReadInput { all, ids };
    let payload = execute::<MarkNotificationsRead>(mark_notifications_read::Variables { input })
        .await?
        .mark_notifications_read;
    if let Some(error) = user_errors!(payload.user_errors) {
        return Err(error);
    }
    Ok(payload.unread_count.unwrap_or(0))
}
