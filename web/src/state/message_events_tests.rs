//! Tests of the issue 4 events: edits, deletions, reactions, pins and conversation
//! updates, applied idempotently to timelines, pinned lists, quotes and the list.

use super::tests::{confirmed, created, meta, opened, user, VIEWER};
use super::*;
use crate::state::model::{ConversationKind, EventPayload, ReactionGroup, ReplyPreview, Role};

fn event(cursor: &str, payload: EventPayload) -> ChatAction {
    ChatAction::Event(ConversationEvent {
        cursor: cursor.to_owned(),
        conversation_id: "C1".to_owned(),
        at: "2024-01-01T00:05:00Z".to_owned(),
        payload,
    })
}

fn message(state: &ChatState, id: &str) -> Message {
    let timeline = state.timeline("C1").expect("timeline C1");
    timeline.messages.iter().find(|m| m.id.as_deref() == Some(id)).cloned().expect("message")
}

fn pinned_ids(state: &ChatState) -> Vec<String> {
    state.timeline("C1").map(|t| t.pinned.iter().filter_map(|m| m.id.clone()).collect()).unwrap_or_default()
}

fn group(emoji: &str, users: &[&str], reacted_by_viewer: bool) -> ReactionGroup {
    ReactionGroup {
        emoji: emoji.to_owned(),
        count: users.len() as i64,
        reacted_by_viewer,
        users: users.iter().map(|u| user(u)).collect(),
    }
}

fn m1() -> Message {
    confirmed("C1", "M1", "c1", "U2", "2024-01-01T00:01:00Z")
}

#[test]
fn edit_replaces_body_keeps_receipts_and_is_idempotent() {
    let mut original = confirmed("C1", "M1", "c1", VIEWER, "2024-01-01T00:01:00Z");
    original.seen_by = vec![user("U2")];
    let mut state = opened(vec![original.clone()], false);
    let edited = Message {
        body: Some("new text".to_owned()),
        edited_at: Some("2024-01-01T00:02:00Z".to_owned()),
        ..original.clone()
    };
    let edited_without_receipts = Message { seen_by: Vec::new(), ..edited.clone() };
    assert!(state.apply(event("e1", EventPayload::MessageEdited(edited_without_receipts.clone()))));
    let shown = message(&state, "M1");
    assert_eq!(shown.body.as_deref(), Some("new text"));
    assert_eq!(shown.edited_at.as_deref(), Some("2024-01-01T00:02:00Z"));
    assert_eq!(shown.seen_by, vec![user("U2")]);
    let before = state.clone();
    assert!(!state.apply(event("e1", EventPayload::MessageEdited(edited_without_receipts.clone()))));
    // The same state from our own mutation's answer changes nothing either.
    assert!(!state.apply(ChatAction::MessageUpdated(edited_without_receipts)));
    assert_eq!(state, before);
}

#[test]
fn edit_updates_the_list_preview() {
    let mut state = opened(vec![], false);
    state.apply(created("e1", m1()));
    let edited = Message { body: Some("fixed".to_owned()), edited_at: Some("x".to_owned()), ..m1() };
    state.apply(event("e2", EventPayload::MessageEdited(edited)));
    let preview = state.conversations[0].last_message.clone().expect("preview");
    assert_eq!(preview.body.as_deref(), Some("fixed"));
}

