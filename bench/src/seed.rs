//! Filling the search bench database: PostgreSQL generates the messages itself
//! (`INSERT ... SELECT FROM generate_series`, Zipf-distributed words from the vocabulary),
//! with the secondary indexes dropped during the load and rebuilt from their own definitions.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::server::Database;
use crate::words::Language;

/// Messages per INSERT (each its own transaction, so `tx` advances between batches).
pub const BATCH: u64 = 50_000;

/// A string as an SQL literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// SQL creating `bench_words (lang, rank, word)` from the vocabulary and `bench_conv
/// (idx, conversation_id, members)` from the rooms whose name starts with `room_prefix`.
pub fn prepare_sql(vocab: &[Language], room_prefix: &str) -> String {
    let mut s = String::from(
        "DROP TABLE IF EXISTS bench_words, bench_conv;\n\
         CREATE TABLE bench_words (lang int, rank int, word text NOT NULL, PRIMARY KEY (lang, rank));\n",
    );
    for (lang, l) in vocab.iter().enumerate() {
        let rows: Vec<String> =
            l.words.iter().enumerate().map(|(i, w)| format!("({lang},{},{})", i + 1, quote(w))).collect();
        let _ = writeln!(s, "INSERT INTO bench_words VALUES {};", rows.join(","));
    }
    let _ = writeln!(
        s,
        "CREATE TABLE bench_conv AS SELECT (row_number() OVER (ORDER BY m.conversation_id))::int - 1 AS idx, \
         m.conversation_id, array_agg(m.user_id ORDER BY m.user_id) AS members \
         FROM members m JOIN conversations c ON c.id = m.conversation_id WHERE c.name LIKE {} \
         GROUP BY m.conversation_id;\n\
         CREATE UNIQUE INDEX ON bench_conv (idx);\nANALYZE bench_words;\nANALYZE bench_conv;",
        quote(&format!("{room_prefix}%"))
    );
    s
}

/// `CASE` choosing a language index from a uniform `r` in [0, 1) by the languages' shares.
fn language_case(vocab: &[Language], r: &str) -> String {
    let mut s = String::from("CASE");
    let mut cumulative = 0u32;
    for (i, l) in vocab.iter().enumerate().take(vocab.len().saturating_sub(1)) {
        cumulative += l.share_percent;
        let _ = write!(s, " WHEN {r} < {:.2} THEN {i}", f64::from(cumulative) / 100.0);
    }
    let _ = write!(s, " ELSE {} END", vocab.len().saturating_sub(1));
    s
}

/// An SQL array literal of `items`, 1-based by language index + 1.
fn array(items: impl Iterator<Item = String>) -> String {
    format!("(ARRAY[{}])", items.collect::<Vec<_>>().join(","))
}

/// SQL inserting messages `first..=last` (of `total`) into the `conversations` rooms of
/// `bench_conv`: a language per message by share, 3–17 words (CJK: 2–8, glued), each word's
/// rank `floor(exp(u · ln(n + 1)))` for uniform `u`, i.e. P(rank r) ≈ 1 / (r ln n) (Zipf).
pub fn batch_sql(vocab: &[Language], first: u64, last: u64, total: u64, conversations: usize) -> String {
    let sizes = array(vocab.iter().map(|l| l.words.len().to_string()));
    let joiners = array(vocab.iter().map(|l| quote(l.joiner)));
    let glued = array(vocab.iter().map(|l| l.joiner.is_empty().to_string()));
    format!(
        "SELECT setseed({seed:.6});\n\
         INSERT INTO messages (conversation_id, sender_id, body, client_id, created_at)\n\
         SELECT c.conversation_id, c.members[1 + floor(random() * cardinality(c.members))::int], b.body,\n\
         'seed-' || g, now() - make_interval(secs => ({total} - g)::double precision)\n\
         FROM generate_series({first}, {last}) AS g\n\
         CROSS JOIN LATERAL (SELECT y.conv, y.lang,\n\
           CASE WHEN {glued}[y.lang + 1] THEN 2 + floor(y.u * 7) ELSE 3 + floor(y.u * 15) END::int AS nwords\n\
           FROM (SELECT x.conv, x.u, {lang} AS lang\n\
             FROM (SELECT floor(random() * {conversations})::int AS conv, random() AS r, random() AS u, g AS gg) x) y) p\n\
         JOIN bench_conv c ON c.idx = p.conv\n\
         CROSS JOIN LATERAL (SELECT string_agg(s.w, {joiners}[p.lang + 1]) AS body FROM (\n\
           SELECT (SELECT w.word FROM bench_words w WHERE w.lang = p.lang AND w.rank = t.r) AS w FROM (\n\
             SELECT floor(exp(random() * ln({sizes}[p.lang + 1] + 1)))::int AS r FROM generate_series(1, p.nwords) k) t) s) b;\n",
        seed = (first as f64 / (total as f64 + 1.0)).fract(),
        lang = language_case(vocab, "x.r"),
    )
}

