//! The write bench's figures and its markdown report.

use std::fmt::Write as _;
use std::time::Duration;

use crate::search_report::Series;

/// One closed-loop phase (floor or sends) at one concurrency.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// Answered requests (for sends: a message came back).
    pub ok: u64,
    /// Failed requests (HTTP, GraphQL or userErrors, connection).
    pub errors: u64,
    /// The first failure seen.
    pub first_error: Option<String>,
    /// Round trips of the answered requests, µs.
    pub latency: Series,
    /// Wall time from the start to the last worker's end.
    pub elapsed: Duration,
    /// Server user + system CPU seconds during the phase.
    pub cpu_seconds: f64,
    /// `jeco_sql_statements_total` delta over the phase.
    pub statements: u64,
}

impl Phase {
    /// Answered requests per second.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.ok as f64 / s
        } else {
            0.0
        }
    }

    /// `total ÷ answered requests`, when any were answered.
    fn per_ok(&self, total: f64) -> Option<f64> {
        (self.ok > 0).then(|| total / self.ok as f64)
    }
}

/// Floor and sends at one concurrency.
#[derive(Debug, Clone, Default)]
pub struct Level {
    /// Concurrent workers.
    pub concurrency: usize,
    /// `{ viewer { id } }` phase.
    pub floor: Phase,
    /// `sendMessage` phase.
    pub send: Phase,
}

/// Everything the report shows.
#[derive(Debug, Clone, Default)]
pub struct WriteReport {
    /// Lines under the title (machine, date, setup, method).
    pub header: Vec<String>,
    /// One entry per concurrency, in the order run.
    pub levels: Vec<Level>,
    /// Observations under the table.
    pub notes: Vec<String>,
    /// The statements of one send (from `JECO_DEBUG_SQL`), in order.
    pub statement_list: Vec<String>,
}

impl WriteReport {
    /// The best sustained level: the highest send rate among error-free levels, or among all
    /// levels when every one had errors.
    pub fn best(&self) -> Option<&Level> {
        let by_rate = |a: &&Level, b: &&Level| a.send.rate().total_cmp(&b.send.rate());
        self.levels
            .iter()
            .filter(|l| l.send.errors == 0 && l.send.ok > 0)
            .max_by(by_rate)
            .or_else(|| self.levels.iter().max_by(by_rate))
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
pub fn render(r: &WriteReport) -> String {
    let mut s = String::from("# Jeco Chat write bench (persisted sends)\n\n");
    for line in &r.header {
        let _ = writeln!(s, "- {line}");
    }
    s.push_str(
        "\n| concurrency | floor req/s | floor p50 ms | floor p99 ms | sends/s | send errors | send p50 ms \
         | send p99 ms | SQL statements / send | server CPU ms / send | sends/s ÷ floor req/s |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for l in &r.levels {
        let (f, x) = (&l.floor, &l.send);
        let ratio = (f.rate() > 0.0).then(|| x.rate() / f.rate());
        let _ = writeln!(
            s,
            "| {} | {:.0} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
            l.concurrency,
            f.rate(),
            num(f.latency.ms(50.0), 2),
            num(f.latency.ms(99.0), 2),
            x.rate(),
            x.errors,
            num(x.latency.ms(50.0), 2),
            num(x.latency.ms(99.0), 2),
            num(x.per_ok(x.statements as f64), 1),
            num(x.per_ok(x.cpu_seconds * 1000.0), 2),
            num(ratio, 2),
        );
    }
    s.push('\n');
    if let Some(b) = r.best() {
        let _ = writeln!(
            s,
            "- **sends_per_second = {:.0}** (concurrency {}{})",
            b.send.rate(),
            b.concurrency,
            if b.send.errors == 0 { ", no errors" } else { "; every level had errors" }
        );
    }
    for l in &r.levels {
        for (what, p) in [("floor", &l.floor), ("sends", &l.send)] {
            if let Some(e) = &p.first_error {
                let _ =
                    writeln!(s, "- concurrency {} {what}: {} error(s), first: {e}", l.concurrency, p.errors);
            }
        }
        if l.floor.ok > 0 {
            let _ = writeln!(
                s,
                "- concurrency {}: floor {:.2} SQL statements / request, {:.3} server CPU ms / request; sends {} answered, floor {}",
                l.concurrency,
                l.floor.statements as f64 / l.floor.ok as f64,
                l.floor.cpu_seconds * 1000.0 / l.floor.ok as f64,
                l.send.ok,
                l.floor.ok
            );
        }
    }
    for note in &r.notes {
        let _ = writeln!(s, "- {note}");
    }
    if !r.statement_list.is_empty() {
        let _ = writeln!(
            s,
            "\n## Statements of one send ({}, from `JECO_DEBUG_SQL`, the post-commit work included)\n",
            r.statement_list.len()
        );
        for (i, st) in r.statement_list.iter().enumerate() {
            let _ = writeln!(s, "{}. `{}`", i + 1, st.replace('`', "'"));
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn phase(ok: u64, errors: u64, ms: u64) -> Phase {
        Phase {
            ok,
            errors,
            latency: Series::new(vec![ms * 1000; 10]),
            elapsed: Duration::from_secs(10),
            cpu_seconds: 2.0,
            statements: ok * 4,
            ..Phase::default()
        }
    }

    #[test]
    fn best_level_prefers_error_free_rates() {
        let mut r = WriteReport::default();
        r.levels.push(Level { concurrency: 8, floor: phase(20_000, 0, 1), send: phase(5_000, 0, 4) });
        r.levels.push(Level { concurrency: 64, floor: phase(30_000, 0, 5), send: phase(9_000, 3, 40) });
        assert_eq!(r.best().unwrap().concurrency, 8);
        r.levels[0].send.errors = 1;
        assert_eq!(r.best().unwrap().concurrency, 64);
    }

    #[test]
    fn rows_carry_rates_statements_and_the_ratio() {
        let r = WriteReport {
            header: vec!["machine: test".into()],
            levels: vec![Level { concurrency: 8, floor: phase(20_000, 0, 1), send: phase(5_000, 0, 4) }],
            notes: vec!["a note".into()],
            statement_list: vec!["BEGIN".into()],
        };
        let md = render(&r);
        assert!(
            md.contains("| 8 | 2000 | 1.00 | 1.00 | 500 | 0 | 4.00 | 4.00 | 4.0 | 0.40 | 0.25 |"),
            "{md}"
        );
        assert!(md.contains("**sends_per_second = 500** (concurrency 8, no errors)"), "{md}");
        assert!(md.contains("- a note\n") && md.contains("- machine: test\n"));
        assert!(md.contains("1. `BEGIN`"), "{md}");
    }
}
