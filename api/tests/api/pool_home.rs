//! Database connections live on the runtime that built the pool, whichever
//! task opened them: a query never waits for the (busy, lower-priority)
//! fan-out runtime to read its reply.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::sql_types::Integer;
use diesel::IntoSql;
use diesel_async::RunQueryDsl;

use crate::test_db::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_opened_from_another_runtime_does_not_need_it() {
    let db = TestDb::create().await;
    let metrics = Arc::new(jeco_api::metrics::Metrics::default());
    let pool = jeco_api::pool(&db.url, 1, metrics, false, Duration::ZERO).unwrap();
    // A second runtime with one worker, like the fan-out's; the pool's only
    // connection is opened from a task on it.
    let other = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let p = pool.clone();
    let mut conn = other.spawn(async move { p.get().await }).await.unwrap().unwrap();

    // Then that runtime's only worker is blocked: nothing on it runs, and its
    // sockets are not polled, until `released` (10 s; the test does not wait
    // for it: `shutdown_background` leaves the sleeping thread behind).
    let released = Arc::new(AtomicBool::new(false));
    let (started, blocked) = tokio::sync::oneshot::channel();
    let r = released.clone();
    other.spawn(async move {
        let _ = started.send(());
        std::thread::sleep(Duration::from_secs(10));
        r.store(true, Ordering::SeqCst);
    });
    blocked.await.unwrap();

    let one: i32 = diesel::select(1.into_sql::<Integer>()).get_result(&mut *conn).await.unwrap();
    assert_eq!(one, 1);
    assert!(
        !AtomicBool::load(&released, Ordering::SeqCst),
        "the query waited for the runtime that opened its connection"
    );
    drop(conn);
    other.shutdown_background();
}

/// The fan-out has its own share of the connections (`Config::pool_split`):
/// with every one of them taken (subscribers replaying a burst, say), a
/// `sendMessage` over HTTP still gets a connection and is answered.
#[tokio::test]
async fn a_send_is_answered_while_the_fanout_holds_all_its_connections() {
    let (app, alice, _bob, room) = crate::helpers::room_of_two().await;
    let state = &app.running.as_ref().unwrap().state;
    let fanout = state.fanout_pool.clone();
    let mut held = Vec::new();
    for _ in 0..fanout.status().max_size {
        held.push(fanout.get().await.unwrap());
    }
    assert_eq!(fanout.status().available, 0);

    // A hang detector, not a speed check: on one shared pool this send would
    // wait for a connection until the held ones were released.
    let sent = tokio::time::timeout(Duration::from_secs(30), app.send(&alice, &room, "still here", "c-1"))
        .await
        .expect("the send waited for the fan-out's connections");
    assert_eq!(sent["message"]["body"], "still here", "{sent}");
    drop(held);
}
