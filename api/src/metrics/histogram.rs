//! A Prometheus histogram over durations, lock-free: one atomic per bucket, so
//! recording from every delivery of a busy room costs a few relaxed adds.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the buckets, the Prometheus client defaults
/// extended down to 0.5 ms: deliveries on one box take about a millisecond.
pub const BOUNDS: [f64; 13] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Durations counted per bucket, with their sum.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Per bucket, not cumulative (the last slot is `+Inf`); summed when rendered.
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BOUNDS.iter().position(|b| secs <= *b).unwrap_or(BOUNDS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// How many observations were counted.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Appends the `_bucket`, `_sum` and `_count` lines of `name`, with
    /// `labels` (already rendered, `key="value",…`, or empty) on each.
    pub fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = BOUNDS.get(i).map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {cumulative}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_inf_counts_everything() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(60));
        let mut out = String::new();
        h.render(&mut out, "x", "op=\"a\"");
        assert!(out.contains("x_bucket{op=\"a\",le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{op=\"a\",le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{op=\"a\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{op=\"a\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{op=\"a\"} 3\n"), "{out}");
        assert!(out.contains("x_sum{op=\"a\"} 60.0033\n"), "{out}");
        assert_eq!(h.count(), 3);
    }

    #[test]
    fn unlabelled_lines_have_no_empty_braces() {
        let h = Histogram::default();
        h.observe(Duration::from_millis(1));
        let mut out = String::new();
        h.render(&mut out, "y", "");
        assert!(out.contains("y_bucket{le=\"0.001\"} 1\n"), "{out}");
        assert!(out.contains("y_count 1\n"), "{out}");
    }
}
