//! Commit and ring as one operation. Every write transaction of the services
//! and of the delivery flusher runs in [`write`] (or [`write_on`]): the closure
//! gets a [`Tx`] and appends its events through it, and the conversations it
//! appended to are rung on the hub only after the commit succeeded; an error
//! (a user error included) rolls everything back and rings nothing. Nobody
//! rings by hand, so nobody can forget the ring or ring before the commit.
//! It knows the pool and the hub, not `AppState`, so the flusher can use it.

use std::future::Future;
use std::ops::{Deref, DerefMut};

use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};
use jeco_schema::{log, PgPool};

use crate::error::{ServiceError, ServiceResult};
use crate::events::EventPayload;
use crate::hub::EventHub;
use jeco_schema::ids::ConversationId;

/// An open transaction: the connection (through `Deref`) and the
/// conversations whose events were appended, in order, each once.
pub struct Tx<'c> {
    conn: &'c mut AsyncPgConnection,
    touched: Vec<ConversationId>,
}

impl Tx<'_> {
    /// Appends an event to the conversation's log in this transaction; the
    /// conversation is rung after commit.
    pub async fn append(
        &mut self,
        conversation_id: ConversationId,
        payload: &EventPayload,
    ) -> ServiceResult<()> {
        let json = serde_json::to_value(payload).map_err(|e| ServiceError::Internal(e.to_string()))?;
        log::append(self.conn, conversation_id, &json).await?;
        if !self.touched.contains(&conversation_id) {
            self.touched.push(conversation_id);
        }
        Ok(())
    }
}

impl Deref for Tx<'_> {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        self.conn
    }
}

/// An `async |tx| ...` closure whose future is `Send`, which `AsyncFnOnce`
/// alone cannot promise on stable Rust (the same device diesel-async uses for
/// its `transaction`).
pub trait TxFn<A, R>: AsyncFnOnce(A) -> R + FnOnce(A) -> <Self as TxFn<A, R>>::Fut {
    /// The closure's future.
    type Fut: Future<Output = R>;
}

impl<F, A, Fut, R> TxFn<A, R> for F
where
    F: AsyncFnOnce(A) -> R + FnOnce(A) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

/// Runs `f` in one transaction on a connection from `pool`; see [`write_on`].
pub async fn write<T, F>(pool: &PgPool, hub: &EventHub, f: F) -> ServiceResult<T>
where
    for<'t, 'c> F: AsyncFnOnce(&'t mut Tx<'c>) -> ServiceResult<T>
        + TxFn<&'t mut Tx<'c>, ServiceResult<T>, Fut: Send>
        + Send,
    T: Send,
{
    let mut c = pool.get().await.map_err(ServiceError::from)?;
    write_on(&mut c, hub, f).await
}

/// Runs `f` in one transaction on `conn`: commits if it returns `Ok`, then
/// rings every conversation it appended events to; rolls back on `Err` (user
/// errors included) and rings nothing.
pub async fn write_on<T, F>(conn: &mut AsyncPgConnection, hub: &EventHub, f: F) -> ServiceResult<T>
where
    for<'t, 'c> F: AsyncFnOnce(&'t mut Tx<'c>) -> ServiceResult<T>
        + TxFn<&'t mut Tx<'c>, ServiceResult<T>, Fut: Send>
        + Send,
    T: Send,
{
    AnsiTransactionManager::begin_transaction(conn).await?;
    let mut tx = Tx { conn: &mut *conn, touched: Vec::new() };
    let result = f(&mut tx).await;
    let touched = tx.touched;
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            for conversation_id in touched {
                hub.committed(conversation_id);
            }
            Ok(value)
        }
        Err(e) => match AnsiTransactionManager::rollback_transaction(conn).await {
            // A broken connection is dropped by the pool; the cause matters more.
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}
