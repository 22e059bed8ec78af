//! Tests of attachments in the store: they arrive live with MessageCreated, a pending
//! send's local previews give way to the server's attachments, fresh URLs from a
//! re-read replace expired ones, and a deletion drops them.

use super::tests::{confirmed, created, opened, pending};
use super::*;
use crate::state::model::{Attachment, AttachmentKind};

fn image(id: &str, url: &str) -> Attachment {
    Attachment {
        id: id.to_owned(),
        kind: AttachmentKind::Image,
        filename: "cat.png".to_owned(),
        url: url.to_owned(),
        width: Some(640),
        height: Some(480),
        ..Attachment::default()
    }
}

fn shown(state: &ChatState) -> Vec<Attachment> {
    let timeline = state.timeline("C1").expect("timeline C1");
    timeline.messages.last().map(|m| m.attachments.clone()).unwrap_or_default()
}

#[test]
fn attachments_arrive_live_and_replace_local_previews() {
    let mut state = opened(Vec::new(), false);
    // Someone else's message with an attachment, from the stream.
    let theirs = Message {
        attachments: vec![image("A1", "/media/a1?sig=1")],
        ..confirmed("C1", "M1", "c1", "U2", "2024-01-01T00:01:00Z")
    };
    assert!(state.apply(created("e1", theirs)));
    assert_eq!(shown(&state), vec![image("A1", "/media/a1?sig=1")]);

    // Our own: shown at once from the local preview, then the server's copy wins.
    let local = Message {
        body: Some(String::new()),
        attachments: vec![image("A2", "blob:x")],
        ..pending("C1", "c2")
    };
    assert!(state.apply(ChatAction::SendStarted(local)));
    assert_eq!(shown(&state)[0].url, "blob:x");
    let stored = Message {
        body: Some(String::new()),
        attachments: vec![image("A2", "/media/a2?sig=2")],
        ..confirmed("C1", "M2", "c2", super::tests::VIEWER, "2024-01-01T00:02:00Z")
    };
    assert!(state.apply(ChatAction::SendConfirmed(stored.clone())));
    assert_eq!(shown(&state), vec![image("A2", "/media/a2?sig=2")]);

    // A re-read with fresh signatures replaces the expired URLs.
    let fresh = Message { attachments: vec![image("A2", "/media/a2?sig=3")], ..stored.clone() };
    assert!(state.apply(ChatAction::MessageUpdated(fresh)));
    assert_eq!(shown(&state)[0].url, "/media/a2?sig=3");

    // A tombstone keeps no attachments.
    let deleted = Message { deleted_at: Some("2024-01-01T00:03:00Z".to_owned()), body: None, ..stored };
    assert!(state.apply(ChatAction::MessageUpdated(deleted)));
    assert!(shown(&state).is_empty());
}
