//! Which slice of the loaded messages is rendered. Thousands of messages may be
//! loaded; the DOM holds at most [`MAX`] of them. The window is anchored to a message
//! key (or to either end), so history pages prepended and messages appended move it
//! only when they should.

use std::ops::Range;

/// Messages rendered when a conversation opens.
pub const INITIAL: usize = 150;
/// Messages added per step while scrolling through loaded history.
pub const STEP: usize = 100;
/// Most messages rendered at once.
pub const MAX: usize = 300;

/// Where the window starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The last `size` messages (follows new ones).
    Newest,
    /// The first `size` messages (follows prepended pages).
    Oldest,
    /// From the message with this key.
    Key(String),
}

/// The rendered window: where it starts and how many messages it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Anchor of the first rendered message.
    pub start: Start,
    /// Number of messages rendered.
    pub size: usize,
}

impl Default for Window {
    fn default() -> Self {
        Window { start: Start::Newest, size: INITIAL }
    }
}

impl Window {
    /// The index range for `len` messages; `position` finds a key's index. A key that
    /// is gone falls back to the newest messages.
    pub fn range(&self, len: usize, position: impl Fn(&str) -> Option<usize>) -> Range<usize> {
        let size = self.size.min(MAX);
        let start = match &self.start {
            Start::Newest => len.saturating_sub(size),
            Start::Oldest => 0,
            Start::Key(key) => position(key).unwrap_or(len.saturating_sub(size)),
        };
        start..(start + size).min(len)
    }

    /// Grows the window `STEP` messages towards older ones, trimming the newest end
    /// beyond [`MAX`]. `key_at` names the message at an index.
    pub fn grow_older(current: Range<usize>, key_at: impl Fn(usize) -> String) -> Window {
        let start = current.start.saturating_sub(STEP);
        let end = current.end.min(start + MAX);
        let start_anchor = if start == 0 { Start::Oldest } else { Start::Key(key_at(start)) };
        Window { start: start_anchor, size: end - start }
    }

    /// Grows the window `STEP` messages towards newer ones, trimming the oldest end
    /// beyond [`MAX`]; reaching the end follows new messages again.
    pub fn grow_newer(current: Range<usize>, len: usize, key_at: impl Fn(usize) -> String) -> Window {
        let end = (current.end + STEP).min(len);
        let start = current.start.max(end.saturating_sub(MAX));
        if end == len {
            Window { start: Start::Newest, size: end - start }
        } else {
            Window { start: Start::Key(key_at(start)), size: end - start }
        }
    }

    /// A window around index `target` (to jump to a message).
    pub fn around(target: usize, len: usize, key_at: impl Fn(usize) -> String) -> Window {
        let start = target.saturating_sub(INITIAL / 2);
        if start + INITIAL >= len {
            return Window::default();
        }
        Window { start: Start::Key(key_at(start)), size: INITIAL }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> String {
        format!("k{i}")
    }

    fn pos(len: usize) -> impl Fn(&str) -> Option<usize> {
        move |k: &str| k.strip_prefix('k').and_then(|n| n.parse().ok()).filter(|&n| n < len)
    }

    #[test]
    fn opens_on_the_newest_messages() {
        assert_eq!(Window::default().range(5000, pos(5000)), 4850..5000);
        assert_eq!(Window::default().range(20, pos(20)), 0..20);
    }

    #[test]
    fn scrolling_up_through_5000_stays_bounded() {
        let len = 5000;
        let mut w = Window::default();
        let mut r = w.range(len, pos(len));
        while r.start > 0 {
            w = Window::grow_older(r.clone(), key);
            let next = w.range(len, pos(len));
            assert!(next.start < r.start, "moves up");
            assert!(next.len() <= MAX, "bounded: {next:?}");
            r = next;
        }
        assert_eq!(w.start, Start::Oldest);
        assert_eq!(r, 0..MAX);
        // And back down to the newest, following new messages again.
        while r.end < len {
            w = Window::grow_newer(r.clone(), len, key);
            r = w.range(len, pos(len));
            assert!(r.len() <= MAX);
        }
        assert_eq!(w.start, Start::Newest);
        assert_eq!(r, len - MAX..len);
    }

    #[test]
    fn prepended_pages_keep_a_keyed_window_in_place() {
        let w = Window { start: Start::Key("k10".into()), size: 100 };
        assert_eq!(w.range(500, pos(500)), 10..110);
        // 50 older messages arrive in front: indexes shift, the key moves with them.
        let shifted = |k: &str| pos(550)(k).map(|i| i + 50);
        assert_eq!(w.range(550, shifted), 60..160);
        // At the oldest end, prepended messages come into view.
        let top = Window { start: Start::Oldest, size: 200 };
        assert_eq!(top.range(550, pos(550)), 0..200);
    }

    #[test]
    fn a_vanished_key_falls_back_to_the_newest() {
        let w = Window { start: Start::Key("gone".into()), size: 100 };
        assert_eq!(w.range(300, pos(300)), 200..300);
    }

    #[test]
    fn jumping_centres_the_target() {
        assert_eq!(Window::around(1000, 5000, key).range(5000, pos(5000)), 925..1075);
        assert_eq!(Window::around(4990, 5000, key), Window::default());
    }
}
