//! The trusted-operations manifest (`JECO_TRUSTED_OPERATIONS`): Apollo's
//! persisted-query manifest format, as `graphql/trusted-operations.json` holds
//! the web app's operations (generated and checked by the `jeco-operations`
//! crate's tests):
//!
//! ```json
//! {"format": "apollo-persisted-query-manifest", "version": 1,
//!  "operations": [{"id": "<sha256 of body>", "name": "Viewer", "type": "query", "body": "query Viewer { ... }"}]}
//! ```

use std::path::Path;

use anyhow::{bail, Context as _};
use serde::Deserialize;

/// A parsed and checked manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Must be `apollo-persisted-query-manifest`.
    pub format: String,
    /// Must be 1.
    pub version: u32,
    /// The operations.
    pub operations: Vec<TrustedOperation>,
}

/// One trusted operation.
#[derive(Debug, Clone, Deserialize)]
pub struct TrustedOperation {
    /// Lowercase hex SHA-256 of `body`.
    pub id: String,
    /// The operation's name.
    pub name: String,
    /// `query`, `mutation` or `subscription`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The document exactly as clients send it.
    pub body: String,
}

impl Manifest {
    /// Reads a manifest, failing (naming the variable) unless every id is the
    /// SHA-256 of its body.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("JECO_TRUSTED_OPERATIONS: cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("JECO_TRUSTED_OPERATIONS: {}", path.display()))
    }

    /// Parses and checks a manifest's text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let manifest: Manifest = serde_json::from_str(text).context("not a persisted-query manifest")?;
        if manifest.format != "apollo-persisted-query-manifest" || manifest.version != 1 {
            bail!("format must be \"apollo-persisted-query-manifest\", version 1");
        }
        for op in &manifest.operations {
            if super::sha256_hex(&op.body) != op.id {
                bail!("operation {:?}: id is not the SHA-256 of its body", op.name);
            }
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_whose_ids_are_not_the_bodies_hashes_is_refused() {
        let body = "query A { viewer { id } }";
        let good = serde_json::json!({"format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{"id": super::super::sha256_hex(body), "name": "A", "type": "query", "body": body}]});
        assert_eq!(Manifest::parse(&good.to_string()).unwrap().operations.len(), 1);
        let mut bad = good.clone();
        bad["operations"][0]["body"] = "query A { viewer { username } }".into();
        assert!(Manifest::parse(&bad.to_string()).is_err());
        let mut other = good;
        other["format"] = "relay".into();
        assert!(Manifest::parse(&other.to_string()).is_err());
    }
}
