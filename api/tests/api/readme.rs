//! The README's client examples are the code the tests run: each block after
//! a `<!-- snippet: PATH#NAME -->` line must equal the lines between
//! `snippet:begin NAME` and `snippet:end` in PATH (an e2e test or the Rust
//! example), so the two cannot drift apart. `JECO_BLESS=1 cargo test -p
//! jeco-api --test api readme` copies the marked lines into the README.

use std::path::Path;

/// The lines strictly between the `snippet:begin NAME` and `snippet:end` comment lines.
fn marked(source: &str, name: &str) -> Option<Vec<String>> {
    let mut lines = source.lines().skip_while(|l| !l.trim_end().ends_with(&format!("snippet:begin {name}")));
    lines.next()?;
    Some(lines.take_while(|l| !l.trim_end().ends_with("snippet:end")).map(str::to_string).collect())
}

#[test]
fn the_readme_shows_exactly_the_client_code_the_tests_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let (mut checked, mut stale, mut out) = (Vec::new(), Vec::new(), Vec::new());
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        out.push(line.to_string());
        let Some(reference) = line.strip_prefix("<!-- snippet: ").and_then(|r| r.strip_suffix(" -->")) else {
            continue;
        };
        let (path, name) = reference.split_once('#').unwrap();
        let fence = lines.next().unwrap();
        assert!(fence.starts_with("```"), "a code block follows the snippet line for {reference}");
        out.push(fence.to_string());
        let shown: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let source = std::fs::read_to_string(root.join(path)).unwrap();
        let want = marked(&source, name).unwrap_or_else(|| panic!("{path} has no snippet {name}"));
        if shown != want {
            stale.push(reference.to_string());
        }
        out.extend(want);
        out.push("```".into());
        checked.push(reference.to_string());
    }
    assert_eq!(
        checked,
        ["e2e/apollo-client.test.mjs#apollo", "e2e/urql.test.mjs#urql", "api/examples/rust_client.rs#rust"]
    );
    if std::env::var_os("JECO_BLESS").is_some() {
        std::fs::write(root.join("README.md"), out.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "README's blocks for {stale:?} differ from the code the tests run; \
         JECO_BLESS=1 cargo test -p jeco-api --test api readme copies them in"
    );
}
