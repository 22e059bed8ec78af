//! Tests of unread badges and read receipts in the chat store.

use super::tests::{confirmed, created, meta, opened, user, VIEWER};
use super::*;
use crate::state::model::{ConversationKind, EventPayload, UserRef};

fn summary(id: &str, unread: i64) -> ConversationSummary {
    ConversationSummary { meta: meta(id, "2024-01-01T00:00:00Z"), last_message: None, unread }
}

fn unread(state: &ChatState, id: &str) -> Option<i64> {
    state.conversations.iter().find(|c| c.meta.id == id).map(|c| c.unread)
}

fn receipt(cursor: &str, conv: &str, reader: UserRef, message_id: &str) -> ChatAction {
    ChatAction::Event(ConversationEvent {
        cursor: cursor.to_owned(),
        conversation_id: conv.to_owned(),
        at: "2024-01-01T00:10:00Z".to_owned(),
        payload: EventPayload::ReadReceiptMoved { user: reader, message_id: message_id.to_owned() },
    })
}

fn seen(state: &ChatState, conv: &str) -> Vec<Vec<String>> {
    state
        .timeline(conv)
        .map(|t| t.messages.iter().map(|m| m.seen_by.iter().map(|u| u.id.clone()).collect()).collect())
        .unwrap_or_default()
}

fn listed() -> ChatState {
    let mut state = ChatState::default();
    state.apply(ChatAction::SetViewer(Some(VIEWER.to_owned())));
    state.apply(ChatAction::ConversationsLoaded(vec![summary("A", 2), summary("B", 0)]));
    state
}

#[test]
fn list_takes_server_unread_counts() {
    let state = listed();
    assert_eq!(unread(&state, "A"), Some(2));
    assert_eq!(unread(&state, "B"), Some(0));
}

#[test]
fn messages_from_others_in_closed_conversations_increment_once() {
    let mut state = listed();
    let m = confirmed("B", "M1", "x", "U2", "2024-01-01T00:01:00Z");
    state.apply(created("e1", m.clone()));
    assert_eq!(unread(&state, "B"), Some(1));
    // The same event again, or the same message under another cursor: no change.
    state.apply(created("e1", m.clone()));
    state.apply(created("e2", m));
    assert_eq!(unread(&state, "B"), Some(1));
    state.apply(created("e3", confirmed("B", "M2", "y", "U3", "2024-01-01T00:02:00Z")));
    assert_eq!(unread(&state, "B"), Some(2));
}

#[test]
fn own_messages_and_the_open_conversation_do_not_count() {
    let mut state = listed();
    state.apply(created("e1", confirmed("B", "M1", "x", VIEWER, "2024-01-01T00:01:00Z")));
    assert_eq!(unread(&state, "B"), Some(0));
    state.apply(ChatAction::Opened("A".to_owned()));
    assert_eq!(unread(&state, "A"), Some(0), "opening clears the badge");
    state.apply(created("e2", confirmed("A", "M2", "y", "U2", "2024-01-01T00:02:00Z")));
    assert_eq!(unread(&state, "A"), Some(0));
    // A late markRead answer or a list refetch cannot bring the badge back while open.
    state.apply(ChatAction::UnreadSet { conversation_id: "A".to_owned(), count: 3 });
    state.apply(ChatAction::ConversationsLoaded(vec![summary("A", 4), summary("B", 0)]));
    assert_eq!(unread(&state, "A"), Some(0));
}

#[test]
fn closing_counts_again_and_stale_close_is_ignored() {
    let mut state = listed();
    state.apply(ChatAction::Opened("A".to_owned()));
    state.apply(ChatAction::Opened("B".to_owned()));
    // A's view unmounts after B's mounted: B stays open.
    assert!(!state.apply(ChatAction::Closed("A".to_owned())));
    assert_eq!(state.open_conversation.as_deref(), Some("B"));
    state.apply(ChatAction::Closed("B".to_owned()));
    state.apply(created("e1", confirmed("B", "M1", "x", "U2", "2024-01-01T00:01:00Z")));
    assert_eq!(unread(&state, "B"), Some(1));
    state.apply(ChatAction::UnreadSet { conversation_id: "B".to_owned(), count: 0 });
    assert_eq!(unread(&state, "B"), Some(0));
}

