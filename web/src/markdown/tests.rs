//! Parser tests, including hostile input: nothing may become a link but http(s) and
//! mailto, and markup characters always stay text.

use super::*;

fn t(s: &str) -> Inline {
    Inline::Text(s.to_owned())
}

fn para(s: &str) -> Vec<Inline> {
    match parse(s).as_slice() {
        [Block::Paragraph(items)] => items.clone(),
        other => panic!("expected one paragraph, got {other:?}"),
    }
}

/// Every link href anywhere in the blocks.
fn hrefs(blocks: &[Block]) -> Vec<String> {
    fn inl(out: &mut Vec<String>, items: &[Inline]) {
        for i in items {
            match i {
                Inline::Link { href, children } => {
                    out.push(href.clone());
                    inl(out, children);
                }
                Inline::Bold(c) | Inline::Italic(c) => inl(out, c),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Paragraph(items) => inl(&mut out, items),
            Block::Quote(inner) => out.extend(hrefs(inner)),
            Block::Code(_) => {}
        }
    }
    out
}

#[test]
fn plain_text_is_one_text_node() {
    assert_eq!(para("hello world"), vec![t("hello world")]);
}

#[test]
fn bold_italic_and_code() {
    assert_eq!(
        para("a **b** *c* _d_ `e`"),
        vec![
            t("a "),
            Inline::Bold(vec![t("b")]),
            t(" "),
            Inline::Italic(vec![t("c")]),
            t(" "),
            Inline::Italic(vec![t("d")]),
            t(" "),
            Inline::Code("e".to_owned()),
        ]
    );
}

#[test]
fn nested_emphasis() {
    assert_eq!(para("**a *b* c**"), vec![Inline::Bold(vec![t("a "), Inline::Italic(vec![t("b")]), t(" c")])]);
    assert_eq!(para("*a **b** c*"), vec![Inline::Italic(vec![t("a "), Inline::Bold(vec![t("b")]), t(" c")])]);
}

#[test]
fn code_span_is_verbatim() {
    assert_eq!(para("`**not bold** <b>`"), vec![Inline::Code("**not bold** <b>".to_owned())]);
    assert_eq!(para("``a ` b``"), vec![Inline::Code("a ` b".to_owned())]);
}

#[test]
fn snake_case_is_not_italic() {
    assert_eq!(para("my_var_name and 2 * 3 * 4"), vec![t("my_var_name and 2 * 3 * 4")]);
}

#[test]
fn unclosed_markers_stay_text() {
    assert_eq!(para("**bold"), vec![t("**bold")]);
    assert_eq!(para("*it"), vec![t("*it")]);
    assert_eq!(para("`code"), vec![t("`code")]);
    let blocks = parse("[text](http://x");
    assert_eq!(plain_text(&blocks), "[text](http://x");
    assert_eq!(hrefs(&blocks), vec!["http://x".to_owned()]);
    assert_eq!(para("** spaced **"), vec![t("** spaced **")]);
}

#[test]
fn escapes() {
    assert_eq!(para(r"\*not\* \`x\`"), vec![t("*not* `x`")]);
}

#[test]
fn links_with_text() {
    assert_eq!(
        para("see [the docs](https://example.com/a?b=c) now"),
        vec![
            t("see "),
            Inline::Link { href: "https://example.com/a?b=c".to_owned(), children: vec![t("the docs")] },
            t(" now"),
        ]
    );
    assert_eq!(
        para("[mail](mailto:a@example.com)"),
        vec![Inline::Link { href: "mailto:a@example.com".to_owned(), children: vec![t("mail")] }]
    );
}

#[test]
fn bare_urls_without_trailing_punctuation() {
    assert_eq!(
        para("go to https://example.com/x."),
        vec![
            t("go to "),
            Inline::Link {
                href: "https://example.com/x".to_owned(),
                children: vec![t("https://example.com/x")]
            },
            t("."),
        ]
    );
    assert_eq!(hrefs(&parse("(see http://a.b/c_(d))")), vec!["http://a.b/c_(d)".to_owned()]);
    assert_eq!(hrefs(&parse("HTTPS://EXAMPLE.COM")), vec!["HTTPS://EXAMPLE.COM".to_owned()]);
    assert!(hrefs(&parse("http:// nothing")).is_empty());
}

#[test]
fn dangerous_schemes_are_plain_text() {
    for input in [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "[x](//evil.example)",
        "[x](/relative)",
        "[x](file:///etc/passwd)",
        "javascript:alert(1)",
        "[x](https://ok.example\"onmouseover=\"alert(1))",
    ] {
        let blocks = parse(input);
        assert!(hrefs(&blocks).is_empty(), "{input:?} produced a link: {blocks:?}");
        // Nothing is lost: the raw text is still shown.
        assert!(plain_text(&blocks).contains('x') || input.starts_with("javascript"), "{input:?}");
    }
}

#[test]
fn safe_href_rules() {
    assert_eq!(safe_href("https://a.b").as_deref(), Some("https://a.b"));
    assert_eq!(safe_href("  http://a.b  ").as_deref(), Some("http://a.b"));
    assert_eq!(safe_href("MAILTO:a@b.c").as_deref(), Some("MAILTO:a@b.c"));
    for bad in [
        "https://",
        "mailto:",
        "javascript:x",
        "JAVASCRIPT:x",
        "\u{0}javascript:x",
        "jav&#x09;ascript:x",
        "data:x",
        "vbscript:x",
        "https://a b",
        "https://a\nb",
        "https://a<b",
        "",
    ] {
        assert_eq!(safe_href(bad), None, "{bad:?}");
    }
}

#[test]
fn html_stays_text() {
    for input in
        ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:x\">y</a>"]
    {
        assert_eq!(para(input), vec![t(input)]);
    }
}

