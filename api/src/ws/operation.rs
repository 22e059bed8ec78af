//! One operation of a connection: its task, and the `next` / `error` messages
//! it sends (serialized straight from the response, in query order; a shared
//! event result goes in as the text it was serialized to once, see
//! `graphql::events::shared`).

use std::sync::Arc;

use axum::extract::ws::Message;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::task::JoinHandle;

use super::{text, Endpoint, Out};
use crate::graphql::events::shared::SerializedSlot;
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

/// Outcome of one finished operation task (its task's output).
pub(super) struct Done {
    pub(super) id: String,
    /// `complete` is due (not after an `error`).
    pub(super) complete: bool,
}

/// What an operation is, as far as its connection cares.
#[derive(Debug, PartialEq)]
struct Shape {
    /// The chosen operation is a subscription.
    subscription: bool,
    /// Its only root selection is a field (so a response's data is that one
    /// field, and a shared result can be written in as text).
    single_field: bool,
}

/// The request's chosen operation's [`Shape`] (all `false` when the document
/// does not parse or names no such operation).
fn shape(request: &async_graphql::Request) -> Shape {
    use async_graphql::parser::types::{OperationType, Selection};
    let none = Shape { subscription: false, single_field: false };
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return none };
    let mut operations = doc.operations.iter();
    let chosen = match &request.operation_name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name.as_str())),
        None if doc.operations.iter().count() == 1 => operations.next(),
        None => None,
    };
    let Some((_, op)) = chosen else { return none };
    let items = &op.node.selection_set.node.items;
    Shape {
        subscription: op.node.ty == OperationType::Subscription,
        single_field: items.len() == 1 && items.iter().all(|s| matches!(s.node, Selection::Field(_))),
    }
}

/// The start of an operation's `next` frames up to its field's value, by
/// response key: the same for every event of the operation, so made once.
type FrameHead = Option<(async_graphql::Name, String)>;

/// The `next` message of `response`, whose one field's value is `json` (the
/// field itself answered `null` in the response, see [`SerializedSlot`]).
fn shared_next(id: &str, head: &mut FrameHead, mut response: async_graphql::Response, json: &str) -> Message {
    use async_graphql::Value;
    if let Value::Object(data) = &mut response.data {
        if let (1, Some((key, Value::Null))) = (data.len(), data.iter().next()) {
            if response.errors.is_empty() && response.extensions.is_empty() {
                if head.as_ref().is_none_or(|(k, _)| k != key) {
                    let (id, k) = (serde_json::to_string(id), serde_json::to_string(key.as_str()));
                    if let (Ok(id), Ok(k)) = (id, k) {
                        *head = Some((
                            key.clone(),
                            format!(r#"{{"id":{id},"type":"next","payload":{{"data":{{{k}:"#),
                        ));
                    }
                }
                if let Some((_, start)) = head.as_ref().filter(|(k, _)| k == key) {
                    let mut text = String::with_capacity(start.len() + json.len() + 3);
                    text.push_str(start);
                    text.push_str(json);
                    text.push_str("}}}");
                    return Message::Text(text.into());
                }
            }
            // Anything else in the response: the value goes back in, and the
            // response is serialized as any other.
            let value = serde_json::from_str(json).ok().and_then(|v| Value::from_json(v).ok());
            if let (Some(slot), Some(value)) = (data.values_mut().next(), value) {
                *slot = value;
            }
        }
    }
    operation_message(id, "next", &response)
}

pub(super) fn spawn_operation(
    ep: &Endpoint,
    info: RequestInfo,
    id: String,
    request: async_graphql::Request,
    out: Out,
) -> JoinHandle<Done> {
    let Shape { subscription, single_field } = shape(&request);
    // Subscribers of the same operation share each event's resolution.
    let fingerprint = graphql::events::shared::OperationFingerprint::of(&request);
    let mut request =
        graphql::with_request_data(request, &ep.state, info, graphql::loaders::RequestCache::Fresh)
            .data(fingerprint);
    // ... and, when its data is one field, the result's JSON text too.
    let slot = (subscription && single_field).then(|| Arc::new(SerializedSlot::default()));
    if let Some(slot) = &slot {
        request = request.data(slot.clone());
    }
    let executed = graphql::edge::Executed::default();
    let request = request.data(executed.clone());
    let schema = ep.schema.clone();
    tokio::spawn(async move {
        let mut responses = schema.execute_stream(request);
        let mut complete = true;
        let mut head: FrameHead = None;
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
                match slot.as_ref().and_then(|s| s.take()) {
                    Some(json) => shared_next(&id, &mut head, response, &json),
                    None => operation_message(&id, "next", &response),
                }
            };
            if out.send(msg).await.is_err() || failed {
                break;
            }
        }
        Done { id, complete }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{Name, Response, Value};

    fn text(m: Message) -> String {
        match m {
            Message::Text(t) => t.as_str().to_owned(),
            _ => String::new(),
        }
    }

    #[test]
    fn a_shared_next_frame_is_what_the_whole_response_would_serialize_to() {
        let field = serde_json::json!({"cursor": "c\"1", "payload": {"__typename": "MessageCreated", "n": [1, 2.5, null]}});
        let whole = |v: Value| Response::new(Value::Object([(Name::new("ev"), v)].into_iter().collect()));
        let expected = text(operation_message(
            "op \"1\"",
            "next",
            whole(Value::from_json(field.clone()).unwrap_or_default()),
        ));
        let json = serde_json::to_string(&field).unwrap_or_default();
        let mut head = None;
        assert_eq!(text(shared_next("op \"1\"", &mut head, whole(Value::Null), &json)), expected);
        // The second frame comes from the head made for the first.
        assert!(head.is_some());
        assert_eq!(text(shared_next("op \"1\"", &mut head, whole(Value::Null), &json)), expected);
        // With an error beside it, the value goes back into the response.
        let mut with_error = whole(Value::Null);
        with_error.errors.push(async_graphql::ServerError::new("boom", None));
        let mut expected = whole(Value::from_json(field).unwrap_or_default());
        expected.errors.push(async_graphql::ServerError::new("boom", None));
        let got = shared_next("1", &mut None, with_error, &json);
        assert_eq!(text(got), text(operation_message("1", "next", &expected)));
    }

    #[test]
    fn only_a_single_root_field_subscription_takes_shared_text() {
        let of = |q: &str| shape(&async_graphql::Request::new(q));
        assert_eq!(of("subscription { a { b } }"), Shape { subscription: true, single_field: true });
        assert_eq!(of("subscription { a __typename }"), Shape { subscription: true, single_field: false });
        assert_eq!(
            of("subscription { ...F } fragment F on S { a }"),
            Shape { subscription: true, single_field: false }
        );
        assert_eq!(of("query { a }"), Shape { subscription: false, single_field: true });
        assert_eq!(of("subscription {"), Shape { subscription: false, single_field: false });
    }
}
