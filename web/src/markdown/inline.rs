//! Inline markdown: emphasis, code spans, links, bare URLs, mentions, line breaks.
//! Every opener whose closer cannot be found stays literal text, and a marker kind
//! that failed once is not searched for again on the same level, which keeps
//! hostile input (thousands of unclosed markers) linear.

use super::{Inline, MAX_DEPTH};

/// Longest link text and URL searched for, bounding the work per `[`.
const MAX_LINK_TEXT: usize = 500;
/// Longest URL accepted.
const MAX_URL: usize = 2048;

/// `href` to use for a link target, or `None` when it is not an http(s) or mailto URL.
/// The check is on the exact string that becomes the attribute (set as a DOM property,
/// never parsed as HTML), so entity or whitespace tricks simply fail the prefix test.
pub fn safe_href(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty()
        || t.len() > MAX_URL
        || t.chars().any(|c| c.is_control() || c.is_whitespace() || "<>\"`\\".contains(c))
    {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let ok = ["http://", "https://", "mailto:"].iter().any(|p| lower.starts_with(p) && t.len() > p.len());
    ok.then(|| t.to_owned())
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-".contains(c)
}

/// The username of an `@mention` starting at `i` (the `@`), following the server's
/// rule: not glued to a preceding name, 3–32 name characters, no trailing `.` or `-`.
pub fn mention_at(s: &[char], i: usize) -> Option<String> {
    if s.get(i) != Some(&'@') || (i > 0 && (is_name(s[i - 1]) || s[i - 1] == '@')) {
        return None;
    }
    let name: String = s[i + 1..].iter().take_while(|c| is_name(**c)).take(64).collect();
    let name = name.trim_end_matches(['.', '-']);
    (3..=32).contains(&name.len()).then(|| name.to_owned())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bold,
    Star,
    Underscore,
}

/// Parses one paragraph's text.
pub(super) fn parse_inline(text: &str, depth: usize) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    parse_range(&chars, depth, false)
}

#[derive(Default)]
struct Out {
    items: Vec<Inline>,
    text: String,
}

impl Out {
    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.items.push(Inline::Text(std::mem::take(&mut self.text)));
        }
    }

    fn push(&mut self, item: Inline) {
        self.flush();
        self.items.push(item);
    }

    fn push_str(&mut self, s: &[char]) {
        self.text.extend(s.iter());
    }

    fn finish(mut self) -> Vec<Inline> {
        self.flush();
        self.items
    }
}

fn run_len(s: &[char], i: usize, c: char) -> usize {
    s[i..].iter().take_while(|x| **x == c).count()
}

/// Start of the closing backtick run of exactly `run` backticks after `from`.
fn code_close(s: &[char], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < s.len() {
        if s[j] == '`' {
            let n = run_len(s, j, '`');
            if n == run {
                return Some(j);
            }
            j += n;
        } else {
            j += 1;
        }
    }
    None
}

/// Position of the closer of an emphasis opened just before `from`.
fn emphasis_close(s: &[char], from: usize, kind: Kind) -> Option<usize> {
    let mut j = from;
    while j < s.len() {
        let after_text = j > from && !s[j - 1].is_whitespace();
        match (s[j], kind) {
            ('\\', _) => j += 2,
            ('*', Kind::Bold) if s.get(j + 1) == Some(&'*') => {
                if after_text {
                    return Some(j);
                }
                j += 2;
            }
            ('*', Kind::Star) if s.get(j + 1) == Some(&'*') => j += 2,
            ('*', Kind::Star) if after_text => return Some(j),
            ('_', Kind::Underscore) if after_text && !s.get(j + 1).is_some_and(|c| c.is_alphanumeric()) => {
                return Some(j)
            }
            _ => j += 1,
        }
    }
    None
}

/// `[text](url)` at `i`: (end of text, start of url, end of url).
fn link_parts(s: &[char], i: usize) -> Option<(usize, usize, usize)> {
    let mut nesting = 0usize;
    let mut close = None;
    for (k, c) in s.iter().enumerate().skip(i + 1).take(MAX_LINK_TEXT) {
        match c {
            '\\' => {}
            '[' => nesting += 1,
            ']' if nesting == 0 => {
                close = Some(k);
                break;
            }
            ']' => nesting -= 1,
            _ => {}
        }
    }
    let close = close?;
    if s.get(close + 1) != Some(&'(') {
        return None;
    }
    let url_start = close + 2;
    let url_end = s[url_start..].iter().take(MAX_URL + 1).position(|c| *c == ')' || c.is_whitespace())?;
    let url_end = url_start + url_end;
    (s[url_end] == ')').then_some((close, url_start, url_end))
}

fn starts_with_ci(s: &[char], i: usize, prefix: &str) -> bool {
    let n = prefix.chars().count();
    s.len() >= i + n && s[i..i + n].iter().zip(prefix.chars()).all(|(a, b)| a.to_ascii_lowercase() == b)
}

