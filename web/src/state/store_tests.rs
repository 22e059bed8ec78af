//! Tests of the chat store: deduplication, optimistic sends, history merges, list order.

use super::*;
use crate::state::model::{ConversationKind, EventPayload, UserRef};

pub(super) const VIEWER: &str = "U1";

pub(super) fn user(id: &str) -> UserRef {
    UserRef {
        id: id.to_owned(),
        username: format!("user{id}"),
        display_name: format!("User {id}"),
        avatar_url: None,
    }
}

pub(super) fn confirmed(conv: &str, id: &str, client_id: &str, sender: &str, at: &str) -> Message {
    Message {
        id: Some(id.to_owned()),
        client_id: client_id.to_owned(),
        conversation_id: conv.to_owned(),
        sender: user(sender),
        body: Some(format!("body of {id}")),
        created_at: at.to_owned(),
        delivery: Delivery::Confirmed,
        settled: true,
        seen_by: Vec::new(),
        delivered_to: Vec::new(),
        ..Message::default()
    }
}

pub(super) fn pending(conv: &str, client_id: &str) -> Message {
    Message {
        id: None,
        client_id: client_id.to_owned(),
        conversation_id: conv.to_owned(),
        sender: user(VIEWER),
        body: Some("hello".to_owned()),
        created_at: "2024-01-01T00:00:59Z".to_owned(),
        delivery: Delivery::Pending,
        settled: false,
        seen_by: Vec::new(),
        delivered_to: Vec::new(),
        ..Message::default()
    }
}

pub(super) fn meta(id: &str, at: &str) -> ConversationMeta {
    ConversationMeta {
        id: id.to_owned(),
        kind: ConversationKind::Room,
        name: Some(format!("room {id}")),
        topic: None,
        member_count: 2,
        last_activity_at: at.to_owned(),
        is_member: true,
        viewer_role: Some(crate::state::Role::Member),
        peer: None,
        unread_count: 0,
        pins_admin_only: false,
    }
}

pub(super) fn created(cursor: &str, msg: Message) -> ChatAction {
    ChatAction::Event(ConversationEvent {
        cursor: cursor.to_owned(),
        conversation_id: msg.conversation_id.clone(),
        at: msg.created_at.clone(),
        payload: EventPayload::MessageCreated(msg),
    })
}

/// A state with the viewer set and conversation `C1` opened with its history loaded.
pub(super) fn opened(history: Vec<Message>, has_older: bool) -> ChatState {
    let mut state = ChatState::default();
    state.apply(ChatAction::SetViewer(Some(VIEWER.to_owned())));
    state.apply(ChatAction::ConversationsLoaded(vec![ConversationSummary {
        meta: meta("C1", "2024-01-01T00:00:00Z"),
        last_message: None,
        unread: 0,
    }]));
    state.apply(ChatAction::HistoryRequested("C1".to_owned()));
    state.apply(ChatAction::HistoryLoaded {
        meta: meta("C1", "2024-01-01T00:00:00Z"),
        page: HistoryPage {
            messages: history,
            has_older,
            start_cursor: has_older.then(|| "page-1".to_owned()),
            pinned: Vec::new(),
        },
        older: false,
    });
    state
}

pub(super) fn ids(state: &ChatState, conv: &str) -> Vec<String> {
    state.timeline(conv).map(|t| t.messages.iter().map(Message::key).collect()).unwrap_or_default()
}

#[test]
fn duplicate_event_is_ignored() {
    let mut state = opened(vec![], false);
    let m = confirmed("C1", "M1", "c1", "U2", "2024-01-01T00:01:00Z");
    assert!(state.apply(created("e1", m.clone())));
    let before = state.clone();
    assert!(!state.apply(created("e1", m.clone())));
    assert_eq!(state, before);
    // Same message under another cursor (e.g. replayed by a second subscription).
    state.apply(created("e2", m));
    assert_eq!(ids(&state, "C1"), vec!["M1"]);
    assert_eq!(state.last_cursor.as_deref(), Some("e2"));
}

#[test]
fn reducer_returns_same_rc_for_duplicate() {
    let state = Rc::new(opened(vec![], false));
    let m = confirmed("C1", "M1", "c1", "U2", "2024-01-01T00:01:00Z");
    let once = state.reduce(created("e1", m.clone()));
    let twice = once.clone().reduce(created("e1", m));
    assert!(Rc::ptr_eq(&once, &twice));
}

