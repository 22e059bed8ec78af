//! Message search: scoped to the viewer's conversations, with snippets and
//! highlight ranges computed here (so they work the same for every script).

use chrono::{DateTime, Utc};
use jeco_schema::models::{Message, User};
use jeco_schema::search::{self, MessageSearch};

use super::{conn, require};
use crate::auth::Viewer;
use crate::error::{ServiceResult, UserError, UserErrorCode};
use crate::state::AppState;
use jeco_schema::ids::{ConversationId, UserId};

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Letters or digits the longest word of a query needs: without one, no index
/// narrows the search (a one-letter prefix matches much of the table, and the
/// substring index needs three characters), so it would read every message in
/// scope. Longer queries are bounded by the statement timeout.
pub const MIN_WORD_CHARS: usize = 2;
/// Characters of context in a snippet.
pub const SNIPPET_CHARS: usize = 160;

/// Filters of a search.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only this conversation.
    pub conversation_id: Option<ConversationId>,
    /// Only this sender.
    pub sender_id: Option<UserId>,
    /// Sent at or after.
    pub since: Option<DateTime<Utc>>,
    /// Sent before.
    pub until: Option<DateTime<Utc>>,
}

/// One match: the message, its sender, and a highlighted excerpt.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The message.
    pub message: Message,
    /// Its sender.
    pub sender: User,
    /// Excerpt of the body around the first match.
    pub snippet: String,
    /// `[start, end)` char offsets of matches within `snippet`.
    pub highlights: Vec<(usize, usize)>,
}

/// Searches the viewer's conversations, newest first, continuing before
/// `before` (the `(tx, id)` of the last hit of the previous page).
pub async fn search(
    state: &AppState,
    viewer: Option<Viewer>,
    query: &str,
    filters: Filters,
    before: Option<(i64, i64)>,
    limit: i64,
) -> ServiceResult<Vec<Hit>> {
    let user_id = require(viewer)?;
    let text = query.trim();
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(
            UserError::on_field("query", UserErrorCode::Invalid, "type something to search for").into()
        );
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(UserError::on_field(
            "query",
            UserErrorCode::TooLong,
            format!("query must be at most {MAX_QUERY_CHARS} characters"),
        )
        .into());
    }
    if let (Some(since), Some(until)) = (filters.since, filters.until) {
        if since >= until {
            return Err(
                UserError::on_field("since", UserErrorCode::Invalid, "since must be before until").into()
            );
        }
    }
    if !search::query_words(text).iter().any(|w| w.chars().count() >= MIN_WORD_CHARS) {
        return Err(UserError::on_field(
            "query",
            UserErrorCode::Invalid,
            format!("search for a word of at least {MIN_WORD_CHARS} letters or digits"),
        )
        .into());
    }
    let mut c = conn(state).await?;
    let rows = search::search_messages(
        &mut c,
        &MessageSearch {
            viewer: user_id,
            text: text.to_string(),
            conversation_id: filters.conversation_id,
            sender_id: filters.sender_id,
            since: filters.since,
            until: filters.until,
            before,
            limit,
        },
    )
    .await?;
    let terms = highlight_terms(text);
    Ok(rows
        .into_iter()
        .map(|(message, sender)| {
            let (snippet, highlights) = snippet(message.body.as_deref().unwrap_or(""), &terms, SNIPPET_CHARS);
            Hit { message, sender, snippet, highlights }
        })
        .collect())
}

/// What to highlight: the whole query, then its words, longest first.
pub fn highlight_terms(query: &str) -> Vec<Vec<char>> {
    let mut terms: Vec<Vec<char>> = std::iter::once(query.trim().to_lowercase())
        .chain(search::query_words(query))
        .map(|t| t.chars().collect::<Vec<char>>())
        .filter(|t| !t.is_empty())
        .collect();
    terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
    terms.dedup();
    terms
}

/// An excerpt of at most `width` chars around the first match, with the
/// `[start, end)` char ranges of every match inside it. Matching is per char,
/// case-insensitive (first char of each char's lower case, so offsets stay
/// aligned with the original text).
pub fn snippet(body: &str, terms: &[Vec<char>], width: usize) -> (String, Vec<(usize, usize)>) {
    let chars: Vec<char> = body.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < lower.len() {
        let hit = terms.iter().find(|t| lower.len() - i >= t.len() && lower[i..i + t.len()] == t[..]);
        match hit {
            Some(t) => {
                ranges.push((i, i + t.len()));
                i += t.len();
            }
            None => i += 1,
        }
    }
    let first = ranges.first().map(|r| r.0).unwrap_or(0);
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(chars.len());
    let start = end.saturating_sub(width).min(start);
    let mut text: String = chars[start..end].iter().collect();
    let mut shift = 0;
    if start > 0 {
        text.insert(0, '…');
        shift = 1;
    }
    if end < chars.len() {
        text.push('…');
    }
    let highlights = ranges
        .into_iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| (s - start + shift, e - start + shift))
        .collect();
    (text, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(body: &str, query: &str, width: usize) -> String {
        let (text, ranges) = snippet(body, &highlight_terms(query), width);
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        for (i, c) in chars.iter().enumerate() {
            if ranges.iter().any(|r| r.0 == i) {
                out.push('[');
            }
            out.push(*c);
            if ranges.iter().any(|r| r.1 == i + 1) {
                out.push(']');
            }
        }
        out
    }

    #[test]
    fn highlights_every_match_case_insensitively() {
        assert_eq!(marked("Hello world, HELLO again", "hello", 100), "[Hello] world, [HELLO] again");
        assert_eq!(marked("Ünïcode ünïcode", "ÜNÏ", 100), "[Ünï]code [ünï]code");
        assert_eq!(marked("東京タワーへ行く", "タワー", 100), "東京[タワー]へ行く");
    }

    #[test]
    fn prefers_the_whole_phrase_and_windows_long_bodies() {
        assert_eq!(marked("say hello world", "hello world", 100), "say [hello world]");
        let body = format!("{}needle{}", "a".repeat(300), "b".repeat(300));
        let m = marked(&body, "needle", 40);
        assert!(m.starts_with('…') && m.ends_with('…') && m.contains("[needle]"), "{m}");
        assert_eq!(m.chars().count(), 40 + 2 + 2);
    }

    #[test]
    fn no_match_gives_the_start_of_the_body() {
        assert_eq!(marked("short text", "zzz", 100), "short text");
    }
}
