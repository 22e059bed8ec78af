//! Resolving a conversation event once for every subscriber on this instance
//! that selected the same fields, instead of once per subscriber.
//!
//! The first subscriber to receive an event resolves it while a [`Recording`]
//! watches every read of the caller (`graphql::info`), and every field whose
//! answer depends on the viewer is either deferred or taints the result:
//! - signed media URLs (avatars, attachments) become placeholders, filled in
//!   per subscriber with a URL signed for them;
//! - `reactedByViewer` is answered for "anyone who did not react", and the
//!   reactors are set aside to resolve the event themselves;
//! - any other read of the viewer (a viewer-keyed loader, `viewer(ctx)`) taints
//!   the result, and then every subscriber resolves it on its own, as before.
//!
//! Subscribers of a single-root-field operation also share the serialized
//! text: the result goes to the connection through a [`SerializedSlot`] and is
//! written into each `next` frame as is (see `ws::operation`), so a reused
//! result is neither cloned nor serialized per subscriber.
//!
//! A result with errors is never shared either: each subscriber must see its
//! own errors, at its own path. The key is the event's log position and the
//! operation's fingerprint (document, operation name, variables), so two
//! subscribers share a result only when the GraphQL spec gives them the same
//! selection. `api/tests/api/shared_events.rs` checks every subscriber still
//! gets exactly what a per-viewer resolution would give.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

mod text;

pub use text::SerializedSlot;
use text::{escaped, fill_placeholders};

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use jeco_schema::ids::{AttachmentId, UserId};
use jeco_schema::log::LogPos;
use tokio::sync::OnceCell;

use super::ConversationEventNode;
use crate::auth::Viewer;
use crate::events::LoggedEvent;
use crate::graphql::RequestInfo;
use crate::media::sign::Variant;
use crate::state::AppState;

/// Shared results kept per instance: enough for every subscriber to pick an
/// event up while it is fresh; a subscriber replaying older events resolves
/// them on its own.
const CAPACITY: usize = 4096;

/// Locks the results are spread over: every subscriber of every event looks
/// its result up, from all fan-out threads at once.
const SHARDS: usize = 16;
const _: () = assert!(SHARDS.is_power_of_two(), "a shard is picked by the top bits of a hash");

/// One shard of the results: the map, and its keys oldest first.
type Entries = (HashMap<Key, Cell>, VecDeque<Key>);

tokio::task_local! {
    static RECORDING: Arc<Recording>;
}

/// What a shared resolution saw of the viewer.
struct Recording {
    nonce: u64,
    tainted: AtomicBool,
    /// Viewers whose answer differs from the shared one.
    special: Mutex<Vec<UserId>>,
    /// Deferred signed URLs, by placeholder index.
    urls: Mutex<Vec<(AttachmentId, Variant)>>,
}

/// Marks the running shared resolution, if any, as depending on the viewer.
/// Every read of the caller's info goes through here.
pub fn taint() {
    let _ = RECORDING.try_with(|r| r.tainted.store(true, Ordering::Relaxed));
}

/// Inside a shared resolution: a placeholder for the viewer's signed URL of
/// `(id, variant)`, replaced per subscriber. `None` outside one.
pub fn deferred_url(id: AttachmentId, variant: Variant) -> Option<String> {
    RECORDING
        .try_with(|r| {
            let mut urls = r.urls.lock().ok()?;
            urls.push((id, variant));
            Some(placeholder(r.nonce, urls.len() - 1))
        })
        .ok()
        .flatten()
}

/// Inside a shared resolution: records that `users` get an answer of their own
/// (the shared one is for everyone else) and returns `true`; `false` outside.
pub fn answer_for_others(users: impl Iterator<Item = UserId>) -> bool {
    RECORDING
        .try_with(|r| {
            if let Ok(mut special) = r.special.lock() {
                special.extend(users);
            } else {
                r.tainted.store(true, Ordering::Relaxed);
            }
        })
        .is_ok()
}

fn placeholder(nonce: u64, index: usize) -> String {
    format!("{}{index}\u{1}", placeholder_prefix(nonce))
}

fn placeholder_prefix(nonce: u64) -> String {
    format!("\u{1}{nonce:016x}:")
}

/// Identifies an operation's selection: its document, operation name and
/// variables. Set on subscriptions whose events may be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationFingerprint(pub u64);

impl OperationFingerprint {
    /// The fingerprint of a request (after persisted queries are resolved).
    pub fn of(request: &async_graphql::Request) -> Self {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        request.query.hash(&mut h);
        request.operation_name.hash(&mut h);
        // Variables serialize in a stable order (a BTreeMap of names).
        serde_json::to_string(&request.variables).unwrap_or_default().hash(&mut h);
        OperationFingerprint(h.finish())
    }
}

