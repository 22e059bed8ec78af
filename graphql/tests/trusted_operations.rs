//! `graphql/trusted-operations.json`: the web app's operations, exactly as it
//! sends them (each document with its fragments, see `build.rs`; web/build.rs
//! hands that text to graphql_client_codegen, whose `QUERY` constant, the
//! `query` the web app sends, is the same string), with their SHA-256, in Apollo's persisted-query manifest format. The server runs only
//! these when `JECO_TRUSTED_OPERATIONS` names the file. This test fails when the
//! checked-in file is stale; `JECO_BLESS=1 cargo test -p jeco-operations --test
//! trusted_operations` rewrites it.
#![allow(clippy::expect_used)]

use async_graphql_parser::types::OperationType;
use sha2::{Digest, Sha256};

/// The manifest, fields in Apollo's order (whatever serde_json's map does).
#[derive(serde::Serialize)]
struct Manifest {
    format: &'static str,
    version: u32,
    operations: Vec<Entry>,
}

#[derive(serde::Serialize)]
struct Entry {
    id: String,
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    body: &'static str,
}

fn manifest() -> String {
    let operations: Vec<Entry> = jeco_operations::OPERATIONS
        .iter()
        .map(|op| {
            let doc = async_graphql_parser::parse_query(op.document).expect("operations parse");
            let kind = match doc.operations.iter().next().map(|(_, o)| o.node.ty) {
                Some(OperationType::Query) => "query",
                Some(OperationType::Mutation) => "mutation",
                Some(OperationType::Subscription) => "subscription",
                None => panic!("{} has no operation", op.name),
            };
            let id: String =
                Sha256::digest(op.document.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            Entry { id, name: op.name, kind, body: op.document }
        })
        .collect();
    let manifest = Manifest { format: "apollo-persisted-query-manifest", version: 1, operations };
    let mut text = serde_json::to_string_pretty(&manifest).expect("serializes");
    text.push('\n');
    text
}

#[test]
fn the_trusted_operations_manifest_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("trusted-operations.json");
    let want = manifest();
    if std::env::var_os("JECO_BLESS").is_some() {
        std::fs::write(&path, &want).expect("writes the manifest");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "graphql/trusted-operations.json is stale (an operation or fragment changed); regenerate it with\n  \
         JECO_BLESS=1 cargo test -p jeco-operations --test trusted_operations"
    );
}
