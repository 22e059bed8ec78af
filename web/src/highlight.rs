//! Search snippets with their matches marked: the server gives character ranges
//! (Unicode scalar values, end exclusive) into the snippet; they become text runs,
//! the matched ones rendered as `<mark>` nodes (never as HTML).

use yew::prelude::*;

/// Splits `snippet` into runs, `true` for the runs inside a highlight. Ranges are
/// clamped to the text, sorted and merged, so bad or overlapping ranges are harmless.
pub fn segments(snippet: &str, ranges: &[(i64, i64)]) -> Vec<(String, bool)> {
    let chars: Vec<char> = snippet.chars().collect();
    let len = chars.len();
    let clamp = |v: i64| usize::try_from(v.max(0)).unwrap_or(usize::MAX).min(len);
    let mut spans: Vec<(usize, usize)> =
        ranges.iter().map(|&(s, e)| (clamp(s), clamp(e))).filter(|(s, e)| s < e).collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in merged {
        if s > at {
            out.push((chars[at..s].iter().collect(), false));
        }
        out.push((chars[s..e].iter().collect(), true));
        at = e;
    }
    if at < len {
        out.push((chars[at..].iter().collect(), false));
    }
    out
}

/// The snippet as text nodes with `<mark>` around the matches.
pub fn render(snippet: &str, ranges: &[(i64, i64)]) -> Html {
    segments(snippet, ranges)
        .into_iter()
        .map(|(text, marked)| {
            if marked {
                html! { <mark>{ text }</mark> }
            } else {
                html! { { text } }
            }
        })
        .collect::<Html>()
}

#[cfg(test)]
mod tests {
    use super::segments;

    fn seg(parts: &[(&str, bool)]) -> Vec<(String, bool)> {
        parts.iter().map(|(t, m)| ((*t).to_owned(), *m)).collect()
    }

    #[test]
    fn marks_ranges() {
        assert_eq!(
            segments("hello brave world", &[(6, 11)]),
            seg(&[("hello ", false), ("brave", true), (" world", false)])
        );
        assert_eq!(segments("abc", &[]), seg(&[("abc", false)]));
        assert_eq!(segments("abc", &[(0, 3)]), seg(&[("abc", true)]));
    }

    #[test]
    fn offsets_are_chars_not_bytes() {
        assert_eq!(
            segments("café ☕ naïve", &[(5, 6), (7, 12)]),
            seg(&[("café ", false), ("☕", true), (" ", false), ("naïve", true)])
        );
    }

    #[test]
    fn bad_ranges_are_clamped_sorted_and_merged() {
        assert_eq!(
            segments("abcdef", &[(4, 100), (-5, 1), (3, 2), (0, 2), (1, 3)]),
            seg(&[("abc", true), ("d", false), ("ef", true)])
        );
        assert_eq!(segments("", &[(0, 5)]), Vec::<(String, bool)>::new());
    }

    #[test]
    fn markup_in_snippets_stays_text() {
        assert_eq!(segments("<b>x</b>", &[(3, 4)]), seg(&[("<b>", false), ("x", true), ("</b>", false)]));
    }
}
