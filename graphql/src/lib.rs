//! The GraphQL operations Jeco's own clients send, in one place: the files in
//! `graphql/operations/`, each with the shared fragments of `graphql/fragments/` it uses
//! appended (assembled by `build.rs`). The web app generates its typed operations from
//! them; the integration tests and the bench send the same documents.

/// One operation file, ready to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name, which is also its file name.
    pub name: &'static str,
    /// What it does (the file's leading `#` comment).
    pub doc: &'static str,
    /// The operation followed by the fragments it uses.
    pub document: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

/// The document of the operation called `name`, with its fragments.
pub fn document(name: &str) -> Option<&'static str> {
    OPERATIONS.iter().find(|op| op.name == name).map(|op| op.document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql_parser::types::{DocumentOperations, ExecutableDocument};

    fn parse(op: &Operation) -> ExecutableDocument {
        async_graphql_parser::parse_query(op.document)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", op.name))
    }

    #[test]
    fn every_operation_is_one_named_operation_with_a_doc() {
        assert_eq!(OPERATIONS.len(), 51);
        for op in OPERATIONS {
            assert!(!op.doc.is_empty(), "{} has no leading # comment", op.name);
            match parse(op).operations {
                DocumentOperations::Single(_) => panic!("{} is anonymous", op.name),
                DocumentOperations::Multiple(ops) => {
                    let names: Vec<&str> = ops.keys().map(|n| n.as_str()).collect();
                    assert_eq!(names, [op.name]);
                }
            }
        }
    }

    #[test]
    fn every_appended_fragment_is_spread_and_defined_once() {
        for op in OPERATIONS {
            let doc = parse(op);
            for name in doc.fragments.keys() {
                let spread = format!("...{name}");
                assert!(op.document.contains(&spread), "{} carries unused fragment {name}", op.name);
                let definition = format!("fragment {name} on ");
                assert_eq!(op.document.matches(&definition).count(), 1, "{} / {name}", op.name);
            }
        }
    }

    #[test]
    fn fragments_are_appended_transitively() {
        let register = document("Register").unwrap_or_default();
        assert!(register.contains("fragment AuthFields on AuthPayload"));
        assert!(register.contains("fragment UserErrorFields on UserError"));
        assert_eq!(document("EventCursor"), Some("query EventCursor {\n  eventCursor\n}\n"));
        assert_eq!(document("Nope"), None);
    }
}
