//! Markdown AST to Yew nodes. Text always becomes DOM text nodes; the only
//! attributes set from message content are vetted `href`s.

use yew::prelude::*;

use super::{Block, Inline};

/// What the renderer needs to know about the viewer and the message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// The viewer's username: their own mentions get the class `mention-self`.
    pub viewer_username: Option<String>,
    /// Lower-case usernames the server confirmed as mentions; `None` highlights every
    /// `@name` (e.g. a message still being sent).
    pub known_mentions: Option<Vec<String>>,
}

impl RenderOptions {
    fn mention_class(&self, name: &str) -> Option<Classes> {
        let lower = name.to_lowercase();
        if let Some(known) = &self.known_mentions {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(&lower)) {
                return None;
            }
        }
        let own = self.viewer_username.as_ref().is_some_and(|v| v.eq_ignore_ascii_case(&lower));
        Some(classes!("mention", own.then_some("mention-self")))
    }
}

/// Renders parsed blocks.
pub fn render(blocks: &[Block], options: &RenderOptions) -> Html {
    blocks.iter().map(|b| render_block(b, options)).collect::<Html>()
}

fn render_block(block: &Block, options: &RenderOptions) -> Html {
    match block {
        Block::Paragraph(items) => html! { <p class="md-p">{ render_inlines(items, options) }</p> },
        Block::Code(code) => html! { <pre class="md-pre"><code>{ code.clone() }</code></pre> },
        Block::Quote(inner) => html! { <blockquote class="md-quote">{ render(inner, options) }</blockquote> },
    }
}

fn render_inlines(items: &[Inline], options: &RenderOptions) -> Html {
    items.iter().map(|i| render_inline(i, options)).collect::<Html>()
}

fn render_inline(item: &Inline, options: &RenderOptions) -> Html {
    match item {
        Inline::Text(text) => html! { { text.clone() } },
        Inline::Bold(children) => html! { <strong>{ render_inlines(children, options) }</strong> },
        Inline::Italic(children) => html! { <em>{ render_inlines(children, options) }</em> },
        Inline::Code(code) => html! { <code class="md-code">{ code.clone() }</code> },
        Inline::Link { href, children } => html! {
            <a href={href.clone()} rel="noopener noreferrer nofollow" target="_blank">
                { render_inlines(children, options) }
            </a>
        },
        Inline::Mention(name) => match options.mention_class(name) {
            Some(class) => html! { <span {class} data-testid="mention">{ format!("@{name}") }</span> },
            None => html! { { format!("@{name}") } },
        },
        Inline::LineBreak => html! { <br /> },
    }
}
