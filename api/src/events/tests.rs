//! Stored events of every kind decode into the values that were written. The
//! fixtures are the JSON the serializer wrote before events had their own
//! shapes (when they embedded the row structs), so they are what the log holds.

use chrono::TimeZone;
use serde_json::Value;

use super::*;
use jeco_schema::ids::{ConversationId, MessageId, UserId};

fn t(s: i64, micros: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_000 + s, micros * 1000).single().expect("a valid instant")
}

fn alice() -> PublicUser {
    // `bio` was set when written; events never store it.
    PublicUser {
        id: UserId(7),
        username: "alice".into(),
        display_name: "Alice Liddell".into(),
        created_at: t(0, 123_456),
        bio: None,
        avatar_id: None,
    }
}

fn bob() -> PublicUser {
    PublicUser {
        id: UserId(8),
        username: "bob".into(),
        display_name: "Bob".into(),
        created_at: t(5, 1),
        bio: None,
        avatar_id: None,
    }
}

fn message() -> MessageV1 {
    MessageV1 {
        id: MessageId(42),
        conversation_id: ConversationId(3),
        sender_id: UserId(7),
        body: Some("hi @bob, see \"this\" 👍".into()),
        client_id: "c-0001".into(),
        created_at: t(100, 654_321),
        edited_at: None,
        deleted_at: None,
        tx: 9001,
        reply_to_id: Some(MessageId(41)),
        pinned_at: None,
        pinned_by: None,
    }
}

fn member(role: &str) -> MemberV1 {
    MemberV1 {
        conversation_id: ConversationId(3),
        user_id: UserId(8),
        role: role.into(),
        joined_at: t(50, 500),
    }
}

fn conversation() -> ConversationV1 {
    ConversationV1 {
        id: ConversationId(3),
        kind: "room".into(),
        name: Some("general".into()),
        topic: Some("all things".into()),
        visibility: "public".into(),
        created_by: Some(UserId(7)),
        created_at: t(10, 0),
        last_activity_at: t(100, 654_321),
        direct_key: None,
        pins_admin_only: true,
    }
}

/// One event of every kind, as written into the fixtures.
fn every_kind() -> Vec<EventPayload> {
    vec![
        EventPayload::MessageCreated { message: message(), sender: alice() },
        EventPayload::MemberJoined { member: member("member"), user: bob() },
        EventPayload::MemberRoleChanged { member: member("admin"), user: bob() },
        EventPayload::MemberLeft { user: bob() },
        EventPayload::ReadReceiptMoved { user: bob(), message_id: MessageId(42) },
        EventPayload::DeliveryMoved { user: bob(), message_id: MessageId(42) },
        EventPayload::MessageEdited {
            message: MessageV1 {
                edited_at: Some(t(200, 10)),
                body: Some("hi @bob (edited)".into()),
                ..message()
            },
        },
        EventPayload::MessageDeleted {
            message: MessageV1 { body: None, deleted_at: Some(t(300, 0)), ..message() },
        },
        EventPayload::ReactionsChanged {
            message_id: MessageId(42),
            reactions: vec![
                ReactionSet { emoji: "👍🏽".into(), users: vec![alice(), bob()] },
                ReactionSet { emoji: "🎉".into(), users: vec![bob()] },
            ],
        },
        EventPayload::MessagePinned {
            message: MessageV1 { pinned_at: Some(t(400, 999_999)), pinned_by: Some(UserId(8)), ..message() },
            by: bob(),
        },
        EventPayload::MessageUnpinned { message: message(), by: bob() },
        EventPayload::ConversationUpdated { conversation: conversation() },
    ]
}

/// The stored JSON of an event's kind; a new kind does not compile until it
/// has a fixture.
fn fixture(kind: &EventPayload) -> &'static str {
    match kind {
        EventPayload::MessageCreated { .. } => include_str!("fixtures/MessageCreated.json"),
        EventPayload::MemberJoined { .. } => include_str!("fixtures/MemberJoined.json"),
        EventPayload::MemberRoleChanged { .. } => include_str!("fixtures/MemberRoleChanged.json"),
        EventPayload::MemberLeft { .. } => include_str!("fixtures/MemberLeft.json"),
        EventPayload::ReadReceiptMoved { .. } => include_str!("fixtures/ReadReceiptMoved.json"),
        EventPayload::DeliveryMoved { .. } => include_str!("fixtures/DeliveryMoved.json"),
        EventPayload::MessageEdited { .. } => include_str!("fixtures/MessageEdited.json"),
        EventPayload::MessageDeleted { .. } => include_str!("fixtures/MessageDeleted.json"),
        EventPayload::ReactionsChanged { .. } => include_str!("fixtures/ReactionsChanged.json"),
        EventPayload::MessagePinned { .. } => include_str!("fixtures/MessagePinned.json"),
        EventPayload::MessageUnpinned { .. } => include_str!("fixtures/MessageUnpinned.json"),
        EventPayload::ConversationUpdated { .. } => include_str!("fixtures/ConversationUpdated.json"),
    }
}

fn stored(json: &str) -> Value {
    serde_json::from_str(json).expect("fixture is JSON")
}

fn decode(json: Value) -> EventPayload {
    serde_json::from_value(json).expect("stored event decodes")
}

#[test]
fn every_kind_decodes_from_its_stored_json() {
    for expected in every_kind() {
        assert_eq!(decode(stored(fixture(&expected))), expected);
    }
}

#[test]
fn every_kind_is_written_as_before() {
    for event in every_kind() {
        let written = serde_json::to_value(&event).expect("events serialize");
        assert_eq!(written, stored(fixture(&event)), "the JSON of {event:?} changed");
    }
}

#[test]
fn messages_written_before_replies_and_pins_decode() {
    let mut json = stored(fixture(&EventPayload::MessageUnpinned { message: message(), by: bob() }));
    let Some(Value::Object(m)) = json.get_mut("message") else { panic!("no message in {json}") };
    for field in ["reply_to_id", "pinned_at", "pinned_by"] {
        m.remove(field);
    }
    let old = MessageV1 { reply_to_id: None, ..message() };
    assert_eq!(decode(json), EventPayload::MessageUnpinned { message: old, by: bob() });
}

#[test]
fn conversations_written_before_pin_settings_decode() {
    let mut json = stored(fixture(&EventPayload::ConversationUpdated { conversation: conversation() }));
    let Some(Value::Object(c)) = json.get_mut("conversation") else { panic!("no conversation in {json}") };
    c.remove("pins_admin_only");
    let old = ConversationV1 { pins_admin_only: false, ..conversation() };
    assert_eq!(decode(json), EventPayload::ConversationUpdated { conversation: old });
}

#[test]
fn fields_this_build_does_not_know_are_ignored() {
    for expected in every_kind() {
        let mut json = stored(fixture(&expected));
        let Value::Object(event) = &mut json else { panic!("an event is an object") };
        event.insert("added_later".into(), Value::from(1));
        for nested in ["message", "member", "conversation", "user", "sender", "by"] {
            if let Some(Value::Object(inner)) = event.get_mut(nested) {
                inner.insert("column_added_later".into(), Value::from("x"));
            }
        }
        assert_eq!(decode(json), expected);
    }
}

#[test]
fn rows_convert_both_ways() {
    let row = models::Message::from(&message());
    assert_eq!(MessageV1::from(&row), message());
    let row = models::Member::from(&member("owner"));
    assert_eq!(MemberV1::from(&row), member("owner"));
    let row = models::Conversation::from(&conversation());
    assert_eq!(ConversationV1::from(&row), conversation());
}