/// End (exclusive) of a bare URL starting at `i`, without trailing punctuation.
fn bare_url_end(s: &[char], i: usize) -> Option<usize> {
    let scheme = if starts_with_ci(s, i, "https://") {
        8
    } else if starts_with_ci(s, i, "http://") {
        7
    } else {
        return None;
    };
    if i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '/') {
        return None;
    }
    let mut end =
        i + s[i..].iter().take(MAX_URL).take_while(|c| !c.is_whitespace() && !"<>\"`".contains(**c)).count();
    loop {
        let last = s[end - 1];
        let unbalanced_paren = last == ')'
            && s[i..end].iter().filter(|c| **c == '(').count()
                < s[i..end].iter().filter(|c| **c == ')').count();
        if ".,;:!?'*_".contains(last) || unbalanced_paren {
            end -= 1;
        } else {
            break;
        }
    }
    (end > i + scheme).then_some(end)
}

fn parse_range(s: &[char], depth: usize, in_link: bool) -> Vec<Inline> {
    let mut out = Out::default();
    // Marker kinds that already failed to close on this level (see the module doc).
    let (mut dead_bold, mut dead_star, mut dead_under) = (false, false, false);
    let deep = depth >= MAX_DEPTH;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            '\\' if s.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.text.push(s[i + 1]);
                i += 2;
            }
            '\n' => {
                out.push(Inline::LineBreak);
                i += 1;
            }
            '`' => {
                let run = run_len(s, i, '`');
                match code_close(s, i + run, run) {
                    Some(end) => {
                        let code: String = s[i + run..end].iter().collect();
                        let code = match code.strip_prefix(' ').and_then(|c| c.strip_suffix(' ')) {
                            Some(inner) if !inner.trim().is_empty() => inner.to_owned(),
                            _ => code,
                        };
                        out.push(Inline::Code(code));
                        i = end + run;
                    }
                    None => {
                        out.push_str(&s[i..i + run]);
                        i += run;
                    }
                }
            }
            '*' if s.get(i + 1) == Some(&'*') => {
                let opens = !deep && !dead_bold && s.get(i + 2).is_some_and(|c| !c.is_whitespace());
                match opens.then(|| emphasis_close(s, i + 2, Kind::Bold)).flatten() {
                    Some(end) => {
                        out.push(Inline::Bold(parse_range(&s[i + 2..end], depth + 1, in_link)));
                        i = end + 2;
                    }
                    None => {
                        dead_bold |= opens;
                        out.push_str(&s[i..i + 2]);
                        i += 2;
                    }
                }
            }
            '*' | '_' => {
                let (kind, dead) =
                    if c == '*' { (Kind::Star, &mut dead_star) } else { (Kind::Underscore, &mut dead_under) };
                let glued = c == '_' && i > 0 && s[i - 1].is_alphanumeric();
                let opens = !deep && !*dead && !glued && s.get(i + 1).is_some_and(|c| !c.is_whitespace());
                match opens.then(|| emphasis_close(s, i + 1, kind)).flatten() {
                    Some(end) => {
                        out.push(Inline::Italic(parse_range(&s[i + 1..end], depth + 1, in_link)));
                        i = end + 1;
                    }
                    None => {
                        *dead |= opens;
                        out.text.push(c);
                        i += 1;
                    }
                }
            }
            '[' if !in_link && !deep => match link_parts(s, i) {
                Some((close, url_start, url_end)) => {
                    let url: String = s[url_start..url_end].iter().collect();
                    match safe_href(&url) {
                        Some(href) => {
                            let children = parse_range(&s[i + 1..close], depth + 1, true);
                            out.push(Inline::Link { href, children });
                        }
                        // Not a scheme we link: the whole thing stays visible as text.
                        None => out.push_str(&s[i..=url_end]),
                    }
                    i = url_end + 1;
                }
                None => {
                    out.text.push('[');
                    i += 1;
                }
            },
            'h' | 'H' if !in_link => match bare_url_end(s, i) {
                Some(end) => {
                    let url: String = s[i..end].iter().collect();
                    match safe_href(&url) {
                        Some(href) => out.push(Inline::Link { href, children: vec![Inline::Text(url)] }),
                        None => out.text.push_str(&url),
                    }
                    i = end;
                }
                None => {
                    out.text.push(c);
                    i += 1;
                }
            },
            '@' if !in_link => match mention_at(s, i) {
                Some(name) => {
                    i += 1 + name.chars().count();
                    out.push(Inline::Mention(name));
                }
                None => {
                    out.text.push('@');
                    i += 1;
                }
            },
            _ => {
                out.text.push(c);
                i += 1;
            }
        }
    }
    out.finish()
}
