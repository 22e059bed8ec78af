//! Assembles every operation in `operations/` with the fragments of `fragments/` it uses
//! (transitively) into one document per operation, written to `OUT_DIR/operations.rs`.
//! GraphQL rejects unused fragments and clients resolve fragments only within one
//! document, so each operation carries exactly the fragments it spreads.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    println!("cargo:rerun-if-changed={}", dir.join("operations").display());
    println!("cargo:rerun-if-changed={}", dir.join("fragments").display());
    let fragments = read_dir(&dir.join("fragments"))?;
    for (name, file) in &fragments {
        if !file.body.contains(&format!("fragment {name} on ")) {
            return Err(format!("fragments/{name}.graphql must define fragment {name}").into());
        }
    }
    let mut out = String::from("/// Every operation file, by name, with the fragments it uses appended.\n");
    out.push_str("pub static OPERATIONS: &[Operation] = &[\n");
    for (name, file) in read_dir(&dir.join("operations"))? {
        let mut document = file.body.clone();
        for fragment in used_fragments(&file.body, &fragments)? {
            document.push('\n');
            document.push_str(&fragments[&fragment].body);
        }
        writeln!(out, "    Operation {{ name: {name:?}, doc: {:?}, document: {document:?} }},", file.doc)?;
    }
    out.push_str("];\n");
    fs::write(PathBuf::from(std::env::var("OUT_DIR")?).join("operations.rs"), out)?;
    Ok(())
}

/// One `.graphql` file: its leading `#` comment (the doc) and the rest.
struct File {
    doc: String,
    body: String,
}

/// The `.graphql` files of `dir` by file stem, sorted.
fn read_dir(dir: &Path) -> Result<BTreeMap<String, File>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "graphql") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        let text = fs::read_to_string(&path)?;
        let (doc, body): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with('#'));
        let doc = doc.iter().map(|l| l.trim_start_matches('#').trim()).collect::<Vec<_>>().join(" ");
        let mut body = body.join("\n");
        body.push('\n');
        files.insert(name.to_owned(), File { doc, body });
    }
    Ok(files)
}

/// The fragments `text` spreads, then those they spread, each once, in first-use order.
fn used_fragments(text: &str, fragments: &BTreeMap<String, File>) -> Result<Vec<String>> {
    let mut used: Vec<String> = Vec::new();
    let mut pending = spreads(text);
    while let Some(name) = pending.pop() {
        if used.contains(&name) {
            continue;
        }
        let Some(fragment) = fragments.get(&name) else {
            return Err(format!("no fragments/{name}.graphql for the spread ...{name}").into());
        };
        let mut inner = spreads(&fragment.body);
        inner.reverse();
        used.push(name);
        pending.extend(inner);
    }
    Ok(used)
}

/// The names after `...` in `text` (not inline fragments `... on T`), in order of appearance
/// (returned reversed, as a stack).
fn spreads(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("...") {
        rest = &rest[at + 3..];
        let name: String =
            rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && name != "on" {
            names.push(name);
        }
    }
    names.reverse();
    names
}