/// One shared result.
struct Shared {
    /// `None` when the result may not be shared (tainted, errors).
    value: Option<Value>,
    special: Vec<UserId>,
    urls: Vec<(AttachmentId, Variant)>,
    /// `value` serialized, made by the first subscriber that needs it.
    json: OnceLock<Option<Arc<str>>>,
}

impl Shared {
    fn unshareable() -> Self {
        Shared { value: None, special: Vec::new(), urls: Vec::new(), json: OnceLock::new() }
    }

    fn json(&self) -> Option<Arc<str>> {
        self.json.get_or_init(|| serde_json::to_string(self.value.as_ref()?).ok().map(Arc::from)).clone()
    }
}

type Key = (LogPos, OperationFingerprint);
/// A result being computed or computed, awaited by every subscriber of it.
type Cell = Arc<OnceCell<Arc<Shared>>>;

/// This instance's shared event results.
pub struct SharedEvents {
    nonce: u64,
    /// What every placeholder of this process starts with.
    prefix: String,
    /// The same, as it reads inside JSON text.
    escaped_prefix: String,
    entries: [Mutex<Entries>; SHARDS],
}

impl Default for SharedEvents {
    fn default() -> Self {
        let nonce = rand::random();
        let prefix = placeholder_prefix(nonce);
        SharedEvents { nonce, escaped_prefix: escaped(&prefix), prefix, entries: Default::default() }
    }
}