#[test]
fn pending_replaced_by_event_never_twice() {
    let mut state = opened(vec![], false);
    state.apply(ChatAction::SendStarted(pending("C1", "client-a")));
    assert_eq!(ids(&state, "C1"), vec!["local:client-a"]);
    let m = confirmed("C1", "M9", "client-a", VIEWER, "2024-01-01T00:01:00Z");
    state.apply(created("e1", m.clone()));
    assert_eq!(ids(&state, "C1"), vec!["M9"]);
    // The mutation answer arriving afterwards changes nothing.
    state.apply(ChatAction::SendConfirmed(m));
    assert_eq!(ids(&state, "C1"), vec!["M9"]);
    let t = state.timeline("C1").map(|t| t.messages[0].clone());
    assert_eq!(t.map(|m| m.delivery), Some(Delivery::Confirmed));
}

#[test]
fn pending_replaced_by_mutation_then_event_never_twice() {
    let mut state = opened(vec![], false);
    state.apply(ChatAction::SendStarted(pending("C1", "client-a")));
    let m = confirmed("C1", "M9", "client-a", VIEWER, "2024-01-01T00:01:00Z");
    state.apply(ChatAction::SendConfirmed(m.clone()));
    assert_eq!(ids(&state, "C1"), vec!["M9"]);
    // Another member's message arrives, then the event for ours: server order wins.
    let other = confirmed("C1", "M8", "x", "U2", "2024-01-01T00:00:59Z");
    state.apply(created("e1", other));
    state.apply(created("e2", m.clone()));
    assert_eq!(ids(&state, "C1"), vec!["M8", "M9"]);
    state.apply(created("e3", m));
    assert_eq!(ids(&state, "C1"), vec!["M8", "M9"]);
}

#[test]
fn same_client_id_from_another_user_is_not_ours() {
    let mut state = opened(vec![], false);
    state.apply(ChatAction::SendStarted(pending("C1", "dup")));
    state.apply(created("e1", confirmed("C1", "M5", "dup", "U2", "2024-01-01T00:01:00Z")));
    assert_eq!(ids(&state, "C1"), vec!["local:dup", "M5"]);
}

#[test]
fn failed_send_is_marked_and_retried_with_same_client_id() {
    let mut state = opened(vec![], false);
    state.apply(ChatAction::SendStarted(pending("C1", "c")));
    state.apply(ChatAction::SendFailed {
        conversation_id: "C1".to_owned(),
        client_id: "c".to_owned(),
        error: "network".to_owned(),
    });
    let delivery = |s: &ChatState| s.timeline("C1").map(|t| t.messages[0].delivery.clone());
    assert_eq!(delivery(&state), Some(Delivery::Failed("network".to_owned())));
    state.apply(ChatAction::RetryStarted { conversation_id: "C1".to_owned(), client_id: "c".to_owned() });
    assert_eq!(delivery(&state), Some(Delivery::Pending));
    state.apply(ChatAction::SendConfirmed(confirmed("C1", "M1", "c", VIEWER, "2024-01-01T00:01:00Z")));
    assert_eq!(ids(&state, "C1"), vec!["M1"]);
}

#[test]
fn older_history_page_is_prepended_without_duplicates() {
    let m = |id: &str, s: u32| confirmed("C1", id, id, "U2", &format!("2024-01-01T00:00:{s:02}Z"));
    let mut state = opened(vec![m("M3", 3), m("M4", 4)], true);
    state.apply(ChatAction::HistoryLoaded {
        meta: meta("C1", "2024-01-01T00:00:04Z"),
        page: HistoryPage {
            messages: vec![m("M1", 1), m("M2", 2), m("M3", 3)],
            has_older: false,
            start_cursor: Some("page-2".to_owned()),
            pinned: Vec::new(),
        },
        older: true,
    });
    assert_eq!(ids(&state, "C1"), vec!["M1", "M2", "M3", "M4"]);
    let t = state.timeline("C1").cloned().unwrap_or_default();
    assert!(!t.has_older);
    assert_eq!(t.older_cursor.as_deref(), Some("page-2"));
}

