//! What people do with a message once it is sent: edit, delete, react, pin.
//! Each is one transaction that locks the message row, checks who may act,
//! writes, and appends its event; a repeat of the same request changes nothing
//! and writes no event.

use diesel_async::AsyncPgConnection;
use jeco_schema as db;
use jeco_schema::enums::ConversationKind;
use jeco_schema::models::Message;

use super::access::{access_message, moderate_message, public_user};
use super::{validate, writer};
use crate::auth::Viewer;
use crate::error::{ServiceError, ServiceResult, UserError, UserErrorCode};
use crate::events::{EventPayload, MessageV1, PublicUser, ReactionSet};
use crate::state::AppState;
use crate::tx;
use jeco_schema::ids::{ConversationId, MessageId, UserId};

/// Most different emoji one person may put on one message.
pub const MAX_REACTIONS_PER_USER: i64 = 20;

fn forbidden(message: &str) -> ServiceError {
    UserError::on_field("messageId", UserErrorCode::Forbidden, message).into()
}

fn deleted() -> ServiceError {
    UserError::on_field("messageId", UserErrorCode::Invalid, "the message was deleted").into()
}

/// Changes the text of the viewer's own message. The same text again is a
/// no-op (no event, `editedAt` unchanged).
pub async fn edit(
    state: &AppState,
    viewer: Option<Viewer>,
    message_id: MessageId,
    body: &str,
) -> ServiceResult<Message> {
    let user_id = writer(state, viewer)?;
    let body = validate::text("body", body, validate::MAX_BODY_CHARS, true)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (message, _, _) = access_message(tx, user_id, message_id).await?;
        if message.sender_id != user_id {
            return Err(forbidden("only the author can edit a message"));
        }
        if message.deleted_at.is_some() {
            return Err(deleted());
        }
        if message.body.as_deref() == Some(body.as_str()) {
            return Ok(message);
        }
        let edited = db::messages::edit_message(tx, message_id, &body).await?;
        tx.append(edited.conversation_id, &EventPayload::MessageEdited { message: MessageV1::from(&edited) })
            .await?;
        Ok(edited)
    })
    .await
}

/// Deletes a message, leaving a tombstone: the author may, and so may a room's
/// owner and admins. Deleting a tombstone again returns it unchanged.
pub async fn delete(
    state: &AppState,
    viewer: Option<Viewer>,
    message_id: MessageId,
) -> ServiceResult<Message> {
    let user_id = writer(state, viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (message, conv, me) = moderate_message(tx, user_id, message_id).await?;
        let moderator = conv.kind == ConversationKind::Room && me.role.moderates();
        if message.sender_id != user_id && !moderator {
            return Err(forbidden("only the author or a room owner or admin can delete a message"));
        }
        if message.deleted_at.is_some() {
            return Ok(message);
        }
        // Its files go with it (the sweeper deletes them from storage).
        db::attachments::delete_for_message(tx, message_id).await?;
        let tombstone = db::messages::tombstone_message(tx, message_id).await?;
        tx.append(
            tombstone.conversation_id,
            &EventPayload::MessageDeleted { message: MessageV1::from(&tombstone) },
        )
        .await?;
        Ok(tombstone)
    })
    .await
}

/// Whether `emoji` is one emoji (or a short emoji sequence: skin tones, ZWJ
/// families, flags, keycaps) and nothing else: no letters, words or markup.
pub fn valid_emoji(emoji: &str) -> bool {
    let chars: Vec<char> = emoji.chars().collect();
    if chars.is_empty() || chars.len() > 16 {
        return false;
    }
    let pictographic = |c: char| {
        matches!(c as u32,
            0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA | 0x231A..=0x23FF
            | 0x24C2 | 0x25AA..=0x27BF | 0x2934 | 0x2935 | 0x2B05..=0x2B55 | 0x3030 | 0x303D | 0x3297
            | 0x3299 | 0x1F000..=0x1FAFF)
    };
    let joiner = |c: char| matches!(c as u32, 0xFE0F | 0x200D | 0x20E3 | 0xE0020..=0xE007F);
    let mut any = false;
    for (i, &c) in chars.iter().enumerate() {
        let keycap_base = (c.is_ascii_digit() || c == '#' || c == '*')
            && chars.get(i + 1).is_some_and(|n| matches!(*n as u32, 0xFE0F | 0x20E3));
        if pictographic(c) || keycap_base {
            any = true;
        } else if !joiner(c) {
            return false;
        }
    }
    any
}

