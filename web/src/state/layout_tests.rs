//! Grouping, separators, the unread divider and receipt placement.

use super::*;
use crate::state::model::UserRef;
use crate::state::time::parse_rfc3339_millis;

fn user(id: &str) -> UserRef {
    UserRef { id: id.into(), username: id.into(), display_name: id.into(), avatar_url: None }
}

fn msg(id: &str, sender: &str, at: &str) -> Message {
    Message {
        id: Some(id.into()),
        client_id: format!("c-{id}"),
        sender: user(sender),
        body: Some(id.into()),
        created_at: at.into(),
        ..Message::default()
    }
}

fn utc(m: &Message) -> Option<i64> {
    parse_rfc3339_millis(&m.created_at)
}

fn shape(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| match r {
            Row::Day(_) => "day".to_owned(),
            Row::NewDivider => "new".to_owned(),
            Row::Message { index, grouped: true } => format!("+{index}"),
            Row::Message { index, grouped: false } => format!("{index}"),
        })
        .collect()
}

#[test]
fn groups_same_sender_within_five_minutes() {
    let ms = vec![
        msg("1", "a", "2026-11-30T10:00:00Z"),
        msg("2", "a", "2026-11-30T10:04:59Z"),
        msg("3", "a", "2026-11-30T10:10:00Z"),
        msg("4", "b", "2026-11-30T10:10:30Z"),
        msg("5", "a", "2026-11-30T10:11:00Z"),
        msg("6", "a", "2026-11-30T10:11:30Z"),
    ];
    assert_eq!(shape(&rows(&ms, 0..6, None, utc)), ["day", "0", "+1", "2", "3", "4", "+5"]);
}

#[test]
fn day_changes_and_divider_break_groups() {
    let ms = vec![
        msg("1", "a", "2026-11-29T23:58:00Z"),
        msg("2", "a", "2026-11-30T00:01:00Z"),
        msg("3", "a", "2026-11-30T00:02:00Z"),
        msg("4", "a", "2026-11-30T00:03:00Z"),
    ];
    assert_eq!(shape(&rows(&ms, 0..4, Some("4"), utc)), ["day", "0", "day", "1", "+2", "new", "3"]);
}

#[test]
fn a_window_starts_without_a_separator_inside_a_day() {
    let ms = vec![
        msg("1", "a", "2026-11-30T10:00:00Z"),
        msg("2", "a", "2026-11-30T10:01:00Z"),
        msg("3", "b", "2026-11-30T10:02:00Z"),
    ];
    // The first rendered message still knows it continues the one before it.
    assert_eq!(shape(&rows(&ms, 1..3, None, utc)), ["+1", "2"]);
}

#[test]
fn divider_after_the_read_position() {
    let mut ms = vec![
        msg("1", "b", "2026-11-30T10:00:00Z"),
        msg("2", "me", "2026-11-30T10:01:00Z"),
        msg("3", "b", "2026-11-30T10:02:00Z"),
        msg("4", "b", "2026-11-30T10:03:00Z"),
    ];
    assert_eq!(new_divider_key(&ms, "me").as_deref(), Some("3"));
    ms[2].seen_by.push(user("me"));
    assert_eq!(new_divider_key(&ms, "me").as_deref(), Some("4"));
    ms[3].seen_by.push(user("me"));
    assert_eq!(new_divider_key(&ms, "me"), None);
    // Never read anything: the divider opens the loaded messages.
    let unread = vec![msg("1", "b", "2026-11-30T10:00:00Z")];
    assert_eq!(new_divider_key(&unread, "me").as_deref(), Some("1"));
}

#[test]
fn receipt_only_on_the_newest_own_confirmed_message() {
    let mut ms = vec![
        msg("1", "me", "2026-11-30T10:00:00Z"),
        msg("2", "me", "2026-11-30T10:01:00Z"),
        msg("3", "b", "2026-11-30T10:02:00Z"),
    ];
    assert_eq!(receipt_key(&ms, "me").as_deref(), Some("2"));
    let mut pending = msg("x", "me", "2026-11-30T10:03:00Z");
    pending.id = None;
    ms.push(pending);
    assert_eq!(receipt_key(&ms, "me").as_deref(), Some("2"));
    assert_eq!(receipt_key(&ms, "b").as_deref(), Some("3"));
}

#[test]
fn counts_arrivals_from_others() {
    let ms = vec![
        msg("1", "b", "2026-11-30T10:00:00Z"),
        msg("2", "b", "2026-11-30T10:01:00Z"),
        msg("3", "me", "2026-11-30T10:02:00Z"),
        msg("4", "c", "2026-11-30T10:03:00Z"),
    ];
    assert_eq!(arrived_after(&ms, "1", "me"), 2);
    assert_eq!(arrived_after(&ms, "4", "me"), 0);
    assert_eq!(arrived_after(&ms, "gone", "me"), 0);
}
