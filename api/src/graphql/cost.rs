//! What a query may cost before it runs. Every field costs 1 plus its
//! children; a paged field (`first`/`last`) costs its page size times one
//! item, and a list without a page size (`seenBy`, `reactions`, ...) an assumed
//! [`LIST_SIZE`] items. So `messages(last: 100) { seenBy { id } }` under
//! aliases is refused before it can build millions of objects.

use async_graphql::{ServerError, ValidationResult};

use super::pagination::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::TopLevelCode;

/// Deepest query accepted (GraphiQL's introspection query needs 13).
pub const MAX_DEPTH: usize = 15;
/// Most a query may cost. The web app's largest operation, a conversation with
/// 100 messages (its page is 30) with their receipts, costs about 70,000.
pub const MAX_COST: usize = 100_000;
/// Items assumed in a list that has no page size (reactions, the people of one
/// reaction, pins, access tokens).
pub const LIST_SIZE: usize = 10;
/// People assumed in a message's receipts (`seenBy`, `deliveredTo`): they grow
/// with the room, so they count more than other lists.
pub const RECEIPTS_SIZE: usize = 50;

/// Cost of a paged field: the page asked for (or the default page) times one
/// item. Sizes outside `0..=100` are refused when the field runs, so they
/// count as the largest page here.
pub fn page(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let n = last.or(first).unwrap_or(DEFAULT_PAGE);
    let n = if (0..=MAX_PAGE).contains(&n) { n } else { MAX_PAGE };
    1usize.saturating_add(usize::try_from(n).unwrap_or(0).saturating_mul(child))
}

/// Cost of a list field without a page size: [`LIST_SIZE`] items.
pub fn list(child: usize) -> usize {
    1usize.saturating_add(LIST_SIZE.saturating_mul(child))
}

/// Cost of a message's receipts: [`RECEIPTS_SIZE`] people.
pub fn receipts(child: usize) -> usize {
    1usize.saturating_add(RECEIPTS_SIZE.saturating_mul(child))
}

/// Refuses a validated query that is too deep or costs too much, saying by how much.
pub fn check(result: &ValidationResult) -> Result<(), ServerError> {
    let refuse = |message: String, (name, value): (&str, usize), limit: usize| {
        let mut e = ServerError::new(message, None);
        let ext = e.extensions.get_or_insert_with(Default::default);
        ext.set("code", TopLevelCode::ValidationFailed.as_str());
        ext.set(name, value);
        ext.set("limit", limit);
        e
    };
    if result.depth > MAX_DEPTH {
        return Err(refuse(
            format!("query is nested too deep: depth {} over the limit of {MAX_DEPTH}", result.depth),
            ("depth", result.depth),
            MAX_DEPTH,
        ));
    }
    if result.complexity > MAX_COST {
        return Err(refuse(
            format!(
                "query is too expensive: cost {} over the limit of {MAX_COST} (each field costs 1, \
                 paged fields multiply by first/last, {DEFAULT_PAGE} when not given, receipts by \
                 {RECEIPTS_SIZE}, other lists by {LIST_SIZE}); ask for fewer items or fields",
                result.complexity
            ),
            ("cost", result.complexity),
            MAX_COST,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
    use async_graphql::{Request, Schema, Variables};
    use futures_util::StreamExt;

    use super::super::{Mutation, Query, Subscription};
    use super::*;

    #[test]
    fn pages_multiply_their_items_and_bad_sizes_count_as_the_largest() {
        assert_eq!(page(Some(10), None, 3), 31);
        assert_eq!(page(None, Some(100), 2), 201);
        assert_eq!(page(None, None, 1), 1 + DEFAULT_PAGE as usize);
        assert_eq!(page(Some(-5), None, 1), 101);
        assert_eq!(page(Some(i32::MAX), None, 1), 101);
        assert_eq!(page(Some(100), None, usize::MAX), usize::MAX);
        assert_eq!(list(4), 41);
        assert_eq!(receipts(3), 151);
    }

    /// Records what validation computed, then stops the request before any
    /// resolver runs (the schema here has no database).
    struct Probe(Arc<Mutex<Option<ValidationResult>>>);

    impl ExtensionFactory for Probe {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(Probe(self.0.clone()))
        }
    }

    #[async_graphql::async_trait::async_trait]
    impl Extension for Probe {
        async fn validation(
            &self,
            ctx: &ExtensionContext<'_>,
            next: NextValidation<'_>,
        ) -> Result<ValidationResult, Vec<ServerError>> {
            let result = next.run(ctx).await?;
            *self.0.lock().unwrap() = Some(result);
            Err(vec![ServerError::new("probed", None)])
        }
    }

    /// Cost and depth of a document with every page at its largest.
    async fn measure(document: &str) -> Result<ValidationResult, String> {
        let seen = Arc::new(Mutex::new(None));
        let schema = Schema::build(Query::default(), Mutation::default(), Subscription::default())
            .extension(Probe(seen.clone()))
            .finish();
        let variables = Variables::from_json(serde_json::json!({ "first": MAX_PAGE, "last": MAX_PAGE }));
        let mut responses = schema.execute_stream(Request::new(document).variables(variables));
        let response = responses.next().await.ok_or("no response")?;
        let result = *seen.lock().unwrap();
        result.ok_or_else(|| format!("{:?}", response.errors))
    }

    #[tokio::test]
    async fn every_operation_of_the_web_app_is_within_the_limits_at_the_largest_page() {
        for op in jeco_operations::OPERATIONS {
            let r = measure(op.document).await.unwrap_or_else(|e| panic!("{}: {e}", op.name));
            assert!(check(&r).is_ok(), "{} costs {} (depth {})", op.name, r.complexity, r.depth);
        }
        let history = measure(jeco_operations::document("ConversationHistory").unwrap()).await.unwrap();
        assert!(history.complexity > MAX_COST / 2, "the largest operation costs {}", history.complexity);
    }

    #[tokio::test]
    async fn aliased_receipts_of_full_pages_are_refused() {
        let one =
            "conversation(id: \"x\") { messages(last: 100) { nodes { seenBy { id } deliveredTo { id } } } }";
        let aliased: String = (0..10).map(|i| format!("a{i}: {one} ")).collect();
        let r = measure(&format!("{{ {aliased} }}")).await.unwrap();
        let e = check(&r).unwrap_err();
        assert!(e.message.starts_with("query is too expensive: cost 103"), "{}", e.message);
        let ext = e.extensions.unwrap();
        assert_eq!(ext.get("code"), Some(&async_graphql::Value::from("GRAPHQL_VALIDATION_FAILED")));
        assert_eq!(ext.get("limit"), Some(&async_graphql::Value::from(MAX_COST)));
        let single = measure(&format!("{{ {one} }}")).await.unwrap();
        assert_eq!(single.complexity, 1 + 1 + 100 * (1 + 2 * (1 + 50)));
    }
}
