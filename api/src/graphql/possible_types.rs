//! Apollo Client's `possibleTypes` (`{ "Node": ["User", ...], "<Union>": [...] }`),
//! derived from the SDL the server exports, so it cannot drift from the schema.

use std::collections::BTreeMap;

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// Every interface and union of `sdl` with the names of its possible types
/// (implementers of an interface, members of a union), sorted.
pub fn possible_types(sdl: &str) -> Result<BTreeMap<String, Vec<String>>, async_graphql::parser::Error> {
    let document = async_graphql::parser::parse_schema(sdl)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let name = ty.node.name.node.to_string();
        match ty.node.kind {
            TypeKind::Interface(interface) => {
                out.entry(name.clone()).or_default();
                for parent in interface.implements {
                    out.entry(parent.node.to_string()).or_default().push(name.clone());
                }
            }
            TypeKind::Object(object) => {
                for interface in object.implements {
                    out.entry(interface.node.to_string()).or_default().push(name.clone());
                }
            }
            TypeKind::Union(union) => {
                out.entry(name).or_default().extend(union.members.into_iter().map(|m| m.node.to_string()));
            }
            _ => {}
        }
    }
    for members in out.values_mut() {
        members.sort();
        members.dedup();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_and_unions_list_their_possible_types() {
        let sdl = "interface Node { id: ID! }\ninterface Named implements Node { id: ID! name: String! }\n\
                   type User implements Node & Named { id: ID! name: String! }\ntype Room implements Node { id: ID! }\n\
                   type A { x: Int }\ntype B { x: Int }\nunion Event = B | A\ntype Query { a: A }";
        let got = possible_types(sdl).map_err(|e| e.to_string());
        let want: BTreeMap<String, Vec<String>> =
            [("Event", vec!["A", "B"]), ("Named", vec!["User"]), ("Node", vec!["Named", "Room", "User"])]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
                .collect();
        assert_eq!(got, Ok(want));
    }
}
