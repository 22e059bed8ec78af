//! Process metrics, served at `/metrics` in the Prometheus text format:
//! counters, gauges and [`Histogram`]s, all lock-free on the hot paths (a
//! delivery costs two relaxed atomic adds). The README lists every series and
//! `docker/grafana/` holds the dashboard built on them.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jeco_schema::PgPool;

mod histogram;
mod process;

pub use histogram::Histogram;

/// Distinct operation names given their own latency series; later names share
/// `other`, so clients choosing names cannot grow the exposition without bound.
pub const MAX_OPERATIONS: usize = 200;

/// Metrics shared by the whole process.
#[derive(Debug, Default)]
pub struct Metrics {
    /// SQL statements sent to PostgreSQL (all pooled connections).
    pub sql_statements: AtomicU64,
    /// Open GraphQL WebSocket connections.
    pub websocket_connections: AtomicI64,
    /// Running GraphQL subscriptions (over every connection).
    pub subscriptions: AtomicI64,
    /// Times a subscriber fell behind its live buffer and replayed (from its
    /// conversation's window or the log).
    pub log_fallbacks: AtomicU64,
    /// Replays (after a lag, or of a cursor at subscribe) answered from a
    /// conversation's window of recent events instead of the log.
    pub window_replays: AtomicU64,
    /// How subscribers' conversation events were resolved.
    pub event_resolutions: EventResolutions,
    /// Commit of an event to its hand-over to a live subscriber.
    pub delivery_lag: Histogram,
    /// Commit of an event to this instance's tailer reading it.
    pub tailer_lag: Histogram,
    /// GraphQL execution time per operation name (HTTP and WebSocket alike).
    operations: RwLock<HashMap<String, Arc<Histogram>>>,
}

/// Counts of `graphql::events::shared`'s work: an event resolved once for
/// many subscribers, a subscriber served from such a result, a subscriber
/// resolving an event on its own (viewer-specific fields, errors, replays).
#[derive(Debug, Default)]
pub struct EventResolutions {
    /// Shared resolutions run.
    pub shared: AtomicU64,
    /// Subscriber deliveries answered from a shared resolution.
    pub reused: AtomicU64,
    /// Subscriber deliveries resolved on their own.
    pub own: AtomicU64,
}

impl Metrics {
    /// The latency histogram of an operation: its own for a plain GraphQL
    /// name while fewer than [`MAX_OPERATIONS`] exist, else a shared one
    /// (`anonymous` when unnamed, `other` otherwise).
    pub fn operation(&self, name: Option<&str>) -> Arc<Histogram> {
        let label = match name {
            None => "anonymous",
            Some(n) if is_graphql_name(n) => n,
            Some(_) => "other",
        };
        if let Some(h) = self.operations.read().ok().and_then(|m| m.get(label).cloned()) {
            return h;
        }
        let Ok(mut map) = self.operations.write() else {
            return Arc::new(Histogram::default());
        };
        let label = if map.len() >= MAX_OPERATIONS && !map.contains_key(label) { "other" } else { label };
        map.entry(label.to_owned()).or_default().clone()
    }

    /// Counts a subscription as running until the guard drops.
    pub fn subscription_started(self: &Arc<Self>) -> Running {
        self.subscriptions.fetch_add(1, Ordering::Relaxed);
        Running(self.clone())
    }