async fn reaction_sets(c: &mut AsyncPgConnection, message_id: MessageId) -> ServiceResult<Vec<ReactionSet>> {
    let rows = db::reactions::reactions_on(c, &[message_id]).await?;
    let mut ids: Vec<UserId> = rows.iter().map(|(_, _, u)| *u).collect();
    ids.sort_unstable();
    ids.dedup();
    let users = db::users::users_by_ids(c, &ids).await?;
    Ok(ReactionSet::group(rows.into_iter().filter_map(|(_, emoji, user_id)| {
        users.iter().find(|u| u.id == user_id).map(|u| (emoji, PublicUser::from(u)))
    })))
}

/// Adds or removes the viewer's reaction. `reacted: None` toggles; `Some(on)`
/// sets it, so a retried request is idempotent.
pub async fn react(
    state: &AppState,
    viewer: Option<Viewer>,
    message_id: MessageId,
    emoji: &str,
    reacted: Option<bool>,
) -> ServiceResult<Message> {
    let user_id = writer(state, viewer)?;
    let emoji = emoji.trim();
    if !valid_emoji(emoji) {
        return Err(
            UserError::on_field("emoji", UserErrorCode::Invalid, "emoji must be a single emoji").into()
        );
    }
    tx::write(&state.pool, &state.hub, async |tx| {
        let (message, _, _) = access_message(tx, user_id, message_id).await?;
        if message.deleted_at.is_some() {
            return Err(deleted());
        }
        // One read answers both "reacted already?" and "how many emoji?".
        let mine: Vec<String> = db::reactions::reactions_on(tx, &[message_id])
            .await?
            .into_iter()
            .filter(|(_, _, u)| *u == user_id)
            .map(|(_, e, _)| e)
            .collect();
        let has = mine.iter().any(|e| e == emoji);
        let want = reacted.unwrap_or(!has);
        if want == has {
            return Ok(message);
        }
        if want {
            if mine.len() as i64 >= MAX_REACTIONS_PER_USER {
                return Err(UserError::on_field(
                    "emoji",
                    UserErrorCode::Invalid,
                    format!("at most {MAX_REACTIONS_PER_USER} different reactions per message"),
                )
                .into());
            }
            db::reactions::add_reaction(tx, message_id, user_id, emoji).await?;
        } else {
            db::reactions::remove_reaction(tx, message_id, user_id, emoji).await?;
        }
        let reactions = reaction_sets(tx, message_id).await?;
        tx.append(message.conversation_id, &EventPayload::ReactionsChanged { message_id, reactions }).await?;
        Ok(message)
    })
    .await
}

/// Pins (`pin`) or unpins a message. Any member may, unless the room is set to
/// `pinsAdminOnly`; then only its owner and admins. Idempotent.
pub async fn set_pinned(
    state: &AppState,
    viewer: Option<Viewer>,
    message_id: MessageId,
    pin: bool,
) -> ServiceResult<Message> {
    let user_id = writer(state, viewer)?;
    tx::write(&state.pool, &state.hub, async |tx| {
        let (message, conv, me) = moderate_message(tx, user_id, message_id).await?;
        if conv.pins_admin_only && !me.role.moderates() {
            return Err(forbidden("only owners and admins can pin in this room"));
        }
        if message.deleted_at.is_some() {
            return Err(deleted());
        }
        if message.pinned_at.is_some() == pin {
            return Ok(message);
        }
        let updated = db::messages::set_pin(tx, message_id, pin.then_some(user_id)).await?;
        let by = public_user(tx, user_id).await?;
        let payload = if pin {
            EventPayload::MessagePinned { message: MessageV1::from(&updated), by }
        } else {
            EventPayload::MessageUnpinned { message: MessageV1::from(&updated), by }
        };
        tx.append(updated.conversation_id, &payload).await?;
        Ok(updated)
    })
    .await
}

/// The message a new message replies to: it must be in the same conversation
/// (otherwise it is `NOT_FOUND`, whatever exists elsewhere).
pub async fn reply_target(
    c: &mut AsyncPgConnection,
    conversation_id: ConversationId,
    reply_to: MessageId,
) -> ServiceResult<Message> {
    db::messages::messages_by_ids(c, &[reply_to])
        .await?
        .into_iter()
        .find(|m| m.conversation_id == conversation_id)
        .ok_or_else(|| UserError::not_found("replyToId", "message").into())
}

#[cfg(test)]
mod tests {
    use super::valid_emoji;

    #[test]
    fn emoji_are_accepted_and_anything_else_refused() {
        for ok in ["👍", "❤️", "🎉", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "#️⃣", "©️", "☕"]
        {
            assert!(valid_emoji(ok), "{ok} should be accepted");
        }
        for bad in ["", "a", "ok", "👍a", "<b>", "1", "👍 👍", "\u{200D}", "\u{FE0F}", "🏳️‍🌈🏳️‍🌈🏳️‍🌈🏳️‍🌈🏳️‍🌈"]
        {
            assert!(!valid_emoji(bad), "{bad:?} should be refused");
        }
    }
}
