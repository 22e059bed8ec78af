//! Filling the history bench database: PostgreSQL generates the messages itself (`INSERT ...
//! SELECT FROM generate_series`, no rows cross the client), round-robin over the rooms, with
//! replies, reactions, a few pins and read/delivered positions; the secondary indexes are
//! dropped for the load and rebuilt from their own definitions.

use std::time::Instant;

use anyhow::{Context, Result};

use crate::seed::{quote, secondary_indexes};
use crate::server::Database;

/// Messages per INSERT (each its own transaction, so `tx` advances between batches).
pub const BATCH: u64 = 100_000;
/// Every `REPLY_EVERY`th message (from the 8th round on) replies to one 1–7 messages back in its room.
pub const REPLY_EVERY: u64 = 20;
/// Every `REACT_EVERY`th message has a reaction; every third of those three.
pub const REACT_EVERY: u64 = 10;
/// Every `PIN_EVERY`th message is pinned.
pub const PIN_EVERY: u64 = 49_999;
/// The search indexes (GIN): the history page never reads them, and they take most of the
/// rebuild time, so they are rebuilt only when asked.
pub const SEARCH_INDEXES: [&str; 2] = ["messages_search_words", "messages_search_trgm"];
/// Text the bodies are cut from (ASCII, so `substr` offsets are bytes too).
const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor \
incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco \
laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit \
esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa \
qui officia deserunt mollit anim id est laborum. Shall we meet at noon? Sure, see you at the station then!";

/// `db.sql(script)`, retried for up to a minute while PostgreSQL refuses connections because
/// other work on the machine holds every slot (the script never started then).
pub fn sql(db: &Database, script: &str) -> Result<String> {
    let mut attempt = 0;
    loop {
        match db.sql(script) {
            Err(e) if attempt < 20 && format!("{e:#}").contains("too many clients") => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_secs(3));
            }
            other => return other,
        }
    }
}

/// SQL creating `bench_conv (idx, conversation_id, members)` for the rooms named `prefix…`.
pub fn prepare_sql(prefix: &str) -> String {
    format!(
        "DROP TABLE IF EXISTS bench_conv;\n\
         CREATE TABLE bench_conv AS SELECT (row_number() OVER (ORDER BY m.conversation_id))::int - 1 AS idx, \
         m.conversation_id, array_agg(m.user_id ORDER BY m.user_id) AS members \
         FROM members m JOIN conversations c ON c.id = m.conversation_id WHERE c.name LIKE {} \
         GROUP BY m.conversation_id;\nCREATE UNIQUE INDEX ON bench_conv (idx);\nANALYZE bench_conv;\n",
        quote(&format!("{prefix}%"))
    )
}

/// SQL inserting messages `first..=last` (ids `base + g`) of `total` into `rooms` rooms, and
/// their reactions. Message g is in room `g mod rooms`; senders change every 3 messages of a
/// room; replies point `rooms × k` ids back (the same room). Foreign-key triggers are off for
/// the session (`session_replication_role = replica`): the rows are consistent by construction.
pub fn batch_sql(base: u64, first: u64, last: u64, total: u64, rooms: u64) -> String {
    format!(
        "SET session_replication_role = replica;\nSET synchronous_commit = off;\n\
         INSERT INTO messages (id, conversation_id, sender_id, body, client_id, created_at, reply_to_id, pinned_at, pinned_by)\n\
         SELECT {base} + g, c.conversation_id, s.sender,\n\
           substr({lorem}, (1 + (g * 37) % 380)::int, (12 + (g * 13) % 90)::int), 'seed-' || g,\n\
           now() - make_interval(secs => ({total} - g) * 3.0),\n\
           CASE WHEN g % {REPLY_EVERY} = 7 AND g > {rooms} * 8 THEN {base} + g - {rooms} * (1 + g % 7) END,\n\
           CASE WHEN g % {PIN_EVERY} = 0 THEN now() END, CASE WHEN g % {PIN_EVERY} = 0 THEN s.sender END\n\
         FROM generate_series({first}::bigint, {last}::bigint) AS g\n\
         JOIN bench_conv c ON c.idx = g % {rooms}\n\
         CROSS JOIN LATERAL (SELECT c.members[1 + (g / {rooms} / 3) % cardinality(c.members)] AS sender) s;\n\
         INSERT INTO reactions (message_id, user_id, emoji)\n\
         SELECT {base} + g, c.members[1 + (g / {rooms} + k) % cardinality(c.members)],\n\
           (ARRAY['👍','❤️','😂','🎉','😮'])[1 + (g + k) % 5]\n\
         FROM generate_series({first}::bigint, {last}::bigint) AS g\n\
         JOIN bench_conv c ON c.idx = g % {rooms}\n\
         CROSS JOIN LATERAL generate_series(1, CASE WHEN g % {} = 0 THEN 3 ELSE 1 END) AS k\n\
         WHERE g % {REACT_EVERY} = 0;\n",
        REACT_EVERY * 3,
        lorem = quote(LOREM),
    )
}

