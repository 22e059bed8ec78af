//! The history bench's SQL figures: the page's main statement and its `unreadCount`
//! statement run directly with `EXPLAIN ANALYZE` (the database's share of a page).

use anyhow::{Context, Result};

use crate::history_report::HistoryReport;
use crate::history_seed::sql;
use crate::search_report::Series;
use crate::server::Database;

/// Statements of the main query run directly with EXPLAIN ANALYZE.
const SQL_RUNS: usize = 20;

/// The page's main statement (`jeco_schema::messages::timeline`, backward) at a position.
pub fn timeline_sql(conversation_id: i64, tx: i64, id: i64, limit: i64) -> String {
    format!(
        "SELECT messages.*, users.* FROM messages INNER JOIN users ON users.id = messages.sender_id \
         WHERE messages.conversation_id = {conversation_id} AND (messages.tx, messages.id) < ({tx}, {id}) \
         ORDER BY messages.tx DESC, messages.id DESC LIMIT {limit}"
    )
}

/// EXPLAIN ANALYZE of the main statement at random positions (after the first `skip`; pages of
/// `page`; rooms of ~`per_room` messages), and of the viewer's unread count.
pub fn sql_figures(
    db: &Database,
    positions: &[(i64, i64, i64)],
    skip: usize,
    page: i64,
    per_room: u64,
    report: &mut HistoryReport,
) -> Result<()> {
    let limit = page + 1;
    let picked: Vec<&(i64, i64, i64)> = positions.iter().skip(skip).take(SQL_RUNS).collect();
    let (c0, tx0, id0) = **picked.first().context("no positions")?;
    report.plan = sql(db, &format!("EXPLAIN (ANALYZE, BUFFERS) {};", timeline_sql(c0, tx0, id0, limit)))?;
    let script: String = picked
        .iter()
        .map(|&&(c, tx, id)| {
            format!("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {};\n", timeline_sql(c, tx, id, limit))
        })
        .collect();
    report.sql = Series::new(explain_times(&sql(db, &script)?)?);
    let viewer: i64 = sql(db, "SELECT id FROM users WHERE username = 'bench_0'")?.trim().parse()?;
    // The page's former `unreadCount` statement for one room, as read (a position near the
    // newest) and as never read (no position: it counts the whole room); kept to show what
    // the rewrite below saves.
    let unread = |user: i64, explain: &str| {
        format!(
            "EXPLAIN ({explain}) SELECT m.conversation_id, count(*) AS n FROM messages m \
             LEFT JOIN read_positions r ON r.conversation_id = m.conversation_id AND r.user_id = {user} \
             WHERE m.conversation_id = ANY('{{{c0}}}'::bigint[]) AND m.sender_id <> {user} AND m.deleted_at IS NULL \
             AND (r.tx IS NULL OR (m.tx, m.id) > (r.tx, r.message_id)) GROUP BY m.conversation_id;\n"
        )
    };
    let json = "ANALYZE, TIMING OFF, FORMAT JSON";
    let read = explain_times(&sql(db, &unread(viewer, json).repeat(3))?)?;
    let never = explain_times(&sql(db, &unread(0, json).repeat(3))?)?;
    report.unread_plan = sql(db, &unread(viewer, "ANALYZE, BUFFERS"))?;
    // The same count per conversation, bounded below by the read position, so the timeline
    // index (conversation_id, tx, id) visits only the unread messages: what
    // `jeco_schema::receipts::unread_counts` runs now.
    let bounded = |user: i64| {
        format!(
            "EXPLAIN ({json}) SELECT c.id AS conversation_id, (SELECT count(*) FROM messages m              WHERE m.conversation_id = c.id AND (m.tx, m.id) > (coalesce(r.tx, -1), coalesce(r.message_id, -1))              AND m.sender_id <> {user} AND m.deleted_at IS NULL) AS n              FROM unnest('{{{c0}}}'::bigint[]) AS c(id)              LEFT JOIN read_positions r ON r.conversation_id = c.id AND r.user_id = {user};\n"
        )
    };
    let read_bounded = explain_times(&sql(db, &bounded(viewer).repeat(3))?)?;
    let best = |v: &[u64]| v.iter().min().copied().unwrap_or(0) as f64 / 1000.0;
    report.notes.push(format!(
        "the former `unreadCount` statement for one room, run directly: {:.2} ms with the viewer's read position \
         near the newest, {:.2} ms for a member who never read the room (~{per_room} messages); the statement \
         the server runs now (a count per conversation starting at the read position, over the timeline \
         index) {:.2} ms for the viewer; best of 3 each",
        best(&read),
        best(&never),
        best(&read_bounded),
    ));
    Ok(())
}

/// Planning + execution µs of each `EXPLAIN (ANALYZE, FORMAT JSON)` result in `out`.
pub fn explain_times(out: &str) -> Result<Vec<u64>> {
    let mut samples = Vec::new();
    for v in serde_json::Deserializer::from_str(out).into_iter::<serde_json::Value>() {
        let top = &v.context("EXPLAIN JSON")?[0];
        let ms = top["Planning Time"].as_f64().unwrap_or(0.0) + top["Execution Time"].as_f64().unwrap_or(0.0);
        samples.push((ms * 1000.0) as u64);
    }
    Ok(samples)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timeline_statement_has_the_server_shape() {
        let sql = timeline_sql(5, 900, 1234, 51);
        assert!(
            sql.contains("messages.conversation_id = 5 AND (messages.tx, messages.id) < (900, 1234)"),
            "{sql}"
        );
        assert!(sql.ends_with("ORDER BY messages.tx DESC, messages.id DESC LIMIT 51"), "{sql}");
    }

    #[test]
    fn explain_output_is_summed_per_run() {
        let out = "[{\"Plan\": {}, \"Planning Time\": 0.25, \"Execution Time\": 1.5}]\n\
                   [{\"Plan\": {}, \"Planning Time\": 0.5, \"Execution Time\": 0.5}]\n";
        assert_eq!(explain_times(out).unwrap(), vec![1750, 1000]);
    }
}