#[test]
fn own_read_receipt_on_the_newest_message_clears_the_badge() {
    let mut state = listed();
    state.apply(created("e1", confirmed("B", "M1", "x", "U2", "2024-01-01T00:01:00Z")));
    state.apply(created("e2", confirmed("B", "M2", "y", "U2", "2024-01-01T00:02:00Z")));
    state.apply(receipt("e3", "B", user(VIEWER), "M1"));
    assert_eq!(unread(&state, "B"), Some(2), "read on another device, but not up to the newest");
    state.apply(receipt("e4", "B", user(VIEWER), "M2"));
    assert_eq!(unread(&state, "B"), Some(0));
}

#[test]
fn read_receipt_marks_every_message_up_to_it_once() {
    let at = |s: u32| format!("2024-01-01T00:00:{s:02}Z");
    let history = vec![
        confirmed("C1", "M1", "a", VIEWER, &at(1)),
        confirmed("C1", "M2", "b", "U2", &at(2)),
        confirmed("C1", "M3", "c", VIEWER, &at(3)),
        confirmed("C1", "M4", "d", VIEWER, &at(4)),
    ];
    let mut state = opened(history, false);
    state.apply(receipt("e1", "C1", user("U2"), "M3"));
    let u2 = vec!["U2".to_owned()];
    assert_eq!(seen(&state, "C1"), vec![u2.clone(), vec![], u2.clone(), vec![]]);
    // Moving on marks the rest; a repeated receipt adds nobody twice.
    state.apply(receipt("e2", "C1", user("U2"), "M4"));
    state.apply(receipt("e3", "C1", user("U2"), "M4"));
    assert_eq!(seen(&state, "C1"), vec![u2.clone(), vec![], u2.clone(), u2.clone()]);
    state.apply(receipt("e4", "C1", user("U3"), "M1"));
    let label = state.timeline("C1").map(|t| t.messages[0].receipt_label());
    assert_eq!(label.as_deref(), Some("Seen by 2"));
    assert_eq!(
        state.timeline("C1").map(|t| t.messages[3].receipt_label()).as_deref(),
        Some("Seen by User U2")
    );
}

#[test]
fn receipt_survives_the_stream_copy_of_our_own_message() {
    let mut state = opened(vec![], false);
    let mine = confirmed("C1", "M1", "c", VIEWER, "2024-01-01T00:01:00Z");
    state.apply(ChatAction::SendStarted(super::tests::pending("C1", "c")));
    state.apply(ChatAction::SendConfirmed(Message { settled: false, ..mine.clone() }));
    state.apply(receipt("e1", "C1", user("U2"), "M1"));
    state.apply(created("e2", mine));
    assert_eq!(seen(&state, "C1"), vec![vec!["U2".to_owned()]]);
    assert_eq!(state.timeline("C1").and_then(|t| t.newest_confirmed_id()), Some("M1"));
}

#[test]
fn receipt_label_counts_many_readers() {
    let mut m = confirmed("C1", "M1", "a", VIEWER, "2024-01-01T00:00:01Z");
    assert_eq!(m.receipt_label(), "Sent");
    m.seen_by = (2..7).map(|i| user(&format!("U{i}"))).collect();
    assert_eq!(m.receipt_label(), "Seen by 5");
}

#[test]
fn direct_conversation_title_is_the_peer() {
    let mut m = meta("D", "2024-01-01T00:00:00Z");
    m.kind = ConversationKind::Direct;
    m.name = None;
    assert_eq!(m.title(), "Direct conversation");
    m.peer = Some(user("U2"));
    assert_eq!(m.title(), "User U2");
}

#[test]
fn role_rules_for_removing_members() {
    use crate::state::Role;
    assert!(Role::Owner.can_remove(Role::Admin) && Role::Owner.can_remove(Role::Member));
    assert!(Role::Admin.can_remove(Role::Member) && !Role::Admin.can_remove(Role::Admin));
    assert!(!Role::Member.can_remove(Role::Member) && !Role::Owner.can_remove(Role::Owner));
}

#[test]
fn leaving_drops_the_conversation_and_membership() {
    let mut state = opened(vec![], false);
    assert!(state.apply(ChatAction::Left("C1".to_owned())));
    assert!(state.conversations.is_empty());
    let meta = state.timeline("C1").and_then(|t| t.meta.clone());
    assert_eq!(meta.map(|m| (m.is_member, m.viewer_role)), Some((false, None)));
}

#[test]
fn stale_list_answer_keeps_the_newer_unread_count() {
    let mut state = listed();
    state.apply(created("e1", confirmed("B", "M1", "x", "U2", "2024-01-01T00:01:00Z")));
    state.apply(created("e2", confirmed("B", "M2", "y", "U2", "2024-01-01T00:02:00Z")));
    assert_eq!(unread(&state, "B"), Some(2));
    // A list fetched before those messages arrives late: it cannot lower the badge.
    state.apply(ChatAction::ConversationsLoaded(vec![summary("A", 2), summary("B", 0)]));
    assert_eq!(unread(&state, "B"), Some(2));
}

