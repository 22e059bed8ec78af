//! The one-line quote of a message shown above a reply and in the composer.

use crate::markdown;

/// Longest quote shown above a reply (chars).
const QUOTE_CHARS: usize = 120;

/// A short one-line quote of a message body (markup removed).
pub fn quote_text(body: Option<&str>) -> String {
    let Some(body) = body else {
        return "This message was deleted".to_owned();
    };
    let plain = markdown::plain_text(&markdown::parse(body));
    let mut out: String = plain.chars().take(QUOTE_CHARS).collect();
    if plain.chars().count() > QUOTE_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::quote_text;

    #[test]
    fn quotes_are_plain_short_and_mark_deletions() {
        assert_eq!(quote_text(Some("**bold** and `code`")), "bold and code");
        assert_eq!(quote_text(None), "This message was deleted");
        let long = "x".repeat(500);
        let quoted = quote_text(Some(&long));
        assert_eq!(quoted.chars().count(), 121);
        assert!(quoted.ends_with('…'));
    }
}