#[test]
fn delete_leaves_a_tombstone_everywhere() {
    let mut original = m1();
    original.reactions = vec![group("👍", &["U2"], false)];
    original.pinned = true;
    let reply = Message {
        reply_to: Some(ReplyPreview { id: "M1".to_owned(), sender: user("U2"), body: original.body.clone() }),
        ..confirmed("C1", "M2", "c2", VIEWER, "2024-01-01T00:02:00Z")
    };
    let mut state = opened(vec![original.clone(), reply], false);
    state.apply(event("e0", EventPayload::MessagePinned(original.clone())));
    assert_eq!(pinned_ids(&state), vec!["M1"]);
    // The server's tombstone: body null, deletedAt set (reactions and pin as it sends them).
    let tombstone = Message { body: None, deleted_at: Some("2024-01-01T00:03:00Z".to_owned()), ..original };
    assert!(state.apply(event("e1", EventPayload::MessageDeleted(tombstone))));
    let shown = message(&state, "M1");
    assert!(shown.is_deleted());
    assert_eq!(shown.body, None);
    assert!(shown.reactions.is_empty());
    assert!(!shown.pinned);
    assert!(pinned_ids(&state).is_empty());
    let quote = message(&state, "M2").reply_to.expect("quote");
    assert_eq!(quote.body, None);
    // Reactions arriving for a tombstone are ignored.
    state.apply(event(
        "e2",
        EventPayload::ReactionsChanged {
            message_id: "M1".to_owned(),
            reactions: vec![group("🎉", &["U3"], false)],
        },
    ));
    assert!(message(&state, "M1").reactions.is_empty());
}

#[test]
fn reactions_change_and_viewer_flag_comes_from_the_user_list() {
    let mut state = opened(vec![m1()], false);
    // The payload says "not reacted" (resolved for someone else) but the viewer is listed.
    let reactions = vec![group("👍", &["U2", VIEWER], false), group("🎉", &["U3"], true)];
    assert!(state.apply(event(
        "e1",
        EventPayload::ReactionsChanged { message_id: "M1".to_owned(), reactions: reactions.clone() }
    )));
    let shown = message(&state, "M1").reactions;
    assert_eq!(shown.len(), 2);
    assert_eq!((shown[0].emoji.as_str(), shown[0].count, shown[0].reacted_by_viewer), ("👍", 2, true));
    assert_eq!((shown[1].emoji.as_str(), shown[1].count, shown[1].reacted_by_viewer), ("🎉", 1, false));
    // Replayed: ignored; same groups under a new cursor: no change.
    assert!(!state.apply(event(
        "e1",
        EventPayload::ReactionsChanged { message_id: "M1".to_owned(), reactions: reactions.clone() }
    )));
    let before = state.timeline("C1").cloned();
    state.apply(event("e2", EventPayload::ReactionsChanged { message_id: "M1".to_owned(), reactions }));
    assert_eq!(state.timeline("C1").cloned(), before);
    // An incomplete user list leaves the server's flag.
    let partial = ReactionGroup { count: 40, ..group("👍", &["U2"], true) };
    state.apply(event(
        "e3",
        EventPayload::ReactionsChanged { message_id: "M1".to_owned(), reactions: vec![partial] },
    ));
    assert!(message(&state, "M1").reactions[0].reacted_by_viewer);
    // Cleared.
    state.apply(event(
        "e4",
        EventPayload::ReactionsChanged { message_id: "M1".to_owned(), reactions: vec![] },
    ));
    assert!(message(&state, "M1").reactions.is_empty());
}

#[test]
fn pins_keep_newest_first_once_each_and_unpin_removes() {
    let m2 = confirmed("C1", "M2", "c2", "U2", "2024-01-01T00:02:00Z");
    let mut state = opened(vec![m1(), m2.clone()], false);
    state.apply(event("e1", EventPayload::MessagePinned(Message { pinned: true, ..m1() })));
    state.apply(event("e2", EventPayload::MessagePinned(Message { pinned: true, ..m2.clone() })));
    // Our own mutation's answer for the same pin: no duplicate.
    state.apply(ChatAction::MessageUpdated(Message { pinned: true, ..m2.clone() }));
    assert_eq!(pinned_ids(&state), vec!["M2", "M1"]);
    assert!(message(&state, "M2").pinned);
    state.apply(event("e3", EventPayload::MessageUnpinned(Message { pinned: false, ..m2 })));
    assert_eq!(pinned_ids(&state), vec!["M1"]);
    assert!(!message(&state, "M2").pinned);
    // A pin of a message not loaded yet still shows in the panel.
    let old = confirmed("C1", "M0", "c0", "U3", "2023-12-31T00:00:00Z");
    state.apply(event("e4", EventPayload::MessagePinned(Message { pinned: true, ..old })));
    assert_eq!(pinned_ids(&state), vec!["M0", "M1"]);
}

