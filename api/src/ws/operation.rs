//! One operation of a connection: its task, and the `next` / `error` messages
//! it sends (serialized straight from the response, in query order).

use axum::extract::ws::Message;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::{text, Endpoint};
use crate::graphql::{self, RequestInfo};

/// A `next` or `error` message.
#[derive(Serialize)]
struct OperationMessage<'a, P> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    payload: P,
}

/// Serializes straight from the response, as HTTP does: through a
/// `serde_json::Value` its fields would come sorted (that map is a BTreeMap),
/// not in query order.
pub(super) fn operation_message<P: Serialize>(id: &str, kind: &'static str, payload: P) -> Message {
    match serde_json::to_string(&OperationMessage { id, kind, payload }) {
        Ok(t) => Message::Text(t.into()),
        Err(e) => {
            // Not expected (GraphQL values always serialize); the same kind of
            // message, carrying only the logged error's id.
            let message = crate::error::internal(e).message;
            let error =
                serde_json::json!({"message": message, "extensions": {"code": "INTERNAL_SERVER_ERROR"}});
            let payload = if kind == "error" {
                serde_json::json!([error])
            } else {
                serde_json::json!({ "errors": [error] })
            };
            text(serde_json::json!({"id": id, "type": kind, "payload": payload}))
        }
    }
}

/// Outcome of one finished operation task.
pub(super) struct Done {
    pub(super) id: String,
    /// `complete` is due (not after an `error`).
    pub(super) complete: bool,
}

/// Whether the request's chosen operation is a subscription (`false` when the
/// document does not parse or names no such operation).
fn is_subscription(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    let mut operations = doc.operations.iter();
    let chosen = match &request.operation_name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name.as_str())),
        None if doc.operations.iter().count() == 1 => operations.next(),
        None => None,
    };
    chosen.is_some_and(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Subscription)
}

pub(super) fn spawn_operation(
    ep: &Endpoint,
    info: RequestInfo,
    id: String,
    request: async_graphql::Request,
    out: mpsc::Sender<Message>,
    done: mpsc::UnboundedSender<Done>,
) -> AbortHandle {
    let subscription = is_subscription(&request);
    // Subscribers of the same operation share each event's resolution.
    let fingerprint = graphql::events::shared::OperationFingerprint::of(&request);
    let request = graphql::with_request_data(request, &ep.state, info, graphql::loaders::RequestCache::Fresh)
        .data(fingerprint);
    let executed = graphql::edge::Executed::default();
    let request = request.data(executed.clone());
    let schema = ep.schema.clone();
    let task = tokio::spawn(async move {
        let mut responses = schema.execute_stream(request);
        let mut complete = true;
        while let Some(response) = responses.next().await {
            // A request error (the document does not parse or validate, or
            // names no operation) is an `error` message, after which no
            // `complete` is sent; so is a subscription refused before its
            // first event (access). A query or mutation whose fields failed
            // while running is a `next` with its errors, then `complete`.
            let before_data =
                if subscription { response.data == async_graphql::Value::Null } else { !executed.began() };
            let failed = before_data && !response.errors.is_empty();
            let msg = if failed {
                complete = false;
                operation_message(&id, "error", &response.errors)
            } else {
                operation_message(&id, "next", &response)
            };
            if out.send(msg).await.is_err() || failed {
                break;
            }
        }
        let _ = done.send(Done { id, complete });
    });
    task.abort_handle()
}
