//! The search bench's figures and its markdown report.

use std::fmt::Write as _;

use crate::stats::percentile;

/// Latencies of one series of sequential requests or statements, microseconds, ascending.
#[derive(Debug, Clone, Default)]
pub struct Series(pub Vec<u64>);

impl Series {
    /// A series from unsorted samples.
    pub fn new(mut samples: Vec<u64>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    /// The `p`th percentile in milliseconds (nearest rank, as in the fan-out bench).
    pub fn ms(&self, p: f64) -> Option<f64> {
        percentile(&self.0, p).map(|us| us as f64 / 1000.0)
    }
}

/// The figures of one query kind.
#[derive(Debug, Clone, Default)]
pub struct KindFigures {
    /// Label of the kind.
    pub label: String,
    /// The query text sent.
    pub query: String,
    /// Messages matching in the viewer's scope (SQL `count(*)`).
    pub matches: Option<u64>,
    /// Edges on the first page (of 20).
    pub hits: usize,
    /// HTTP round trips of `searchMessages`.
    pub http: Series,
    /// Planning + execution time of the same SQL (EXPLAIN ANALYZE, TIMING OFF).
    pub sql: Series,
    /// `EXPLAIN (ANALYZE, BUFFERS)` text of one run.
    pub plan: String,
}

/// Everything the report shows.
#[derive(Debug, Clone, Default)]
pub struct SearchReport {
    /// Lines under the title (machine, date, setup).
    pub header: Vec<String>,
    /// The `{ viewer { id } }` round trips (before and after the kinds, pooled).
    pub baseline: Series,
    /// One entry per query kind.
    pub kinds: Vec<KindFigures>,
    /// Observations printed under the table.
    pub notes: Vec<String>,
}

/// `v` with `decimals` places, `–` when absent.
fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "–".into(),
    }
}

/// `a ÷ b` when both are present and `b` is positive.
fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// Renders the report as markdown.
pub fn render(r: &SearchReport) -> String {
    let mut s = String::from("# Jeco Chat message search bench\n\n");
    for line in &r.header {
        let _ = writeln!(s, "- {line}");
    }
    s.push_str(
        "\n| query kind | query | matches in scope | hits (page of 20) | HTTP p50 ms | HTTP p99 ms \
         | p50 × baseline | p99 × baseline | SQL p50 ms | SQL p99 ms | HTTP − SQL p50 ms | requests |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let (b50, b99) = (r.baseline.ms(50.0), r.baseline.ms(99.0));
    let _ = writeln!(
        s,
        "| baseline: `{{ viewer {{ id }} }}` | – | – | – | {} | {} | 1.0 | 1.0 | – | – | – | {} |",
        num(b50, 2),
        num(b99, 2),
        r.baseline.0.len()
    );
    for k in &r.kinds {
        let (h50, h99, q50) = (k.http.ms(50.0), k.http.ms(99.0), k.sql.ms(50.0));
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            k.label,
            k.query,
            k.matches.map_or("–".into(), |m| m.to_string()),
            k.hits,
            num(h50, 2),
            num(h99, 2),
            num(ratio(h50, b50), 1),
            num(ratio(h99, b99), 1),
            num(q50, 2),
            num(k.sql.ms(99.0), 2),
            num(h50.zip(q50).map(|(h, q)| h - q), 2),
            k.http.0.len()
        );
    }
    s.push('\n');
    for note in &r.notes {
        let _ = writeln!(s, "- {note}");
    }
    s.push_str("\n## Plans (one `EXPLAIN (ANALYZE, BUFFERS)` run each)\n\n");
    for k in &r.kinds {
        let _ = write!(
            s,
            "<details><summary>{} (<code>{}</code>)</summary>\n\n```\n{}\n```\n\n</details>\n\n",
            k.label,
            k.query,
            k.plan.trim_end()
        );
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn series_sorts_and_reports_milliseconds() {
        let s = Series::new(vec![3000, 1000, 2000]);
        assert_eq!(s.0, [1000, 2000, 3000]);
        assert_eq!(s.ms(50.0), Some(2.0));
        assert_eq!(s.ms(99.0), Some(3.0));
        assert_eq!(Series::default().ms(50.0), None);
    }

    #[test]
    fn rows_carry_ratios_against_the_baseline() {
        let r = SearchReport {
            header: vec!["machine: test".into()],
            baseline: Series::new(vec![1000; 10]),
            kinds: vec![KindFigures {
                label: "rare word".into(),
                query: "plok".into(),
                matches: Some(120),
                hits: 20,
                http: Series::new(vec![4000; 10]),
                sql: Series::new(vec![1500; 10]),
                plan: "Limit\n".into(),
            }],
            notes: vec!["a note".into()],
        };
        let md = render(&r);
        assert!(
            md.contains("| baseline: `{ viewer { id } }` | – | – | – | 1.00 | 1.00 | 1.0 | 1.0 |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| rare word | `plok` | 120 | 20 | 4.00 | 4.00 | 4.0 | 4.0 | 1.50 | 1.50 | 2.50 | 10 |"
            ),
            "{md}"
        );
        assert!(md.contains("- machine: test\n") && md.contains("- a note\n"));
        assert!(md.contains("<summary>rare word (<code>plok</code>)</summary>\n\n```\nLimit\n```"));
    }
}