#[test]
fn first_history_page_brings_the_pinned_list() {
    let mut state = ChatState::default();
    state.apply(ChatAction::SetViewer(Some(VIEWER.to_owned())));
    state.apply(ChatAction::HistoryRequested("C1".to_owned()));
    let pin = Message { pinned: true, ..m1() };
    state.apply(ChatAction::HistoryLoaded {
        meta: meta("C1", "2024-01-01T00:00:00Z"),
        page: HistoryPage {
            messages: vec![pin.clone()],
            has_older: false,
            start_cursor: None,
            pinned: vec![pin],
        },
        older: false,
    });
    assert_eq!(pinned_ids(&state), vec!["M1"]);
}

#[test]
fn conversation_updated_changes_known_conversations_only() {
    let mut state = opened(vec![], false);
    let renamed = ConversationMeta {
        name: Some("renamed".to_owned()),
        pins_admin_only: true,
        ..meta("C1", "2024-01-01T00:00:00Z")
    };
    assert!(state.apply(event("e1", EventPayload::ConversationUpdated(renamed))));
    assert_eq!(state.conversations[0].meta.name.as_deref(), Some("renamed"));
    assert!(state.conversations[0].meta.pins_admin_only);
    let t_meta = state.timeline("C1").and_then(|t| t.meta.clone()).expect("meta");
    assert!(t_meta.pins_admin_only);
    let stranger = meta("C9", "2024-01-01T00:00:00Z");
    state.apply(ChatAction::Event(ConversationEvent {
        cursor: "e2".to_owned(),
        conversation_id: "C9".to_owned(),
        at: String::new(),
        payload: EventPayload::ConversationUpdated(stranger),
    }));
    assert!(state.conversations.iter().all(|c| c.meta.id != "C9"));
}

#[test]
fn pin_and_moderation_rules() {
    let room = |role: Option<Role>, admin_only: bool| ConversationMeta {
        viewer_role: role,
        is_member: role.is_some(),
        pins_admin_only: admin_only,
        ..meta("C1", "")
    };
    assert!(room(Some(Role::Member), false).viewer_may_pin());
    assert!(!room(Some(Role::Member), true).viewer_may_pin());
    assert!(room(Some(Role::Admin), true).viewer_may_pin());
    assert!(room(Some(Role::Owner), true).viewer_may_pin());
    assert!(!room(None, false).viewer_may_pin());
    assert!(!room(Some(Role::Member), false).viewer_moderates());
    assert!(room(Some(Role::Admin), false).viewer_moderates());
    let direct = ConversationMeta { kind: ConversationKind::Direct, ..room(Some(Role::Member), true) };
    assert!(direct.viewer_may_pin());
    assert!(!direct.viewer_moderates());
}

#[test]
fn edit_of_unloaded_message_changes_nothing_but_the_quote() {
    let reply = Message {
        reply_to: Some(ReplyPreview {
            id: "M0".to_owned(),
            sender: user("U2"),
            body: Some("old".to_owned()),
        }),
        ..m1()
    };
    let mut state = opened(vec![reply], false);
    let original = Message {
        body: Some("new".to_owned()),
        edited_at: Some("x".to_owned()),
        ..confirmed("C1", "M0", "c0", "U2", "2023-12-31T00:00:00Z")
    };
    state.apply(event("e1", EventPayload::MessageEdited(original)));
    assert_eq!(ids_of(&state), vec!["M1"]);
    assert_eq!(message(&state, "M1").reply_to.and_then(|q| q.body).as_deref(), Some("new"));
}

fn ids_of(state: &ChatState) -> Vec<String> {
    super::tests::ids(state, "C1")
}