/// Name and `pg_get_indexdef` of each index of `table` that is neither its primary key nor
/// backs a constraint (so it can be dropped for a bulk load and rebuilt from its definition).
pub fn secondary_indexes(db: &Database, table: &str) -> Result<Vec<(String, String)>> {
    let defs = db.sql(&format!(
        "SELECT c.relname || E'\\t' || pg_get_indexdef(i.indexrelid) FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = {}::regclass \
         AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid) \
         ORDER BY c.relname",
        quote(table)
    ))?;
    Ok(defs
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(name, def)| (name.to_string(), def.to_string()))
        .collect())
}

/// Seeds `total` messages; prints progress; returns notes for the report.
pub fn seed(db: &Database, vocab: &[Language], total: u64, room_prefix: &str) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let t0 = Instant::now();
    db.sql(&prepare_sql(vocab, room_prefix)).context("preparing the vocabulary")?;
    let conversations: usize = db.sql("SELECT count(*) FROM bench_conv")?.trim().parse().context("count")?;
    // Secondary indexes are rebuilt after the load (much faster than maintaining them row by row).
    let defs = secondary_indexes(db, "messages")?;
    let drops: String = defs.iter().map(|(name, _)| format!("DROP INDEX {name};\n")).collect();
    db.sql(&drops).context("dropping the secondary indexes")?;
    let mut first = 1;
    while first <= total {
        let last = (first + BATCH - 1).min(total);
        db.sql(&batch_sql(vocab, first, last, total, conversations))
            .with_context(|| format!("inserting messages {first}..={last}"))?;
        eprintln!("[search] seeded {last} / {total} messages ({:.0} s)", t0.elapsed().as_secs_f64());
        first = last + 1;
    }
    let inserted = t0.elapsed().as_secs_f64();
    for (name, def) in &defs {
        let t = Instant::now();
        db.sql(&format!("SET maintenance_work_mem = '512MB';\n{def};"))
            .with_context(|| format!("rebuilding {name}"))?;
        eprintln!("[search] rebuilt index {name} in {:.1} s", t.elapsed().as_secs_f64());
    }
    let indexed = t0.elapsed().as_secs_f64() - inserted;
    db.sql(
        "DROP TABLE bench_words, bench_conv;\nVACUUM ANALYZE messages;\nANALYZE members;\nANALYZE users;",
    )?;
    let sizes = db.sql(
        "SELECT pg_size_pretty(pg_table_size('messages')) || ', ' || \
         pg_size_pretty(pg_relation_size('messages_search_words')) || ', ' || \
         pg_size_pretty(pg_relation_size('messages_search_trgm')) || ', ' || \
         round(avg(char_length(body)))::text FROM messages",
    )?;
    notes.push(format!(
        "seed: {total} messages in {conversations} rooms in {:.0} s (insert {inserted:.0} s in batches of {BATCH}, \
         {} indexes rebuilt from their definitions {indexed:.0} s, then VACUUM ANALYZE); table, \
         messages_search_words, messages_search_trgm sizes and mean body chars: {}",
        t0.elapsed().as_secs_f64(),
        defs.len(),
        sizes.trim()
    ));
    Ok(notes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::words::vocabulary;

    #[test]
    fn quoting_doubles_single_quotes() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn language_shares_become_cumulative_thresholds() {
        assert_eq!(
            language_case(&vocabulary(), "r"),
            "CASE WHEN r < 0.45 THEN 0 WHEN r < 0.60 THEN 1 WHEN r < 0.80 THEN 2 ELSE 3 END"
        );
    }

    #[test]
    fn batch_sql_is_deterministic_and_bounded() {
        let v = vocabulary();
        let a = batch_sql(&v, 50_001, 100_000, 1_000_000, 50);
        assert_eq!(a, batch_sql(&v, 50_001, 100_000, 1_000_000, 50));
        assert!(a.contains("generate_series(50001, 100000)"), "{a}");
        assert!(a.contains("(ARRAY[2000,800,1000,1200])"), "{a}");
        assert!(a.contains("(ARRAY[' ',' ',' ',''])"), "{a}");
        assert!(a.contains("floor(random() * 50)"), "{a}");
        assert_ne!(a, batch_sql(&v, 1, 50_000, 1_000_000, 50));
        let prep = prepare_sql(&v, "search room");
        assert_eq!(prep.matches("INSERT INTO bench_words").count(), 4);
        assert!(prep.contains("LIKE 'search room%'"));
    }
}
