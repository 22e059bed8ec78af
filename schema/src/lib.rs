//! Jeco Chat's database layer: the diesel schema, row models, named queries and
//! the embedded migrations. Everything that writes SQL lives here; the api crate
//! composes these functions inside its service transactions.

pub mod accounts;
pub mod log;
pub mod message_ops;
pub mod models;
pub mod queries;
pub mod schema;
pub mod search;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

/// The pool type shared by the server.
pub type PgPool = Pool<AsyncPgConnection>;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Diesel's error type, re-exported so callers need not name diesel.
pub type DbError = diesel::result::Error;

/// Runs pending migrations, serialized between instances by an advisory lock.
/// Blocking: call it from a blocking thread.
pub fn migrate(database_url: &str) -> Result<(), String> {
    use diesel::{Connection, RunQueryDsl};
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::MigrationHarness;
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(database_url)
        .map_err(|e| format!("cannot connect to DATABASE_URL: {e}"))?;
    diesel::sql_query("SELECT pg_advisory_lock(742031)").execute(&mut conn).map_err(|e| e.to_string())?;
    let result =
        conn.run_pending_migrations(MIGRATIONS).map(drop).map_err(|e| format!("migration failed: {e}"));
    diesel::sql_query("SELECT pg_advisory_unlock(742031)").execute(&mut conn).map_err(|e| e.to_string())?;
    result
}
