//! The pure reducer of server events (kept apart from the store's other actions).

use super::ChatState;
use crate::state::model::{ConversationEvent, EventPayload};

/// Applies one server event. Pure (no I/O); events whose cursor was already applied,
/// and messages already shown, are ignored. Returns whether the state changed.
pub fn apply_event(state: &mut ChatState, event: &ConversationEvent) -> bool {
    if state.has_seen(&event.cursor) {
        return false;
    }
    state.remember_cursor(&event.cursor);
    let conversation_id = event.conversation_id.as_str();
    let viewer_id = state.viewer_id.clone();
    let is_viewer = |id: &str| viewer_id.as_deref() == Some(id);
    match &event.payload {
        EventPayload::MessageCreated(msg) => {
            let mut msg = msg.clone();
            msg.conversation_id = conversation_id.to_owned();
            if let Some(t) = state.timeline_mut(conversation_id) {
                t.add_from_stream(msg.clone());
            }
            let counts = !is_viewer(&msg.sender.id) && !state.is_open(conversation_id);
            let already_listed = state
                .summary_mut(conversation_id)
                .is_some_and(|s| s.last_message.as_ref().is_some_and(|m| m.id.is_some() && m.id == msg.id));
            if !state.note_message(&msg) {
                state.unknown_conversation_hits += 1;
            } else if counts && !already_listed {
                if let Some(summary) = state.summary_mut(conversation_id) {
                    summary.unread += 1;
                }
            }
        }
        EventPayload::MemberJoined(user) => {
            let viewer = is_viewer(&user.id);
            if let Some(t) = state.timeline_mut(conversation_id) {
                t.member_revision = t.member_revision.wrapping_add(1);
                if let (true, Some(meta)) = (viewer, t.meta.as_mut()) {
                    meta.is_member = true;
                }
            }
            if viewer && state.summary_mut(conversation_id).is_none() {
                state.unknown_conversation_hits += 1;
            }
        }
        EventPayload::MemberLeft(user) => {
            let viewer = is_viewer(&user.id);
            if let Some(t) = state.timeline_mut(conversation_id) {
                t.member_revision = t.member_revision.wrapping_add(1);
            }
            if viewer {
                state.forget_membership(conversation_id);
            }
        }
        EventPayload::ReadReceiptMoved { user, message_id } => {
            if let Some(t) = state.timeline_mut(conversation_id) {
                t.mark_seen(user, message_id);
            }
            if is_viewer(&user.id) {
                // Read on another device up to the newest message: nothing is unread.
                if let Some(summary) = state.summary_mut(conversation_id) {
                    if summary.last_message.as_ref().and_then(|m| m.id.as_deref()) == Some(message_id) {
                        summary.unread = 0;
                    }
                }
            }
        }
        EventPayload::DeliveryMoved { user, message_id } => {
            if let Some(t) = state.timeline_mut(conversation_id) {
                t.mark_delivered(user, message_id);
            }
        }
        EventPayload::MessageEdited(msg)
        | EventPayload::MessageDeleted(msg)
        | EventPayload::MessagePinned(msg)
        | EventPayload::MessageUnpinned(msg) => {
            state.update_message(conversation_id, msg);
        }
        EventPayload::ReactionsChanged { message_id, reactions } => {
            state.set_reactions(conversation_id, message_id, reactions);
        }
        EventPayload::ConversationUpdated(meta) => {
            let known = state.summary_mut(&meta.id).is_some() || state.timeline(&meta.id).is_some();
            if known {
                state.upsert_meta(meta.clone());
            }
        }
        EventPayload::Other => {}
    }
    true
}
