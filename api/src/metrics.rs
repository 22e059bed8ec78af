//! Process counters, served at `/metrics` in the Prometheus text format.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters shared by the whole process.
#[derive(Debug, Default)]
pub struct Metrics {
    /// SQL statements sent to PostgreSQL (all pooled connections).
    pub sql_statements: AtomicU64,
    /// Open GraphQL WebSocket connections.
    pub websocket_connections: AtomicI64,
}

impl Metrics {
    /// The Prometheus exposition text.
    pub fn render(&self) -> String {
        format!(
            "# HELP jeco_sql_statements_total SQL statements sent to PostgreSQL.\n\
             # TYPE jeco_sql_statements_total counter\n\
             jeco_sql_statements_total {}\n\
             # HELP jeco_websocket_connections Open GraphQL WebSocket connections.\n\
             # TYPE jeco_websocket_connections gauge\n\
             jeco_websocket_connections {}\n",
            self.sql_statements.load(Ordering::Relaxed),
            self.websocket_connections.load(Ordering::Relaxed),
        )
    }
}
