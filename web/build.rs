//! Generates the web app's typed GraphQL operations (`OUT_DIR/ops.rs`, included by
//! `src/api/ops.rs`): one module and one `GraphQLQuery` struct per operation of
//! `jeco-operations`, checked against `graphql/schema.graphql` the way the
//! `GraphQLQuery` derive would, so a schema change that breaks an operation fails this build.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

use graphql_client_codegen::{
    generate_module_token_stream_from_string, CodegenMode, GraphQLClientCodegenOptions,
};
use proc_macro2::{Ident, Span};

fn main() -> Result<(), Box<dyn Error>> {
    let schema = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../graphql/schema.graphql");
    println!("cargo:rerun-if-changed={}", schema.display());
    let mut out = String::new();
    for op in jeco_operations::OPERATIONS {
        // The options every operation shares (what the 47 derive attributes used to repeat).
        let mut options = GraphQLClientCodegenOptions::new(CodegenMode::Derive);
        options.set_operation_name(op.name.to_owned());
        options.set_struct_ident(Ident::new(op.name, Span::call_site()));
        options.set_module_visibility(syn::parse_str("pub")?);
        options.set_response_derives("Debug, Clone, PartialEq".to_owned());
        options.set_variables_derives("Debug, Clone".to_owned());
        options.set_skip_serializing_none(true);
        options.set_fragments_other_variant(true);
        let module = generate_module_token_stream_from_string(op.document, &schema, options)
            .map_err(|e| format!("operation {}: {e}", op.name))?;
        writeln!(out, "#[doc = {:?}]\npub struct {};\n{module}\n", format!(" {}", op.doc), op.name)?;
    }
    // Pretty-printed, so that a compile error in the generated code points at a readable line.
    let file: syn::File = syn::parse_str(&out)?;
    std::fs::write(PathBuf::from(std::env::var("OUT_DIR")?).join("ops.rs"), prettyplease::unparse(&file))?;
    Ok(())
}
