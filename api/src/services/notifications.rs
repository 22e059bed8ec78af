//! Notifications: written in the message's own transaction, for the other
//! person of a direct conversation, for members @mentioned by username and for
//! the author of the message replied to. One per message and person. Nobody
//! is notified by someone they blocked (a block can't be routed around by
//! inviting them to a room and mentioning or replying to them there).

use diesel_async::AsyncPgConnection;
use jeco_schema as db;
use jeco_schema::enums::{ConversationKind, NotificationKind};
use jeco_schema::models::{Conversation, Message};

use super::{conn, require};
use crate::auth::Viewer;
use crate::error::{ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;
use jeco_schema::ids::{NotificationId, UserId};

/// `@username` mentions in a text (distinct, in order, as written).
pub fn mentions(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let is_name = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '@' && (i == 0 || !(is_name(chars[i - 1]) || chars[i - 1] == '@'));
        if starts {
            let name: String = chars[i + 1..].iter().take_while(|c| is_name(**c)).collect();
            let name = name.trim_end_matches(['.', '-']).to_string();
            if (3..=32).contains(&name.len()) && !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                out.push(name.clone());
            }
            i += name.len().max(1);
        } else {
            i += 1;
        }
    }
    out
}

/// Writes the notifications a new message causes; returns the recipients.
pub async fn for_message(
    c: &mut AsyncPgConnection,
    conversation: &Conversation,
    message: &Message,
) -> ServiceResult<Vec<UserId>> {
    let mut direct = Vec::new();
    if conversation.kind == ConversationKind::Direct {
        direct = db::members::direct_peers(c, message.sender_id, &[conversation.id])
            .await?
            .into_iter()
            .map(|(_, u)| u)
            .collect();
        db::notifications::insert_notifications(c, &direct, NotificationKind::DirectMessage, message).await?;
    }
    let names = mentions(message.body.as_deref().unwrap_or(""));
    let mut mentioned = Vec::new();
    if !names.is_empty() {
        mentioned = db::members::members_named(c, conversation.id, &names, message.sender_id).await?;
        let blockers = db::contacts::blockers_among(c, message.sender_id, &mentioned).await?;
        // One notification per message and person: a DM already notified them.
        mentioned.retain(|u| !direct.contains(u) && !blockers.contains(u));
        db::notifications::insert_notifications(c, &mentioned, NotificationKind::Mention, message).await?;
    }
    direct.extend(mentioned);
    if let Some(original) = message.reply_to_id {
        let author = db::messages::messages_by_ids(c, &[original]).await?.first().map(|m| m.sender_id);
        if let Some(author) = author.filter(|a| *a != message.sender_id && !direct.contains(a)) {
            // Only if they are still in the conversation to read it, and
            // did not block the one replying.
            if db::members::member(c, conversation.id, author).await?.is_some()
                && !db::contacts::is_blocked(c, author, message.sender_id).await?
            {
                db::notifications::insert_notifications(c, &[author], NotificationKind::Reply, message)
                    .await?;
                direct.push(author);
            }
        }
    }
    Ok(direct)
}

/// Marks the viewer's notifications read (the given ones, or all); returns
/// how many stay unread.
pub async fn mark_read(
    state: &AppState,
    viewer: Option<Viewer>,
    ids: Option<Vec<NotificationId>>,
) -> ServiceResult<i64> {
    let user_id = require(viewer)?;
    if ids.as_ref().is_some_and(|ids| ids.is_empty() || ids.len() > 500) {
        return Err(UserError::on_field(
            "ids",
            UserErrorCode::Invalid,
            "give 1–500 notification ids, or all: true",
        )
        .into());
    }
    let mut c = conn(state).await?;
    db::notifications::mark_notifications_read(&mut c, user_id, ids.as_deref()).await?;
    Ok(db::notifications::unread_notification_count(&mut c, user_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_mentions() {
        assert_eq!(mentions("hi @alice and @Bob_2, mail a@b.com"), vec!["alice", "Bob_2"]);
        assert_eq!(mentions("@alice @ALICE @al"), vec!["alice"]);
        assert_eq!(mentions("end @carol."), vec!["carol"]);
        assert!(mentions("no mentions @ all").is_empty());
        assert!(mentions("email@example.com").is_empty());
    }
}
