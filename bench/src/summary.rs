//! `bench/results/summary.json`: one number per row of the scale table, written
//! by whichever bench mode measured it. Each mode merges its own keys into the
//! file (read, update, write), so modes run separately still build one summary;
//! `machine` and `date` say when and where the newest figure came from.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

/// Where the summary lives (relative to the repository root, where benches run).
pub const PATH: &str = "bench/results/summary.json";

/// Merges `entries` into the summary at `path` (created if missing) and stamps
/// `machine` and `date`. A `None` value records that the figure was not measured.
pub fn update(path: &Path, entries: &[(&str, Option<f64>)]) -> Result<()> {
    let mut map: Map<String, Value> = match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_default(),
        Err(_) => Map::new(),
    };
    for (key, value) in entries {
        let v = match value {
            Some(x) if x.is_finite() => Value::from(round(*x)),
            _ => Value::Null,
        };
        map.insert((*key).to_string(), v);
    }
    map.insert("machine".into(), Value::from(crate::procfs::machine_summary()));
    map.insert("date".into(), Value::from(crate::search::utc_now()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&Value::Object(map))?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// Writes a mode's markdown report to `path`, creating its folder.
pub fn write_report(path: &Path, markdown: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, markdown).with_context(|| format!("writing {}", path.display()))
}

/// Three significant decimals are plenty for a report and keep diffs readable.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
