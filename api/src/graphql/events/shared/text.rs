//! A shared result as JSON text: the slot it reaches the connection through,
//! and its placeholders filled in per subscriber (see the parent module).

use std::sync::{Arc, Mutex};

/// How serde_json writes U+0001, which opens and closes a placeholder.
const ESCAPED_MARK: &str = "\\u0001";

/// Where an operation's shared event result goes already serialized, for the
/// connection to write into its `next` frame as is. Set (as an `Arc`) on
/// operations whose only root selection is one field; the event resolver then
/// answers `null` in the response and puts the field's JSON here instead.
#[derive(Default)]
pub struct SerializedSlot(Mutex<Option<Arc<str>>>);

impl SerializedSlot {
    /// The JSON of the field of the response just produced, if it was shared.
    pub fn take(&self) -> Option<Arc<str>> {
        self.0.lock().ok()?.take()
    }

    /// Puts `json` in, unless the slot is taken (then the caller answers with
    /// the value itself).
    pub(super) fn put(&self, json: Arc<str>) -> bool {
        match self.0.lock() {
            Ok(mut slot) if slot.is_none() => {
                *slot = Some(json);
                true
            }
            _ => false,
        }
    }
}

/// `s` as it reads inside a JSON string.
pub(super) fn escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_owned()
}

/// `json` with each placeholder (as serialized: `escaped_prefix`, an index, an
/// escaped U+0001) replaced by `url` of its index, escaped for JSON. `None`
/// when a placeholder is malformed or has no URL.
pub(super) fn fill_placeholders(
    json: &str,
    escaped_prefix: &str,
    url: &dyn Fn(usize) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(json.len() + 256);
    let mut rest = json;
    while let Some(at) = rest.find(escaped_prefix) {
        out.push_str(&rest[..at]);
        let after = &rest[at + escaped_prefix.len()..];
        let end = after.find(ESCAPED_MARK)?;
        out.push_str(&escaped(&url(after[..end].parse().ok()?)?));
        rest = &after[end + ESCAPED_MARK.len()..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{placeholder, placeholder_prefix, replace_strings};
    use super::*;
    use async_graphql::Value;

    #[test]
    fn placeholders_in_json_text_are_filled_as_in_the_value() {
        let nonce = 0x1234;
        let (p0, p1) = (placeholder(nonce, 0), placeholder(nonce, 1));
        let value = Value::from_json(serde_json::json!({
            "a": [p0.clone(), "plain \"q\" \u{1}not ours\u{1}"],
            "b": {"c": p1.clone(), "d": p0}
        }))
        .unwrap_or(Value::Null);
        let urls = ["https://x/a?sig=1&e=\"2\"", "https://x/b"];
        let prefix = placeholder_prefix(nonce);
        let by_value = replace_strings(&value, &|s| {
            let i: usize = s.strip_prefix(prefix.as_str())?.strip_suffix('\u{1}')?.parse().ok()?;
            urls.get(i).map(|u| u.to_string())
        });
        let json = serde_json::to_string(&value).unwrap_or_default();
        let filled = fill_placeholders(&json, &escaped(&prefix), &|i| urls.get(i).map(|u| u.to_string()));
        assert_eq!(filled, serde_json::to_string(&by_value).ok());
        // A placeholder without its URL is not filled with anything.
        assert_eq!(fill_placeholders(&json, &escaped(&prefix), &|_| None), None);
    }
}