#[test]
fn mentions() {
    assert_eq!(
        para("hi @alice, and @bo and a@b.c @carol."),
        vec![
            t("hi "),
            Inline::Mention("alice".to_owned()),
            t(", and @bo and a@b.c "),
            Inline::Mention("carol".to_owned()),
            t("."),
        ]
    );
}

#[test]
fn line_breaks_and_paragraphs() {
    assert_eq!(
        parse("a\nb\n\nc"),
        vec![Block::Paragraph(vec![t("a"), Inline::LineBreak, t("b")]), Block::Paragraph(vec![t("c")]),]
    );
}

#[test]
fn fenced_code_blocks() {
    assert_eq!(
        parse("before\n```rust\nlet x = **1**;\n<b>\n```\nafter"),
        vec![
            Block::Paragraph(vec![t("before")]),
            Block::Code("let x = **1**;\n<b>".to_owned()),
            Block::Paragraph(vec![t("after")]),
        ]
    );
    // Unclosed: runs to the end.
    assert_eq!(parse("```\ncode\nmore"), vec![Block::Code("code\nmore".to_owned())]);
}

#[test]
fn quotes() {
    assert_eq!(
        parse("> quoted **b**\n>more\nafter"),
        vec![
            Block::Quote(vec![Block::Paragraph(vec![
                t("quoted "),
                Inline::Bold(vec![t("b")]),
                Inline::LineBreak,
                t("more"),
            ])]),
            Block::Paragraph(vec![t("after")]),
        ]
    );
    assert_eq!(
        parse("> > inner"),
        vec![Block::Quote(vec![Block::Quote(vec![Block::Paragraph(vec![t("inner")])])])]
    );
}

#[test]
fn deep_nesting_is_bounded() {
    let quotes = ">".repeat(10_000) + " x";
    let blocks = parse(&quotes);
    assert_eq!(plain_text(&blocks).chars().filter(|c| *c == 'x').count(), 1);
    let stars = format!("{}x{}", "*".repeat(5_000), "*".repeat(5_000));
    let blocks = parse(&stars);
    assert!(plain_text(&blocks).contains('x'));
}

#[test]
fn very_long_hostile_input_is_fast_and_lossless() {
    let started = std::time::Instant::now();
    for unit in ["*a", "**a", "_a ", "`a", "x```", "[a](", "[", "@ab ", "http://x ", "> ", "\\", "***"] {
        let input = unit.repeat(20_000);
        let blocks = parse(&input);
        let plain = plain_text(&blocks);
        assert!(!plain.is_empty(), "{unit:?}");
    }
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
}

#[test]
fn links_do_not_nest() {
    let blocks = parse("[a [b](https://x.y) https://z.w](https://q.r)");
    assert_eq!(hrefs(&blocks), vec!["https://q.r".to_owned()]);
}

#[test]
fn crlf_is_a_line_break() {
    assert_eq!(para("a\r\nb"), vec![t("a"), Inline::LineBreak, t("b")]);
}
