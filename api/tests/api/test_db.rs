//! Test databases and the test defaults: every test gets an empty database of
//! the current schema, and its data dir is removed when it is done.
//!
//! The databases are a pool, `jeco_test_<template hash>_<n>`, claimed with a
//! session advisory lock held for the test's lifetime (released when the test
//! ends or its process dies): a claimed database that exists is emptied
//! (`TRUNCATE … RESTART IDENTITY`, milliseconds), a missing one is cloned
//! (`CREATE DATABASE … TEMPLATE`) from one migrated template. They are never
//! dropped while tests run: a `DROP DATABASE` holds a transaction id for the
//! seconds its checkpoint takes, and every server's log horizon (the oldest
//! running transaction of the whole cluster) waits for it, so each drop used to
//! stall live delivery in every other test. The pool stays as large as the
//! most tests that ever ran at once. Each database records its schema's
//! fingerprint (as its comment) when cloned; one whose schema a test changed
//! is dropped and cloned again when next claimed.
//!
//! The template is `jeco_tpl_<first 8 hex of the SHA-256 of migrations/>`: built
//! once per test process, guarded across processes by an advisory lock, built
//! under a temporary name and renamed when complete (a crashed build is never
//! used), and closed to connections, since `CREATE DATABASE … TEMPLATE` fails
//! while anyone is connected to the template. The server's start-up migration
//! then finds nothing to do.

use std::path::{Path, PathBuf};

