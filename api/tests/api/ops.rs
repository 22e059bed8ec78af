//! The operation documents the web app sends (`graphql/operations/` with their shared
//! fragments, via `jeco-operations`), for tests whose request is the same operation.
//! Tests that probe the server with their own documents (exact field sets, authz
//! matrices, malformed or nested queries) keep them inline.

/// The document of operation `name` with the fragments it uses; panics on a typo.
pub fn op(name: &str) -> &'static str {
    jeco_operations::document(name).unwrap_or_else(|| panic!("no graphql/operations/{name}.graphql"))
}