impl SharedEvents {
    fn cell(&self, key: Key) -> Option<Cell> {
        // The fingerprint is a hash already; the event id spreads one
        // operation's events (Fibonacci hashing: the top bits of the product).
        let mixed = (key.1 .0 ^ key.0.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let shard = usize::try_from(mixed >> (64 - SHARDS.trailing_zeros())).unwrap_or(0);
        let mut guard = self.entries[shard].lock().ok()?;
        let (map, order) = &mut *guard;
        if let Some(cell) = map.get(&key) {
            return Some(cell.clone());
        }
        if order.len() >= CAPACITY / SHARDS {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
        order.push_back(key);
        Some(map.entry(key).or_default().clone())
    }
}

/// A conversation event as the subscription yields it: resolved like
/// `ConversationEvent`, through the shared results when it can be.
pub struct SharedEventNode(pub Arc<LoggedEvent>);

impl OutputType for SharedEventNode {
    fn type_name() -> Cow<'static, str> {
        <ConversationEventNode as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <ConversationEventNode as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        let node = ConversationEventNode(self.0.clone());
        let viewer = ctx.data_opt::<RequestInfo>().and_then(|i| i.viewer);
        let fingerprint = ctx.data_opt::<OperationFingerprint>().copied();
        let cache = ctx.data_opt::<Arc<SharedEvents>>();
        let state = ctx.data_unchecked::<AppState>();
        let (Some(viewer), Some(fingerprint), Some(cache)) = (viewer, fingerprint, cache) else {
            return node.resolve(ctx, field).await;
        };
        let Some(cell) = cache.cell((self.0.pos, fingerprint)) else {
            return node.resolve(ctx, field).await;
        };
        let shared = cell
            .get_or_init(|| async {
                let recording = Arc::new(Recording {
                    nonce: cache.nonce,
                    tainted: AtomicBool::new(false),
                    special: Mutex::new(Vec::new()),
                    urls: Mutex::new(Vec::new()),
                });
                let errors_before = error_count(ctx);
                let result = RECORDING.scope(recording.clone(), node.resolve(ctx, field)).await;
                // Errors of the recorded run are not this subscriber's: it
                // resolves again below when the result is not shareable.
                let clean = truncate_errors(ctx, errors_before);
                state.metrics.event_resolutions.shared.fetch_add(1, Ordering::Relaxed);
                let tainted = recording.tainted.load(Ordering::Relaxed);
                let (special, urls) = (take(&recording.special), take(&recording.urls));
                Arc::new(match (result, clean, tainted, special, urls) {
                    (Ok(value), true, false, Some(mut special), Some(urls)) => {
                        special.sort_unstable();
                        Shared { value: Some(value), special, urls, json: OnceLock::new() }
                    }
                    _ => Shared::unshareable(),
                })
            })
            .await
            .clone();
        if let Some(slot) = ctx.data_opt::<Arc<SerializedSlot>>() {
            let put =
                personalise_json(&shared, &cache.escaped_prefix, viewer, state).is_some_and(|j| slot.put(j));
            if put {
                state.metrics.event_resolutions.reused.fetch_add(1, Ordering::Relaxed);
                return Ok(Value::Null);
            }
        }
        match personalise(&shared, &cache.prefix, viewer, state) {
            Some(value) => {
                state.metrics.event_resolutions.reused.fetch_add(1, Ordering::Relaxed);
                Ok(value)
            }
            None => {
                state.metrics.event_resolutions.own.fetch_add(1, Ordering::Relaxed);
                node.resolve(ctx, field).await
            }
        }
    }
}

fn take<T>(m: &Mutex<Vec<T>>) -> Option<Vec<T>> {
    m.lock().map(|mut v| std::mem::take(&mut *v)).ok()
}

fn error_count(ctx: &ContextSelectionSet<'_>) -> usize {
    ctx.query_env.errors.lock().map(|e| e.len()).unwrap_or(usize::MAX)
}

/// Drops errors added since `len`; whether there were none.
fn truncate_errors(ctx: &ContextSelectionSet<'_>, len: usize) -> bool {
    match ctx.query_env.errors.lock() {
        Ok(mut errors) => {
            let clean = errors.len() == len;
            errors.truncate(len);
            clean
        }
        Err(_) => false,
    }
}

/// The shared value as `viewer` sees it: placeholders replaced with URLs signed
/// for them. `None` when they must resolve the event themselves.
fn personalise(shared: &Shared, prefix: &str, viewer: Viewer, state: &AppState) -> Option<Value> {
    let value = shared.value.as_ref()?;
    if shared.special.binary_search(&viewer.user_id).is_ok() {
        return None;
    }
    if shared.urls.is_empty() {
        return Some(value.clone());
    }
    let url = |s: &str| -> Option<String> {
        let index: usize = s.strip_prefix(prefix)?.strip_suffix('\u{1}')?.parse().ok()?;
        let (id, variant) = shared.urls.get(index)?;
        Some(state.media.url(*id, *variant, viewer))
    };
    Some(replace_strings(value, &|s| url(s)))
}

/// [`personalise`] as JSON text. `None` when they must resolve the event
/// themselves.
fn personalise_json(
    shared: &Shared,
    escaped_prefix: &str,
    viewer: Viewer,
    state: &AppState,
) -> Option<Arc<str>> {
    if shared.special.binary_search(&viewer.user_id).is_ok() {
        return None;
    }
    let json = shared.json()?;
    if shared.urls.is_empty() {
        return Some(json);
    }
    let url = |index: usize| -> Option<String> {
        let (id, variant) = shared.urls.get(index)?;
        Some(state.media.url(*id, *variant, viewer))
    };
    fill_placeholders(&json, escaped_prefix, &url).map(Arc::from)
}

/// A copy of `value` with each string `f` maps replaced.
fn replace_strings(value: &Value, f: &dyn Fn(&str) -> Option<String>) -> Value {
    match value {
        Value::String(s) => match s.starts_with('\u{1}').then(|| f(s)).flatten() {
            Some(r) => Value::String(r),
            None => value.clone(),
        },
        Value::List(items) => Value::List(items.iter().map(|v| replace_strings(v, f)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), replace_strings(v, f))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_where_they_stand_and_only_there() {
        let nonce = 0xabcd;
        let p0 = placeholder(nonce, 0);
        let value = Value::from_json(serde_json::json!({
            "a": [p0.clone(), "plain", "\u{1}not ours\u{1}"],
            "b": {"c": p0, "n": 3}
        }))
        .unwrap_or(Value::Null);
        let prefix = placeholder_prefix(nonce);
        let out = replace_strings(&value, &|s| {
            s.strip_prefix(prefix.as_str()).map(|rest| format!("url-{}", rest.trim_end_matches('\u{1}')))
        });
        let json = out.into_json().unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"a": ["url-0", "plain", "\u{1}not ours\u{1}"], "b": {"c": "url-0", "n": 3}})
        );
    }

    #[test]
    fn fingerprints_tell_selections_apart() {
        let a = async_graphql::Request::new("subscription { a }");
        let b = async_graphql::Request::new("subscription { b }");
        let a_vars = async_graphql::Request::new("subscription { a }")
            .variables(async_graphql::Variables::from_json(serde_json::json!({"x": 1})));
        assert_eq!(
            OperationFingerprint::of(&a),
            OperationFingerprint::of(&async_graphql::Request::new("subscription { a }"))
        );
        assert_ne!(OperationFingerprint::of(&a), OperationFingerprint::of(&b));
        assert_ne!(OperationFingerprint::of(&a), OperationFingerprint::of(&a_vars));
    }
}