    /// The Prometheus exposition text, with the database pools' state (the
    /// requests' and the fan-out's) when given.
    pub fn render(&self, pools: Option<(&PgPool, &PgPool)>) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n");
        };
        let gauge = |out: &mut String, name: &str, help: &str, v: i64| {
            let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}\n");
        };
        counter(
            &mut out,
            "jeco_sql_statements_total",
            "SQL statements sent to PostgreSQL.",
            self.sql_statements.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "jeco_websocket_connections",
            "Open GraphQL WebSocket connections.",
            self.websocket_connections.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "jeco_subscriptions",
            "Running GraphQL subscriptions.",
            self.subscriptions.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "jeco_log_fallbacks_total",
            "Times a subscriber fell behind its live buffer and replayed (from the window or the event log).",
            self.log_fallbacks.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "jeco_log_window_replays_total",
            "Replays (after a lag or from a cursor) answered from a conversation's window of recent events, not the log.",
            self.window_replays.load(Ordering::Relaxed),
        );
        let name = "jeco_event_resolutions_total";
        let _ = write!(
            out,
            "# HELP {name} Conversation events resolved for subscribers: once for many (shared), \
             a subscriber served from a shared result (reused), or on its own (own).\n# TYPE {name} counter\n"
        );
        let r = &self.event_resolutions;
        for (kind, v) in [("shared", &r.shared), ("reused", &r.reused), ("own", &r.own)] {
            let _ = writeln!(out, "{name}{{kind=\"{kind}\"}} {}", v.load(Ordering::Relaxed));
        }
        histogram(
            &mut out,
            "jeco_delivery_lag_seconds",
            "Commit of an event to its hand-over to a live subscriber.",
            &self.delivery_lag,
        );
        histogram(
            &mut out,
            "jeco_tailer_lag_seconds",
            "Commit of an event to this instance's log tailer reading it.",
            &self.tailer_lag,
        );
        let name = "jeco_graphql_duration_seconds";
        let _ = write!(
            out,
            "# HELP {name} GraphQL execution time per operation name.\n# TYPE {name} histogram\n"
        );
        if let Ok(map) = self.operations.read() {
            let mut ops: Vec<_> = map.iter().collect();
            ops.sort_by(|a, b| a.0.cmp(b.0));
            for (op, h) in ops {
                h.render(&mut out, name, &format!("operation=\"{op}\""));
            }
        }
        if let Some((pool, fanout)) = pools {
            let f = fanout.status();
            gauge(
                &mut out,
                "jeco_db_fanout_pool_in_use",
                "Connections of the fan-out's own pool in use (subscribers' reads, receipts).",
                i64::try_from(f.size.saturating_sub(f.available)).unwrap_or(i64::MAX),
            );
            gauge(
                &mut out,
                "jeco_db_fanout_pool_waiting",
                "Fan-out tasks waiting for a connection of the fan-out's pool.",
                i64::try_from(f.waiting).unwrap_or(i64::MAX),
            );
            let s = pool.status();
            let idle = i64::try_from(s.available).unwrap_or(i64::MAX);
            let size = i64::try_from(s.size).unwrap_or(i64::MAX);
            let _ = write!(
                out,
                "# HELP jeco_db_pool_connections Pooled PostgreSQL connections by state.\n\
                 # TYPE jeco_db_pool_connections gauge\n\
                 jeco_db_pool_connections{{state=\"idle\"}} {idle}\n\
                 jeco_db_pool_connections{{state=\"in_use\"}} {}\n",
                size - idle
            );
            gauge(
                &mut out,
                "jeco_db_pool_max",
                "Largest size the PostgreSQL pool may grow to.",
                i64::try_from(s.max_size).unwrap_or(i64::MAX),
            );
            gauge(
                &mut out,
                "jeco_db_pool_waiting",
                "Tasks waiting for a pooled PostgreSQL connection.",
                i64::try_from(s.waiting).unwrap_or(i64::MAX),
            );
        }
        process::render(&mut out);
        out
    }
}

/// Decrements the running-subscriptions gauge when dropped.
#[derive(Debug)]
pub struct Running(Arc<Metrics>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How long ago `at` was, zero if it is in the future (clocks of the database
/// and this process may differ a little).
pub fn since(at: chrono::DateTime<chrono::Utc>) -> Duration {
    (chrono::Utc::now() - at).to_std().unwrap_or_default()
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} histogram\n");
    h.render(out, name, "");
}

/// A GraphQL name (`/[_A-Za-z][_0-9A-Za-z]*/`), at most 64 bytes: safe as a
/// label value with no escaping.
fn is_graphql_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= 64
        && bytes.next().is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_names_and_bounded() {
        let m = Metrics::default();
        m.operation(Some("Feed")).observe(Duration::from_millis(2));
        m.operation(Some("bad\"label}")).observe(Duration::from_millis(2));
        m.operation(None).observe(Duration::from_millis(2));
        for i in 0..MAX_OPERATIONS + 50 {
            m.operation(Some(&format!("Op{i}"))).observe(Duration::from_millis(1));
        }
        let text = m.render(None);
        assert!(text.contains("jeco_graphql_duration_seconds_count{operation=\"Feed\"} 1\n"), "{text}");
        assert!(text.contains("jeco_graphql_duration_seconds_count{operation=\"anonymous\"} 1\n"));
        assert!(!text.contains("bad"), "an invalid name never becomes a label");
        let series = text.matches("jeco_graphql_duration_seconds_count{").count();
        assert_eq!(series, MAX_OPERATIONS, "names beyond the bound share `other`");
        assert!(text.contains("operation=\"other\""));
    }

    #[test]
    fn subscription_gauge_follows_guards() {
        let m = Arc::new(Metrics::default());
        let a = m.subscription_started();
        let b = m.subscription_started();
        drop(a);
        assert_eq!(m.subscriptions.load(Ordering::Relaxed), 1);
        drop(b);
        assert!(m.render(None).contains("jeco_subscriptions 0\n"));
    }
}
