//! Percentiles, per-run figures and the markdown report.

use std::fmt::Write as _;

/// Nearest-rank percentile (`p` in 0..=100) of an ascending-sorted slice; `None` when empty.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.saturating_sub(1).min(sorted.len() - 1)).copied()
}

/// The figures of one server at one member count.
#[derive(Debug, Clone, Default)]
pub struct RunFigures {
    /// Unique measured events received by all receivers, per second (first send → last receive).
    pub delivered_per_s: f64,
    /// Send-to-receive latency, median, milliseconds.
    pub p50_ms: Option<f64>,
    /// Send-to-receive latency, 99th percentile, milliseconds.
    pub p99_ms: Option<f64>,
    /// Server CPU time (user + system) during the send phase per delivered event, microseconds.
    pub cpu_us_per_event: Option<f64>,
    /// Server RSS growth from before opening the sockets to all subscribed, per connection, KiB.
    pub kib_per_conn: f64,
    /// Expected deliveries (members x acknowledged sends) that never arrived.
    pub lost: u64,
    /// Deliveries of a message a receiver had already received.
    pub doubled: u64,
    /// Free-form observations (errors, counts) printed under the table.
    pub notes: Vec<String>,
}

/// The outcome of one server at one member count: figures, or why there are none.
pub type RunOutcome = Result<RunFigures, String>;

/// Formats an optional number with `decimals` places, `–` when absent.
pub fn fmt_opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "–".into(),
    }
}

/// `a ÷ b` when both are present and `b` is not ~0.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b.abs() > f64::EPSILON && a.is_finite() && b.is_finite() => Some(a / b),
        _ => None,
    }
}

/// One table row for a server's figures.
fn row(name: &str, f: &RunFigures) -> String {
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} | {} |\n",
        fmt_opt(Some(f.delivered_per_s), 0),
        fmt_opt(f.p50_ms, 2),
        fmt_opt(f.p99_ms, 2),
        fmt_opt(f.cpu_us_per_event, 1),
        fmt_opt(Some(f.kib_per_conn), 1),
        f.lost,
        f.doubled
    )
}

/// The markdown section for one member count: a table of jeco, baseline and their ratio, then notes.
pub fn render_section(
    members: usize,
    offered_per_s: u32,
    jeco: Option<&RunOutcome>,
    baseline: &RunOutcome,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## {members} members (offered {offered_per_s} msg/s → {} deliveries/s)\n",
        u64::from(offered_per_s) * members as u64
    );
    s.push_str("| server | delivered ev/s | p50 ms | p99 ms | CPU µs / delivered event | KiB / connection | lost | doubled |\n");
    s.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    let mut ok_jeco = None;
    match jeco {
        Some(Ok(f)) => {
            s.push_str(&row("jeco", f));
            ok_jeco = Some(f);
        }
        Some(Err(e)) => {
            let _ = writeln!(s, "| jeco | failed: {} | | | | | | |", one_line(e));
        }
        None => {}
    }
    let mut ok_base = None;
    match baseline {
        Ok(f) => {
            s.push_str(&row("baseline (raw tungstenite)", f));
            ok_base = Some(f);
        }
        Err(e) => {
            let _ = writeln!(s, "| baseline | failed: {} | | | | | | |", one_line(e));
        }
    }
    if let (Some(j), Some(b)) = (ok_jeco, ok_base) {
        let _ = writeln!(
            s,
            "| ratio (jeco ÷ baseline) | {} | {} | {} | {} | {} | – | – |",
            fmt_opt(ratio(Some(j.delivered_per_s), Some(b.delivered_per_s)), 2),
            fmt_opt(ratio(j.p50_ms, b.p50_ms), 1),
            fmt_opt(ratio(j.p99_ms, b.p99_ms), 1),
            fmt_opt(ratio(j.cpu_us_per_event, b.cpu_us_per_event), 1),
            fmt_opt(ratio(Some(j.kib_per_conn), Some(b.kib_per_conn)), 1),
        );
    }
    s.push('\n');
    for (name, outcome) in [("jeco", jeco), ("baseline", Some(baseline))] {
        if let Some(Ok(f)) = outcome {
            for note in &f.notes {
                let _ = writeln!(s, "- {name}: {note}");
            }
        }
    }
    s.push('\n');
    s
}

/// Collapses an error text to one table-safe line.
fn one_line(e: &str) -> String {
    e.replace(['\n', '|'], " ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[1, 2], 50.0), Some(1));
        assert_eq!(percentile(&[1, 2], 51.0), Some(2));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn section_has_ratio_row() {
        let j = RunFigures {
            delivered_per_s: 500.0,
            p50_ms: Some(4.0),
            p99_ms: Some(10.0),
            cpu_us_per_event: Some(20.0),
            kib_per_conn: 60.0,
            lost: 1,
            doubled: 0,
            notes: vec!["note a".into()],
        };
        let b = RunFigures {
            delivered_per_s: 500.0,
            p50_ms: Some(0.5),
            p99_ms: Some(2.0),
            cpu_us_per_event: Some(2.0),
            kib_per_conn: 20.0,
            ..RunFigures::default()
        };
        let s = render_section(10, 50, Some(&Ok(j)), &Ok(b));
        assert!(s.contains("| ratio (jeco ÷ baseline) | 1.00 | 8.0 | 5.0 | 10.0 | 3.0 | – | – |"));
        assert!(s.contains("- jeco: note a"));
        let failed = render_section(10, 50, Some(&Err("boom\nx".into())), &Ok(RunFigures::default()));
        assert!(failed.contains("| jeco | failed: boom x |"));
        assert!(!failed.contains("ratio"));
    }
}
