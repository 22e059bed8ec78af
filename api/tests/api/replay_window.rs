//! A one-conversation subscriber that falls behind its live buffer replays
//! from its conversation's window of recent events while the window reaches
//! back to its position, and from the log beyond that: every event once, in
//! order, either way.

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

use crate::helpers::*;
use crate::ws_client::log_start;

async fn counter(app: &TestApp, series: &str) -> u64 {
    let text = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} in /metrics"))
}

/// Commits `n` messages in one burst: a transaction of the test holds the log
/// horizon while they are sent, so the tailer publishes them back to back and
/// a subscriber with a live buffer of one lags.
async fn burst(app: &TestApp, token: &str, room: &str, tag: &str, n: usize) -> Vec<String> {
    let mut hold = AsyncPgConnection::establish(&app.db_url).await.unwrap();
    hold.batch_execute("BEGIN; SELECT pg_current_xact_id();").await.unwrap();
    let mut bodies = Vec::new();
    for i in 0..n {
        let body = format!("{tag} {i}");
        app.send(token, room, &body, &format!("{tag}{i}")).await;
        bodies.push(body);
    }
    hold.batch_execute("COMMIT").await.unwrap();
    bodies
}

async fn bodies(ws: &mut crate::ws_client::Ws, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < n {
        let e = ws.event("e").await;
        if let Some(b) = e["payload"]["message"]["body"].as_str() {
            got.push(b.to_string());
        }
    }
    got
}

#[tokio::test]
async fn a_lagging_room_subscriber_replays_from_the_window_then_from_the_log() {
    let app = spawn_app_with(Opts { live_buffer: 1, replay_window: 8, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "Busy").await;
    app.join(&bob, &room).await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("e", Some(&room), Some(&log_start())).await;
    app.send(&alice, &room, "ready", "ready").await;
    ws.event_where("e", |e| e["payload"]["message"]["body"] == "ready").await;

    // The subscriber's task runs on other threads and may keep up with a burst
    // now and then, so a burst is repeated (a few times at most) until the
    // subscriber fell behind in the way being tested; every burst must arrive
    // whole, once and in order, whichever way it was replayed.
    let lagged = || async { counter(&app, "jeco_log_fallbacks_total").await };
    let windowed = || async { counter(&app, "jeco_log_window_replays_total").await };

    // Three (and any delivery receipts around them): within the window of eight.
    let (lags, windows) = (lagged().await, windowed().await);
    for attempt in 0.. {
        let sent = burst(&app, &alice, &room, &format!("near{attempt}-"), 3).await;
        assert_eq!(bodies(&mut ws, 3).await, sent);
        if lagged().await > lags || attempt == 4 {
            break;
        }
    }
    let (lags2, windows2) = (lagged().await, windowed().await);
    assert!(lags2 > lags, "no burst made the subscriber lag");
    assert_eq!(windows2 - windows, lags2 - lags, "every replay came from the window");

    // Sixteen: the window no longer reaches back, so the log answers.
    for attempt in 0.. {
        let sent = burst(&app, &alice, &room, &format!("far{attempt}-"), 16).await;
        assert_eq!(bodies(&mut ws, 16).await, sent);
        let (lags3, windows3) = (lagged().await, windowed().await);
        if lags3 - lags2 > windows3 - windows2 {
            break;
        }
        assert!(
            attempt < 4,
            "no replay read the log: {} lags, {} from the window",
            lags3 - lags2,
            windows3 - windows2
        );
    }

    // Nothing doubled behind them: the next message is the next event.
    app.send(&alice, &room, "last", "last").await;
    assert_eq!(bodies(&mut ws, 1).await, ["last"]);
}

/// A reconnect with a recent cursor is answered from the window, and gets
/// exactly the events after its cursor.
#[tokio::test]
async fn a_reconnect_with_a_recent_cursor_replays_from_the_window() {
    let app = spawn_app_with(Opts { replay_window: 16, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "Room").await;
    app.join(&bob, &room).await;
    // Streams start from the log's start, so a message sent right after the
    // subscribe frame cannot fall before a cursor read a moment too late.
    // Alice keeps the room's feed (and its window) alive.
    let mut watcher = app.ws(&alice).await;
    watcher.subscribe_events("e", Some(&room), Some(&log_start())).await;
    app.send(&alice, &room, "first", "first").await;
    watcher.event_where("e", |e| e["payload"]["message"]["body"] == "first").await;

    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("e", Some(&room), Some(&log_start())).await;
    app.send(&alice, &room, "seen", "seen").await;
    let seen = ws.event_where("e", |e| e["payload"]["message"]["body"] == "seen").await;
    let cursor = seen["cursor"].as_str().expect("cursor").to_string();
    drop(ws);
    for i in 0..3 {
        app.send(&alice, &room, &format!("missed {i}"), &format!("m{i}")).await;
    }
    bodies(&mut watcher, 4).await;

    let windows = counter(&app, "jeco_log_window_replays_total").await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("e", Some(&room), Some(&cursor)).await;
    assert_eq!(bodies(&mut ws, 3).await, ["missed 0", "missed 1", "missed 2"]);
    assert!(counter(&app, "jeco_log_window_replays_total").await > windows);
    app.send(&alice, &room, "live", "live").await;
    assert_eq!(bodies(&mut ws, 1).await, ["live"]);
}