/// SQL giving every member of every bench room a read position 3 × (its rank in the room)
/// messages before the newest, and a delivered position at the newest.
pub const POSITIONS_SQL: &str = "INSERT INTO read_positions (conversation_id, user_id, message_id, tx)\n\
     SELECT c.conversation_id, u.user_id, m.id, m.tx FROM bench_conv c\n\
     CROSS JOIN LATERAL unnest(c.members) WITH ORDINALITY AS u(user_id, k)\n\
     CROSS JOIN LATERAL (SELECT id, tx FROM messages WHERE conversation_id = c.conversation_id\n\
       ORDER BY tx DESC, id DESC OFFSET (u.k - 1) * 3 LIMIT 1) m ON CONFLICT DO NOTHING;\n\
     INSERT INTO delivered_positions (conversation_id, user_id, message_id, tx)\n\
     SELECT c.conversation_id, u.user_id, m.id, m.tx FROM bench_conv c\n\
     CROSS JOIN LATERAL unnest(c.members) AS u(user_id)\n\
     CROSS JOIN LATERAL (SELECT id, tx FROM messages WHERE conversation_id = c.conversation_id\n\
       ORDER BY tx DESC, id DESC LIMIT 1) m ON CONFLICT DO NOTHING;\n";

/// What the seed did, for the report.
pub struct Seeded {
    /// The first message id is `base + 1`.
    pub base: u64,
    /// Notes for the report.
    pub notes: Vec<String>,
    /// Seconds the whole seed took.
    pub seconds: f64,
}

