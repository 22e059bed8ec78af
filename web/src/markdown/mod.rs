//! Safe markdown for message bodies: a pure parser from text to a small AST (tested
//! on the host) and a renderer that builds Yew nodes from it. Nothing is ever
//! interpreted as HTML; links are kept only for http, https and mailto.

mod inline;
mod render;

pub use inline::safe_href;
pub use render::{render, RenderOptions};

/// Nesting depth beyond which quotes and emphasis are kept as plain text, so hostile
/// input cannot blow the stack or the DOM.
pub const MAX_DEPTH: usize = 6;

/// A block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Consecutive lines of text (line breaks kept as [`Inline::LineBreak`]).
    Paragraph(Vec<Inline>),
    /// A fenced code block, shown verbatim.
    Code(String),
    /// A `> ` quote, itself made of blocks.
    Quote(Vec<Block>),
}

/// A run of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// `**strong**`.
    Bold(Vec<Inline>),
    /// `*emphasis*` or `_emphasis_`.
    Italic(Vec<Inline>),
    /// `` `code` ``, verbatim.
    Code(String),
    /// A link with a vetted `href` (see [`safe_href`]).
    Link {
        /// Target (http, https or mailto only).
        href: String,
        /// Link text.
        children: Vec<Inline>,
    },
    /// `@username` (without the `@`).
    Mention(String),
    /// A newline inside a paragraph.
    LineBreak,
}

/// Parses a message body into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    parse_blocks(&lines, 0)
}

/// The content of a quote line (`>` plus an optional space), if it is one.
fn quote_content(line: &str) -> Option<&str> {
    let rest = strip_indent(line).strip_prefix('>')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// The line without up to three leading spaces (deeper indentation is text).
fn strip_indent(line: &str) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    if spaces <= 3 {
        &line[spaces..]
    } else {
        line
    }
}

fn is_fence(line: &str) -> bool {
    strip_indent(line).starts_with("```")
}

fn parse_blocks(lines: &[&str], depth: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(inline::parse_inline(&paragraph.join("\n"), depth)));
            paragraph.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_fence(line) {
            flush(&mut paragraph, &mut blocks);
            // An unclosed fence runs to the end of the message, like most chat apps.
            let end = lines[i + 1..].iter().position(|l| is_fence(l)).map_or(lines.len(), |p| i + 1 + p);
            blocks.push(Block::Code(lines[i + 1..end].join("\n")));
            i = end + 1;
            continue;
        }
        if depth < MAX_DEPTH && quote_content(line).is_some() {
            flush(&mut paragraph, &mut blocks);
            let inner: Vec<&str> = lines[i..].iter().map_while(|l| quote_content(l)).collect();
            i += inner.len();
            blocks.push(Block::Quote(parse_blocks(&inner, depth + 1)));
            continue;
        }
        if line.trim().is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else {
            paragraph.push(line);
        }
        i += 1;
    }
    flush(&mut paragraph, &mut blocks);
    blocks
}

/// The text of inlines without markup (e.g. for a reply preview or a title).
pub fn plain_text(blocks: &[Block]) -> String {
    fn inl(out: &mut String, items: &[Inline]) {
        for item in items {
            match item {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Bold(c) | Inline::Italic(c) | Inline::Link { children: c, .. } => inl(out, c),
                Inline::Mention(name) => {
                    out.push('@');
                    out.push_str(name);
                }
                Inline::LineBreak => out.push(' '),
            }
        }
    }
    let mut out = String::new();
    for block in blocks {
        if !out.is_empty() {
            out.push(' ');
        }
        match block {
            Block::Paragraph(items) => inl(&mut out, items),
            Block::Code(code) => out.push_str(code),
            Block::Quote(inner) => out.push_str(&plain_text(inner)),
        }
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod render_tests;
