//! How a timeline is laid out: which messages share a header, where day separators
//! and the "New messages" divider go, and which messages carry the read receipt.
//! Pure functions over the loaded messages, so the rules are unit-tested natively.

use std::ops::Range;

use super::dates::day_number;
use super::model::Message;

/// Follow-ups within this many milliseconds of the previous message share its header.
pub const GROUP_WITHIN_MS: i64 = 5 * 60_000;

/// One row of the rendered list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A day separator before the messages of that local day (the day number).
    Day(i64),
    /// The "New messages" divider.
    NewDivider,
    /// The message at this index of the loaded messages; `grouped` when it continues
    /// the previous message's group (no header of its own).
    Message {
        /// Index into the timeline's messages.
        index: usize,
        /// Shown without avatar, name and time.
        grouped: bool,
    },
}

/// Whether message `b` directly following `a` continues `a`'s group: same sender,
/// shown the same way (a new name, or an avatar added or removed, starts a new
/// header: the old one shows who they were then), same local day, at most five
/// minutes later. `local` maps a message to its local milliseconds.
fn continues(a: &Message, b: &Message, local: &impl Fn(&Message) -> Option<i64>) -> bool {
    // Avatar URLs are signed and change over time: only their presence counts.
    let (sa, sb) = (&a.sender, &b.sender);
    if sa.id != sb.id
        || sa.display_name != sb.display_name
        || sa.avatar_url.is_some() != sb.avatar_url.is_some()
    {
        return false;
    }
    match (local(a), local(b)) {
        (Some(ta), Some(tb)) => {
            day_number(ta) == day_number(tb) && (0..=GROUP_WITHIN_MS).contains(&(tb - ta))
        }
        _ => false,
    }
}

/// The rows for `range` of `messages`: day separators where the local day changes
/// (also before the first message of the conversation), the divider before the
/// message keyed `divider_key`, and grouping (never across a separator or divider).
pub fn rows(
    messages: &[Message],
    range: Range<usize>,
    divider_key: Option<&str>,
    local: impl Fn(&Message) -> Option<i64>,
) -> Vec<Row> {
    let mut out = Vec::with_capacity(range.len() + 4);
    for index in range.filter(|&i| i < messages.len()) {
        let m = &messages[index];
        let prev = index.checked_sub(1).map(|i| &messages[i]);
        let day = local(m).map(day_number);
        let new_day = match prev {
            None => day.is_some(),
            Some(p) => day.is_some() && local(p).map(day_number) != day,
        };
        if let (true, Some(day)) = (new_day, day) {
            out.push(Row::Day(day));
        }
        let divider = divider_key.is_some_and(|k| k == m.key());
        if divider {
            out.push(Row::NewDivider);
        }
        let grouped = !new_day && !divider && prev.is_some_and(|p| continues(p, m, &local));
        out.push(Row::Message { index, grouped });
    }
    out
}

/// Key of the first unread message when a conversation opens: the first message from
/// someone else after the viewer's read position (the newest message the viewer
/// wrote or has a receipt on). `None` when everything loaded is read.
pub fn new_divider_key(messages: &[Message], viewer_id: &str) -> Option<String> {
    let read = |m: &Message| m.sender.id == viewer_id || m.seen_by.iter().any(|u| u.id == viewer_id);
    let start = messages.iter().rposition(read).map_or(0, |i| i + 1);
    messages[start..].iter().find(|m| m.id.is_some() && m.sender.id != viewer_id).map(Message::key)
}

/// Key of the viewer's newest confirmed message: the only one showing a receipt.
pub fn receipt_key(messages: &[Message], viewer_id: &str) -> Option<String> {
    messages
        .iter()
        .rev()
        .find(|m| m.id.is_some() && m.sender.id == viewer_id && !m.is_deleted())
        .map(Message::key)
}

/// Messages from others after the one keyed `seen_key` (what arrived while the
/// reader was scrolled up).
pub fn arrived_after(messages: &[Message], seen_key: &str, viewer_id: &str) -> usize {
    match messages.iter().rposition(|m| m.key() == seen_key) {
        Some(i) => messages[i + 1..].iter().filter(|m| m.sender.id != viewer_id).count(),
        None => 0,
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