fn delivery(cursor: &str, conv: &str, recipient: UserRef, message_id: &str) -> ChatAction {
    ChatAction::Event(ConversationEvent {
        cursor: cursor.to_owned(),
        conversation_id: conv.to_owned(),
        at: "2024-01-01T00:10:00Z".to_owned(),
        payload: EventPayload::DeliveryMoved { user: recipient, message_id: message_id.to_owned() },
    })
}

fn delivered(state: &ChatState, conv: &str) -> Vec<Vec<String>> {
    state
        .timeline(conv)
        .map(|t| t.messages.iter().map(|m| m.delivered_to.iter().map(|u| u.id.clone()).collect()).collect())
        .unwrap_or_default()
}

fn receipts(state: &ChatState, conv: &str) -> Vec<&'static str> {
    state
        .timeline(conv)
        .map(|t| t.messages.iter().map(|m| m.receipt().as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn delivery_marks_every_message_up_to_it_once() {
    let at = |s: u32| format!("2024-01-01T00:00:{s:02}Z");
    let history = vec![
        confirmed("C1", "M1", "a", VIEWER, &at(1)),
        confirmed("C1", "M2", "b", "U2", &at(2)),
        confirmed("C1", "M3", "c", VIEWER, &at(3)),
        confirmed("C1", "M4", "d", VIEWER, &at(4)),
    ];
    let mut state = opened(history, false);
    assert_eq!(receipts(&state, "C1"), vec!["sent"; 4]);
    state.apply(delivery("e1", "C1", user("U2"), "M3"));
    let u2 = vec!["U2".to_owned()];
    assert_eq!(delivered(&state, "C1"), vec![u2.clone(), vec![], u2.clone(), vec![]]);
    assert_eq!(receipts(&state, "C1"), vec!["delivered", "sent", "delivered", "sent"]);
    // Moving on marks the rest; a repeated delivery (or one under a new cursor) adds nobody twice.
    state.apply(delivery("e2", "C1", user("U2"), "M4"));
    state.apply(delivery("e3", "C1", user("U2"), "M4"));
    state.apply(delivery("e4", "C1", user("U2"), "M1"));
    assert_eq!(delivered(&state, "C1"), vec![u2.clone(), vec![], u2.clone(), u2.clone()]);
    assert_eq!(state.timeline("C1").map(|t| t.messages[3].receipt_label()).as_deref(), Some("Delivered"));
    // Seen wins over delivered.
    state.apply(receipt("e5", "C1", user("U2"), "M1"));
    assert_eq!(receipts(&state, "C1"), vec!["seen", "sent", "delivered", "delivered"]);
    assert_eq!(
        state.timeline("C1").map(|t| t.messages[0].receipt_label()).as_deref(),
        Some("Seen by User U2")
    );
    // An unknown message id changes nothing.
    let before = delivered(&state, "C1");
    state.apply(delivery("e6", "C1", user("U3"), "M9"));
    assert_eq!(delivered(&state, "C1"), before);
}

#[test]
fn delivery_survives_the_stream_copy_of_our_own_message() {
    let mut state = opened(vec![], false);
    let mine = confirmed("C1", "M1", "c", VIEWER, "2024-01-01T00:01:00Z");
    state.apply(ChatAction::SendStarted(super::tests::pending("C1", "c")));
    state.apply(ChatAction::SendConfirmed(Message { settled: false, ..mine.clone() }));
    state.apply(delivery("e1", "C1", user("U2"), "M1"));
    state.apply(created("e2", mine));
    assert_eq!(delivered(&state, "C1"), vec![vec!["U2".to_owned()]]);
    assert_eq!(receipts(&state, "C1"), vec!["delivered"]);
}

#[test]
fn receipt_states_from_history_fields() {
    let mut m = confirmed("C1", "M1", "a", VIEWER, "2024-01-01T00:00:01Z");
    assert_eq!((m.receipt().as_str(), m.receipt_label().as_str()), ("sent", "Sent"));
    m.delivered_to = vec![user("U2")];
    assert_eq!((m.receipt().as_str(), m.receipt_label().as_str()), ("delivered", "Delivered"));
    m.seen_by = vec![user("U2")];
    assert_eq!((m.receipt().as_str(), m.receipt_label().as_str()), ("seen", "Seen by User U2"));
}