#[test]
fn events_during_first_load_are_kept_once() {
    let mut state = ChatState::default();
    state.apply(ChatAction::SetViewer(Some(VIEWER.to_owned())));
    state.apply(ChatAction::HistoryRequested("C1".to_owned()));
    let m2 = confirmed("C1", "M2", "b", "U2", "2024-01-01T00:00:02Z");
    let m3 = confirmed("C1", "M3", "c", "U2", "2024-01-01T00:00:03Z");
    state.apply(created("e1", m2.clone()));
    state.apply(created("e2", m3));
    let m1 = confirmed("C1", "M1", "a", "U2", "2024-01-01T00:00:01Z");
    state.apply(ChatAction::HistoryLoaded {
        meta: meta("C1", "2024-01-01T00:00:02Z"),
        page: HistoryPage {
            messages: vec![m1, m2],
            has_older: false,
            start_cursor: None,
            pinned: Vec::new(),
        },
        older: false,
    });
    assert_eq!(ids(&state, "C1"), vec!["M1", "M2", "M3"]);
}

#[test]
fn events_of_unopened_conversations_reorder_the_list() {
    let mut state = ChatState::default();
    state.apply(ChatAction::SetViewer(Some(VIEWER.to_owned())));
    state.apply(ChatAction::ConversationsLoaded(vec![
        ConversationSummary { meta: meta("A", "2024-01-01T00:00:02Z"), last_message: None, unread: 0 },
        ConversationSummary { meta: meta("B", "2024-01-01T00:00:01Z"), last_message: None, unread: 0 },
    ]));
    let order =
        |s: &ChatState| -> Vec<String> { s.conversations.iter().map(|c| c.meta.id.clone()).collect() };
    assert_eq!(order(&state), vec!["A", "B"]);
    let m = confirmed("B", "M1", "x", "U2", "2024-01-01T00:00:03.5Z");
    state.apply(created("e1", m.clone()));
    assert_eq!(order(&state), vec!["B", "A"]);
    assert_eq!(state.conversations[0].last_message, Some(m));
    assert!(state.timeline("B").is_none());
    assert_eq!(state.unknown_conversation_hits, 0);
    // A message in a conversation we do not list yet asks for a refetch.
    state.apply(created("e2", confirmed("Z", "M2", "y", "U2", "2024-01-01T00:00:04Z")));
    assert_eq!(state.unknown_conversation_hits, 1);
}

#[test]
fn refetched_list_keeps_newer_event_preview() {
    let mut state = ChatState::default();
    state.apply(ChatAction::ConversationsLoaded(vec![ConversationSummary {
        meta: meta("A", "2024-01-01T00:00:01Z"),
        last_message: None,
        unread: 0,
    }]));
    let m = confirmed("A", "M1", "x", "U2", "2024-01-01T00:00:05Z");
    state.apply(created("e1", m.clone()));
    state.apply(ChatAction::ConversationsLoaded(vec![ConversationSummary {
        meta: meta("A", "2024-01-01T00:00:01Z"),
        last_message: None,
        unread: 0,
    }]));
    assert_eq!(state.conversations[0].last_message, Some(m));
    assert_eq!(state.conversations[0].meta.last_activity_at, "2024-01-01T00:00:05Z");
}

#[test]
fn viewer_leaving_removes_conversation_and_member_events_bump_revision() {
    let mut state = opened(vec![], false);
    let event = |cursor: &str, payload| {
        ChatAction::Event(ConversationEvent {
            cursor: cursor.to_owned(),
            conversation_id: "C1".to_owned(),
            at: "2024-01-01T00:00:00Z".to_owned(),
            payload,
        })
    };
    state.apply(event("e1", EventPayload::MemberJoined(user("U3"))));
    assert_eq!(state.timeline("C1").map(|t| t.member_revision), Some(1));
    assert_eq!(state.conversations.len(), 1);
    state.apply(event("e2", EventPayload::MemberLeft(user(VIEWER))));
    assert!(state.conversations.is_empty());
    let is_member = state.timeline("C1").and_then(|t| t.meta.as_ref()).map(|m| m.is_member);
    assert_eq!(is_member, Some(false));
}

#[test]
fn set_viewer_resets_state() {
    let mut state = opened(vec![], false);
    assert!(state.apply(ChatAction::SetViewer(Some("U2".to_owned()))));
    assert!(state.conversations.is_empty() && state.timelines.is_empty());
    assert!(!state.apply(ChatAction::SetViewer(Some("U2".to_owned()))));
}
