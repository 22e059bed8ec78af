//! Test databases and the test defaults: every test gets a fresh database cloned
//! (`CREATE DATABASE … TEMPLATE`) from one migrated template per set of
//! migrations, and drops it (in the background) and its data dir when it is done.
//!
//! The template is `jeco_tpl_<first 8 hex of the SHA-256 of migrations/>`: built
//! once per test process, guarded across processes by an advisory lock, built
//! under a temporary name and renamed when complete (a crashed build is never
//! used), and closed to connections, since `CREATE DATABASE … TEMPLATE` fails
//! while anyone is connected to the template. The server's start-up migration
//! then finds nothing to do.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::OnceCell;

/// The test PostgreSQL server (no database name) unless `JECO_TEST_DATABASE_URL` says otherwise.
pub const DEFAULT_PG_BASE: &str = "postgres://postgres@127.0.0.1:5432";
/// The test Redis unless `JECO_TEST_REDIS_URL` says otherwise.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Held (on the `postgres` database) while a process builds a template or sweeps.
const TEMPLATE_LOCK: i64 = 742_032;
/// Leftover test databases older than this, with no session on them, are dropped
/// even when their process id is taken by a live process.
const STALE_AFTER_SECS: u64 = 3600;
/// Prefix of the per-test databases: `jeco_test_<unix secs>_<pid>_<n>`.
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

/// A database of one test; dropping it drops the database and removes its data dir.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    name: String,
}

impl TestDb {
    /// A fresh database cloned from the migrated template.
    pub async fn create() -> TestDb {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let template = template().await;
        let name = format!(
            "{TEST_DB_PREFIX}{}_{}_{}",
            unix_secs(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = admin().await;
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} TEMPLATE {template}: {e}"));
        TestDb { url: format!("{}/{name}", pg_base()), name }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(data_dir_for(&self.url));
        let _ = dropper().send(self.name.clone());
    }
}

/// Where finished tests send their database names: one background thread drops
/// them. A `DROP DATABASE` waits for a checkpoint (seconds on a busy disk), too
/// long to hold up each test; the few still queued when the process exits are
/// swept by the next run.
fn dropper() -> &'static UnboundedSender<String> {
    static DROPPER: OnceLock<UnboundedSender<String>> = OnceLock::new();
    DROPPER.get_or_init(|| {
        let (tx, rx) = unbounded_channel();
        std::thread::spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(drop_databases(rx)),
                Err(e) => eprintln!("test database dropper: {e}"),
            }
        });
        tx
    })
}

async fn drop_databases(mut names: UnboundedReceiver<String>) {
    let Ok(mut admin) = AsyncPgConnection::establish(&admin_url()).await else { return };
    sweep(&mut admin).await;
    while let Some(name) = names.recv().await {
        // FORCE ends the server's pooled connections: the test is over.
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        if let Err(e) = diesel::sql_query(sql).execute(&mut admin).await {
            eprintln!("could not drop test database {name}: {e}");
        }
    }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
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

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
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
    // Started now, so leftovers of earlier runs are swept while the tests run.
    dropper();
    name
}

/// Drops test databases that earlier runs left behind (killed, or exited with
/// drops still queued): only ones nobody is connected to whose process is gone
/// or that were named over an hour ago; without FORCE, so a connection arriving
/// meanwhile makes the drop fail rather than break a test.
async fn sweep(admin: &mut AsyncPgConnection) {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database d WHERE datname LIKE 'jeco\\_test\\_%' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)",
    )
    .load(admin)
    .await
    .unwrap_or_default();
    let cutoff = unix_secs().saturating_sub(STALE_AFTER_SECS);
    for Name { datname } in names {
        let mut parts = datname.strip_prefix(TEST_DB_PREFIX).unwrap_or_default().split('_');
        let created = parts.next().and_then(|s| s.parse::<u64>().ok());
        let pid = parts.next().and_then(|s| s.parse::<u32>().ok());
        let (Some(created), Some(pid)) = (created, pid) else { continue };
        if pid != std::process::id() && (created < cutoff || !process_alive(pid)) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname}")).execute(&mut *admin).await;
        }
    }
}

/// Whether a process with this id runs on this machine (where `/proc` says so;
/// elsewhere assumed alive, leaving only the age rule).
fn process_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{pid}")).exists()
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
