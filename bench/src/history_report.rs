//! The history bench's figures and its markdown report.

use std::fmt::Write as _;

use crate::search_report::Series;

/// One series of sequential requests (a page kind or the floor).
#[derive(Debug, Clone, Default)]
pub struct PageSeries {
    /// What was asked.
    pub label: String,
    /// Round trips, µs.
    pub latency: Series,
    /// `jeco_sql_statements_total` delta of each request.
    pub statements: Vec<u64>,
    /// Messages on each page (empty for the floor).
    pub messages: Vec<usize>,
    /// Reaction groups over all pages.
    pub reactions: usize,
    /// Messages with a `replyTo` over all pages.
    pub replies: usize,
    /// Messages with a `replyTo` on each page.
    pub replies_per_page: Vec<usize>,
}

impl PageSeries {
    /// `min–max` of the statements per request, with a verdict on whether they are constant.
    pub fn statements_cell(&self) -> String {
        let (Some(min), Some(max)) = (self.statements.iter().min(), self.statements.iter().max()) else {
            return "–".into();
        };
        if min == max {
            format!("{min} (constant)")
        } else {
            let modal = mode(&self.statements).unwrap_or(0);
            format!("{min}–{max}, mostly {modal}")
        }
    }

    /// `min–max` messages per page.
    fn messages_cell(&self) -> String {
        match (self.messages.iter().min(), self.messages.iter().max()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "–".into(),
        }
    }

    /// A total per page, one decimal.
    fn per_page(&self, total: usize) -> String {
        if self.messages.is_empty() {
            "–".into()
        } else {
            format!("{:.1}", total as f64 / self.messages.len() as f64)
        }
    }
}

/// The most frequent value (the smallest among ties).
pub fn mode(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(u64, usize)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        let (v, n) = (run.first().copied()?, run.len());
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((v, n));
        }
    }
    best.map(|(v, _)| v)
}

/// Everything the report shows.
#[derive(Debug, Clone, Default)]
pub struct HistoryReport {
    /// Lines under the title (machine, date, data, method).
    pub header: Vec<String>,
    /// The floor, `{ viewer { id } }` (before and after the pages, pooled).
    pub floor: PageSeries,
    /// The page kinds (random position, newest).
    pub pages: Vec<PageSeries>,
    /// Planning + execution time of the page's main statement at random positions.
    pub sql: Series,
    /// One `EXPLAIN (ANALYZE, BUFFERS)` of it.
    pub plan: String,
    /// One `EXPLAIN (ANALYZE, BUFFERS)` of the page's `unreadCount` statement (viewer, one room).
    pub unread_plan: String,
    /// The statements one page sent (from `JECO_DEBUG_SQL`), in order.
    pub statement_list: Vec<String>,
    /// Observations under the table.
    pub notes: Vec<String>,
}

impl HistoryReport {
    /// p99 of every history page round trip (all kinds pooled), ms: the summary figure.
    pub fn p99_ms(&self) -> Option<f64> {
        Series::new(self.pages.iter().flat_map(|p| p.latency.0.iter().copied()).collect()).ms(99.0)
    }
}

/// `v` with `decimals` places, `–` when absent.
fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "–".into(),
    }
}

/// Renders the report as markdown.
pub fn render(r: &HistoryReport) -> String {
    let mut s = String::from("# Jeco Chat history page bench\n\n");
    for line in &r.header {
        let _ = writeln!(s, "- {line}");
    }
    s.push_str(
        "\n| request | n | p50 ms | p99 ms | max ms | p99 × floor p99 | SQL statements / request | messages / page \
         | reaction groups / page | replies / page |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let floor99 = r.floor.latency.ms(99.0);
    for p in std::iter::once(&r.floor).chain(&r.pages) {
        let p99 = p.latency.ms(99.0);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.label,
            p.latency.0.len(),
            num(p.latency.ms(50.0), 2),
            num(p99, 2),
            num(p.latency.ms(100.0), 2),
            num(p99.zip(floor99).filter(|(_, f)| *f > 0.0).map(|(a, f)| a / f), 1),
            p.statements_cell(),
            p.messages_cell(),
            p.per_page(p.reactions),
            p.per_page(p.replies),
        );
    }
    let _ = writeln!(
        s,
        "\n- **history_p99_ms = {}** (every page request above pooled)\n- main statement (the page's \
         messages with their senders) run directly, planning + execution: p50 {} ms, p99 {} ms over {} random positions",
        num(r.p99_ms(), 2),
        num(r.sql.ms(50.0), 3),
        num(r.sql.ms(99.0), 3),
        r.sql.0.len()
    );
    for note in &r.notes {
        let _ = writeln!(s, "- {note}");
    }
    if !r.statement_list.is_empty() {
        let _ =
            writeln!(s, "\n## Statements of one page ({}, from `JECO_DEBUG_SQL`)\n", r.statement_list.len());
        for (i, st) in r.statement_list.iter().enumerate() {
            let _ = writeln!(s, "{}. `{}`", i + 1, st.replace('`', "'"));
        }
    }
    let _ = write!(
        s,
        "\n## Plan of the main statement (one `EXPLAIN (ANALYZE, BUFFERS)`)\n\n```\n{}\n```\n",
        r.plan.trim_end()
    );
    if !r.unread_plan.is_empty() {
        let _ = write!(
            s,
            "\n## Plan of the page's `unreadCount` statement (the viewer, one room)\n\n```\n{}\n```\n",
            r.unread_plan.trim_end()
        );
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn statements_cell_says_whether_constant() {
        let mut p = PageSeries { statements: vec![7, 7, 7], ..PageSeries::default() };
        assert_eq!(p.statements_cell(), "7 (constant)");
        p.statements = vec![7, 8, 7, 9];
        assert_eq!(p.statements_cell(), "7–9, mostly 7");
        assert_eq!(PageSeries::default().statements_cell(), "–");
        assert_eq!(mode(&[3, 1, 3, 1, 2]), Some(1));
        assert_eq!(mode(&[]), None);
    }

    #[test]
    fn report_has_rows_ratios_and_the_summary_figure() {
        let page = PageSeries {
            label: "random position".into(),
            latency: Series::new(vec![10_000; 100]),
            statements: vec![6; 100],
            messages: vec![50; 100],
            reactions: 1000,
            replies: 250,
            replies_per_page: vec![2; 100],
        };
        let r = HistoryReport {
            header: vec!["machine: test".into()],
            floor: PageSeries {
                label: "floor".into(),
                latency: Series::new(vec![1_000; 100]),
                statements: vec![0; 100],
                ..PageSeries::default()
            },
            pages: vec![page],
            sql: Series::new(vec![500; 20]),
            plan: "Limit\n".into(),
            unread_plan: String::new(),
            statement_list: vec!["SELECT 1".into()],
            notes: vec!["a note".into()],
        };
        let md = render(&r);
        assert!(md.contains("| floor | 100 | 1.00 | 1.00 | 1.00 | 1.0 | 0 (constant) | – | – | – |"), "{md}");
        assert!(
            md.contains(
                "| random position | 100 | 10.00 | 10.00 | 10.00 | 10.0 | 6 (constant) | 50 | 10.0 | 2.5 |"
            ),
            "{md}"
        );
        assert!(md.contains("**history_p99_ms = 10.00**") && md.contains("p50 0.500 ms"), "{md}");
        assert!(md.contains("1. `SELECT 1`") && md.contains("```\nLimit\n```"));
        assert_eq!(r.p99_ms(), Some(10.0));
    }
}
