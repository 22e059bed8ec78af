//! Rendering tests: the Yew tree built from hostile input holds no element or
//! attribute taken from the text, only text nodes and vetted links.

use yew::virtual_dom::VNode;

use super::{parse, render, RenderOptions};

/// A readable dump of a node tree: `<tag a="v">…</tag>`, text escaped. Raw HTML
/// nodes (which the renderer must never produce) show up as `RAW`.
fn dump(node: &VNode, out: &mut String) {
    match node {
        VNode::VTag(tag) => {
            out.push('<');
            out.push_str(tag.tag());
            let mut attributes: Vec<(&str, &str)> = tag.attributes.iter().collect();
            attributes.sort_unstable();
            for (k, v) in attributes {
                out.push_str(&format!(" {k}=\"{}\"", v.replace('"', "&quot;")));
            }
            out.push('>');
            if let Some(children) = tag.children() {
                dump(children, out);
            }
            out.push_str(&format!("</{}>", tag.tag()));
        }
        VNode::VText(text) => out.push_str(
            &text.text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;"),
        ),
        VNode::VList(list) => list.iter().for_each(|child| dump(child, out)),
        _ => out.push_str("RAW"),
    }
}

fn html_of(text: &str, options: &RenderOptions) -> String {
    let mut out = String::new();
    dump(&render(&parse(text), options), &mut out);
    out
}

fn plain(text: &str) -> String {
    html_of(text, &RenderOptions::default())
}

#[test]
fn formatting_becomes_elements() {
    assert_eq!(
        plain("**b** *i* `c`\nnext"),
        "<p class=\"md-p\"><strong>b</strong> <em>i</em> <code class=\"md-code\">c</code><br></br>next</p>"
    );
    assert_eq!(plain("```\n<b>\n```"), "<pre class=\"md-pre\"><code>&lt;b&gt;</code></pre>");
    assert_eq!(plain("> q"), "<blockquote class=\"md-quote\"><p class=\"md-p\">q</p></blockquote>");
}

#[test]
fn links_get_safe_attributes() {
    assert_eq!(
        plain("[site](https://example.com)"),
        "<p class=\"md-p\"><a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\" \
         target=\"_blank\">site</a></p>"
    );
}

#[test]
fn hostile_input_is_only_text() {
    for input in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[<img src=x onerror=alert(1)>](vbscript:x)",
        "**<svg onload=alert(1)>**",
    ] {
        let html = plain(input);
        assert!(!html.contains("RAW"), "{input}: {html}");
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("<svg"),
            "{input}: {html}"
        );
        assert!(!html.contains("<a "), "{input} made a link: {html}");
        assert!(!html.contains("onerror=\"") && !html.contains("onclick=\""), "{input}: {html}");
    }
}

#[test]
fn quotes_cannot_break_out_of_a_link() {
    // The URL stops at the quote (bare link); the rest stays text.
    let html = plain("[a](https://ok.example\" onclick=\"alert(1))");
    assert_eq!(html.matches("<a ").count(), 1, "{html}");
    assert!(html.contains("<a href=\"https://ok.example\" rel="), "{html}");
    assert!(!html.contains("onclick=\""), "{html}");
}

#[test]
fn mentions_are_marked_and_the_viewers_own_stands_out() {
    let options = RenderOptions { viewer_username: Some("Bob".to_owned()), known_mentions: None };
    assert_eq!(
        html_of("@alice @bob", &options),
        "<p class=\"md-p\"><span class=\"mention\" data-testid=\"mention\">@alice</span> \
         <span class=\"mention mention-self\" data-testid=\"mention\">@bob</span></p>"
    );
    // Only names the server confirmed are highlighted once it answered.
    let confirmed = RenderOptions { viewer_username: None, known_mentions: Some(vec!["alice".to_owned()]) };
    assert_eq!(
        html_of("@Alice @nobody", &confirmed),
        "<p class=\"md-p\"><span class=\"mention\" data-testid=\"mention\">@Alice</span> @nobody</p>"
    );
}