use diesel::sql_types::{BigInt, Integer, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// The test PostgreSQL server (no database name) unless `JECO_TEST_DATABASE_URL` says otherwise.
pub const DEFAULT_PG_BASE: &str = "postgres://postgres@127.0.0.1:5432";
/// The test Redis unless `JECO_TEST_REDIS_URL` says otherwise.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Held (on the `postgres` database) while a process builds the template.
const TEMPLATE_LOCK: i64 = 742_032;
/// Prefix of the pooled test databases: `jeco_test_<template hash>_<n>`.
const TEST_DB_PREFIX: &str = "jeco_test_";

/// Base URL of the test PostgreSQL server (without database name).
pub fn pg_base() -> String {
    std::env::var("JECO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_PG_BASE.into())
        .trim_end_matches('/')
        .to_string()
}

/// URL of the test Redis.
pub fn redis_url() -> String {
    std::env::var("JECO_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.into())
}

/// The data dir of the servers on `db_url` (one per database, so each test reads only its own outbox).
pub fn data_dir_for(db_url: &str) -> PathBuf {
    let db_name = db_url.rsplit('/').next().unwrap_or("db");
    std::env::temp_dir().join(format!("jeco-test-{}-{db_name}", std::process::id()))
}

/// A database of one test; dropping it frees the database for the next test
/// and removes its data dir.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// Holds the advisory lock that claims the database (closing it frees it).
    _claim: AsyncPgConnection,
}

/// Advisory lock class of the pool's claims (`pg_try_advisory_lock(CLAIM_LOCK, n)`).
const CLAIM_LOCK: i32 = 742_033;

impl TestDb {
    /// An empty database of the current schema, claimed for this test.
    pub async fn create() -> TestDb {
        let template = template().await;
        let hash = template.trim_start_matches("jeco_tpl_");
        let mut claim = admin().await;
        for n in 0..10_000 {
            let got: Bool = diesel::sql_query("SELECT pg_try_advisory_lock($1, $2) AS ok")
                .bind::<Integer, _>(CLAIM_LOCK)
                .bind::<Integer, _>(n)
                .get_result(&mut claim)
                .await
                .unwrap();
            if !got.ok {
                continue;
            }
            let name = format!("{TEST_DB_PREFIX}{hash}_{n}");
            let exists: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<Text, _>(&name)
                .get_result(&mut claim)
                .await
                .unwrap();
            let url = format!("{}/{name}", pg_base());
            // A database whose schema a test changed (a fault test renames a
            // table) is replaced: it alone pays for a DROP.
            let reusable =
                exists.n > 0 && recorded_fingerprint(&mut claim, &name).await == fingerprint(&url).await;
            if reusable {
                empty(&url).await;
            } else {
                for sql in [
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    format!("CREATE DATABASE {name} TEMPLATE {template}"),
                ] {
                    diesel::sql_query(&sql)
                        .execute(&mut claim)
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                let fp = fingerprint(&url).await;
                diesel::sql_query(format!("COMMENT ON DATABASE {name} IS '{fp}'"))
                    .execute(&mut claim)
                    .await
                    .unwrap();
            }
            return TestDb { url, _claim: claim };
        }
        panic!("no free test database among 10,000");
    }
}

/// The fingerprint recorded (as the database's comment) when it was cloned.
async fn recorded_fingerprint(admin: &mut AsyncPgConnection, name: &str) -> String {
    let recorded: Option<Name> = diesel::sql_query(
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') AS datname FROM pg_database WHERE datname = $1",
    )
    .bind::<Text, _>(name)
    .get_result(admin)
    .await
    .ok();
    recorded.map(|r| r.datname).unwrap_or_default()
}

/// A digest of the database's schema: every relation's name, kind and columns.
async fn fingerprint(url: &str) -> String {
    let mut c = AsyncPgConnection::establish(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let fp: Name = diesel::sql_query(
        "SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS datname FROM ( \
           SELECT c.relname || ':' || c.relkind::text || ':' || coalesce(( \
             SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ';' ORDER BY a.attnum) \
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') AS x \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public') s",
    )
    .get_result(&mut c)
    .await
    .unwrap();
    fp.datname
}

/// Empties every table but diesel's migration record and restarts the ids, so
/// the database is as its template left it.
async fn empty(url: &str) {
    let mut c = AsyncPgConnection::establish(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT tablename AS datname FROM pg_tables WHERE schemaname = 'public' \
         AND tablename <> '__diesel_schema_migrations'",
    )
    .load(&mut c)
    .await
    .unwrap();
    let list = tables.iter().map(|t| format!("\"{}\"", t.datname)).collect::<Vec<_>>().join(", ");
    diesel::sql_query(format!("TRUNCATE {list} RESTART IDENTITY CASCADE")).execute(&mut c).await.unwrap();
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // The claim's connection closes with this value, which frees the database.
        let _ = std::fs::remove_dir_all(data_dir_for(&self.url));
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

#[derive(QueryableByName)]
struct Bool {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ok: bool,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn admin_url() -> String {
    format!("{}/postgres", pg_base())
}

async fn admin() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url()).await.unwrap_or_else(|e| panic!("{}: {e}", admin_url()))
}

/// The template's name, built on first use in this process.
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE.get_or_init(build_template).await
}

async fn build_template() -> String {
    let name = format!("jeco_tpl_{}", migrations_hash());
    let mut admin = admin().await;
    diesel::sql_query(format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).execute(&mut admin).await.unwrap();
    let exists: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(&name)
        .get_result(&mut admin)
        .await
        .unwrap();
    if exists.n == 0 {
        let building = format!("{name}_build");
        for sql in [format!("DROP DATABASE IF EXISTS {building}"), format!("CREATE DATABASE {building}")] {
            diesel::sql_query(sql).execute(&mut admin).await.unwrap();
        }
        // `migrate` closes its connection before returning.
        jeco_api::migrate(&format!("{}/{building}", pg_base())).await.expect("template migrates");
        for sql in [
            format!("ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false"),
            format!("ALTER DATABASE {building} RENAME TO {name}"),
        ] {
            diesel::sql_query(sql).execute(&mut admin).await.unwrap();
        }
    }
    diesel::sql_query(format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
        .execute(&mut admin)
        .await
        .unwrap();
    name
}

/// First 8 hex digits of the SHA-256 over `migrations/`: each file's path
/// (relative, `/`-separated, sorted), a NUL, its bytes, a NUL. `e2e/harness.mjs`
/// computes the same name, so both suites share the template.
fn migrations_hash() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files = Vec::new();
    collect_files(&root, &root, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for rel in files {
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(root.join(&rel)).unwrap());
        hasher.update([0]);
    }
    hasher.finalize().iter().take(4).map(|b| format!("{b:02x}")).collect()
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).unwrap();
            out.push(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"));
        }
    }
}
