//! The schema's edge, one extension for HTTP and WebSocket alike: documents
//! that do not parse or validate, or cost too much, are refused with the
//! conventional `extensions.code`, and every other top-level error leaves with
//! a code too (resolvers set theirs; any without one is the caller's input).
//! Text holding U+0000 in a query or subscription is refused here too:
//! PostgreSQL cannot take it, so it would otherwise fail as an internal error
//! wherever it reached SQL (mutations validate their text into `userErrors`).
//! It also notes whether execution began (see [`Executed`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextSubscribe,
    NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use futures_util::stream::{BoxStream, StreamExt};

use super::cost;
use crate::error::TopLevelCode;

/// Installs [`Edge`] on a schema.
pub struct EdgeExtension;

impl ExtensionFactory for EdgeExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Edge)
    }
}

/// Request data that [`Edge`] sets when the operation starts to execute. A
/// response to a request whose flag stays unset answers a request error (the
/// document did not parse or validate, or named no operation to run), which
/// per GraphQL-over-HTTP has no `data` entry.
#[derive(Clone, Default)]
pub struct Executed(Arc<AtomicBool>);

impl Executed {
    /// Whether execution began.
    pub fn began(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Labels errors and enforces the cost and depth limits.
struct Edge;

#[async_graphql::async_trait::async_trait]
impl Extension for Edge {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        label(next.run(ctx).await)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(executed) = ctx.data_opt::<Executed>() {
            executed.0.store(true, Ordering::Relaxed);
        }
        next.run(ctx, operation_name).await
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(label).boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc =
            next.run(ctx, query, variables).await.map_err(|e| with_code(e, TopLevelCode::ParseFailed))?;
        // Mutations validate their text and answer with `userErrors`; reads
        // (which have none) are refused here.
        if doc.operations.iter().any(|(_, op)| op.node.ty == OperationType::Mutation) {
            return Ok(doc);
        }
        let operations = doc.operations.iter().map(|(_, op)| &op.node.selection_set.node);
        let fragments = doc.fragments.values().map(|f| &f.node.selection_set.node);
        if variables.values().any(has_nul) || operations.chain(fragments).any(selection_has_nul) {
            return Err(nul_refused());
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors.into_iter().map(|e| with_code(e, TopLevelCode::ValidationFailed)).collect::<Vec<_>>()
        })?;
        cost::check(&result).map_err(|e| vec![e])?;
        Ok(result)
    }
}

/// Whether a value holds a U+0000 anywhere.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Whether an argument written in the document holds a U+0000.
fn selection_has_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            f.node.arguments.iter().any(|(_, v)| {
                // Variables are checked on their own.
                v.node.clone().into_const_with(|_| Ok::<_, ()>(Value::Null)).is_ok_and(|c| has_nul(&c))
            }) || selection_has_nul(&f.node.selection_set.node)
        }
        Selection::InlineFragment(f) => selection_has_nul(&f.node.selection_set.node),
        Selection::FragmentSpread(_) => false,
    })
}

fn nul_refused() -> ServerError {
    with_code(ServerError::new("text must not contain U+0000 (NUL)", None), TopLevelCode::BadUserInput)
}

/// Sets `code` on an error that has none.
fn with_code(mut error: ServerError, code: TopLevelCode) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

/// Gives every error of a response a code: resolvers label their own (see
/// `crate::error::top_level`); what is left came from argument coercion or a
/// `?` on a decoding error, both the caller's input.
fn label(mut response: Response) -> Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| {
            let code = if e.message.starts_with("internal error") {
                TopLevelCode::InternalServerError
            } else {
                TopLevelCode::BadUserInput
            };
            with_code(e, code)
        })
        .collect();
    response
}