/// Seeds `total` messages into the rooms named `prefix…`; prints progress.
pub fn seed(db: &Database, total: u64, prefix: &str, search_indexes: bool) -> Result<Seeded> {
    let t0 = Instant::now();
    sql(db, &prepare_sql(prefix)).context("preparing the rooms")?;
    let rooms: u64 = sql(db, "SELECT count(*) FROM bench_conv")?.trim().parse().context("count")?;
    let base: u64 =
        sql(db, "SELECT coalesce(max(id), 0) FROM messages")?.trim().parse().context("max(id)")?;
    let defs = secondary_indexes(db, "messages")?;
    let drops: String = defs.iter().map(|(name, _)| format!("DROP INDEX {name};\n")).collect();
    sql(db, &drops).context("dropping the secondary indexes")?;
    let mut first = 1;
    while first <= total {
        let last = (first + BATCH - 1).min(total);
        sql(db, &batch_sql(base, first, last, total, rooms))
            .with_context(|| format!("inserting messages {first}..={last}"))?;
        if last.is_multiple_of(BATCH * 10) || last == total {
            eprintln!("[history] seeded {last} / {total} messages ({:.0} s)", t0.elapsed().as_secs_f64());
        }
        first = last + 1;
    }
    let inserted = t0.elapsed().as_secs_f64();
    sql(db, "SELECT setval('messages_id_seq', (SELECT max(id) FROM messages));")?;
    let mut rebuilt = Vec::new();
    let mut skipped = Vec::new();
    for (name, def) in &defs {
        if !search_indexes && SEARCH_INDEXES.contains(&name.as_str()) {
            skipped.push(name.clone());
            continue;
        }
        let t = Instant::now();
        sql(db, &format!("SET maintenance_work_mem = '512MB';\n{def};"))
            .with_context(|| format!("rebuilding {name}"))?;
        eprintln!("[history] rebuilt index {name} in {:.1} s", t.elapsed().as_secs_f64());
        rebuilt.push(format!("{name} {:.0} s", t.elapsed().as_secs_f64()));
    }
    let indexed = t0.elapsed().as_secs_f64() - inserted;
    let t = Instant::now();
    sql(db, &format!("SET session_replication_role = replica;\n{POSITIONS_SQL}"))?;
    sql(db,
        "DROP TABLE bench_conv;\nVACUUM ANALYZE messages;\nVACUUM ANALYZE reactions;\nANALYZE read_positions;\n\
         ANALYZE delivered_positions;\nANALYZE members;\nANALYZE users;\nANALYZE conversations;",
    )?;
    let vacuumed = t.elapsed().as_secs_f64();
    let counts = sql(db,
        "SELECT (SELECT count(*) FROM reactions) || ' reactions, ' || \
         (SELECT count(*) FROM messages WHERE reply_to_id IS NOT NULL) || ' replies, ' || \
         (SELECT count(*) FROM messages WHERE pinned_at IS NOT NULL) || ' pins; messages table ' || \
         pg_size_pretty(pg_table_size('messages')) || ', its indexes ' || pg_size_pretty(pg_indexes_size('messages'))",
    )?;
    let seconds = t0.elapsed().as_secs_f64();
    let mut notes = vec![format!(
        "seed: {total} messages in {rooms} rooms in {seconds:.0} s: insert {inserted:.0} s ({:.0} rows/s, \
         `INSERT … SELECT FROM generate_series` in batches of {BATCH}, generated by PostgreSQL so no rows cross the \
         client, foreign-key triggers off for the seed session), {} secondary indexes rebuilt from their definitions \
         {indexed:.0} s ({}), read/delivered positions + VACUUM ANALYZE {vacuumed:.0} s; {}",
        total as f64 / inserted.max(0.001),
        rebuilt.len(),
        rebuilt.join(", "),
        counts.trim()
    )];
    if !skipped.is_empty() {
        notes.push(format!(
            "not rebuilt (the history page does not read them; `--search-indexes` rebuilds them): {}",
            skipped.join(", ")
        ));
    }
    Ok(Seeded { base, notes, seconds })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn batch_sql_is_deterministic_and_keeps_replies_in_their_room() {
        let a = batch_sql(0, 100_001, 200_000, 1_000_000, 100);
        assert_eq!(a, batch_sql(0, 100_001, 200_000, 1_000_000, 100));
        assert!(a.contains("generate_series(100001::bigint, 200000::bigint)"), "{a}");
        assert!(a.contains("JOIN bench_conv c ON c.idx = g % 100"), "{a}");
        // g − 100 × k is in room (g − 100k) mod 100 = g mod 100: the same room.
        assert!(a.contains("0 + g - 100 * (1 + g % 7)"), "{a}");
        assert!(a.contains("WHEN g % 30 = 0 THEN 3 ELSE 1"), "{a}");
        assert!(a.starts_with("SET session_replication_role = replica;"));
        assert!(LOREM.is_ascii() && LOREM.len() >= 380 + 12 + 90);
    }

    #[test]
    fn prepare_sql_selects_the_prefixed_rooms() {
        assert!(prepare_sql("history room").contains("LIKE 'history room%'"));
    }
}
