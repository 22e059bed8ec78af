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

/// A room with alice and bob, and bob's stream of it reading from the log's
/// start (so a message sent right after the subscribe frame cannot fall before
/// a cursor read a moment too late), caught up.
async fn lagging_setup(window: usize) -> (TestApp, String, String, crate::ws_client::Ws) {
    let app = spawn_app_with(Opts { live_buffer: 1, replay_window: window, ..Opts::default() }).await;
    let (alice, _) = app.register("alice").await;
    let (bob, _) = app.register("bob").await;
    let room = app.create_room(&alice, "Busy").await;
    app.join(&bob, &room).await;
    let mut ws = app.ws(&bob).await;
    ws.subscribe_events("e", Some(&room), Some(&log_start())).await;
    app.send(&alice, &room, "ready", "ready").await;
    ws.event_where("e", |e| e["payload"]["message"]["body"] == "ready").await;
    (app, alice, room, ws)
}

/// Sends bursts of 20 until the subscriber fell behind at least once (its task
/// runs on other threads and may keep up with a burst now and then); every
/// burst must arrive whole, once and in order. Returns (lags, window replays)
/// during the bursts.
async fn burst_until_lag(
    app: &TestApp,
    alice: &str,
    room: &str,
    ws: &mut crate::ws_client::Ws,
) -> (u64, u64) {
    let (lags, windows) =
        (counter(app, "jeco_log_fallbacks_total").await, counter(app, "jeco_log_window_replays_total").await);
    for attempt in 0..5 {
        let sent = burst(app, alice, room, &format!("b{attempt}-"), 20).await;
        assert_eq!(bodies(ws, 20).await, sent);
        if counter(app, "jeco_log_fallbacks_total").await > lags {
            break;
        }
    }
    let lagged = counter(app, "jeco_log_fallbacks_total").await - lags;
    let windowed = counter(app, "jeco_log_window_replays_total").await - windows;
    assert!(lagged > 0, "no burst made the subscriber lag");
    // Nothing doubled behind them: the next message is the next event.
    app.send(alice, room, "last", "last").await;
    assert_eq!(bodies(ws, 1).await, ["last"]);
    (lagged, windowed)
}

#[tokio::test]
async fn a_lagging_room_subscriber_replays_from_the_window() {
    // A burst of 20 and the receipts around it fit in a window of 64.
    let (app, alice, room, mut ws) = lagging_setup(64).await;
    let (lagged, windowed) = burst_until_lag(&app, &alice, &room, &mut ws).await;
    assert_eq!(windowed, lagged, "every replay came from the window");
}

#[tokio::test]
async fn a_subscriber_behind_its_window_replays_from_the_log() {
    // A lag means at least two events came after the subscriber's position,
    // and a window of one holds only the newest, so the first lag reads the
    // log. (A later one may not: a log read can take the subscriber past what
    // the tailer has published yet, and the window serves a position that new.)
    let (app, alice, room, mut ws) = lagging_setup(1).await;
    let (lagged, windowed) = burst_until_lag(&app, &alice, &room, &mut ws).await;
    assert!(windowed < lagged, "{lagged} lags, {windowed} served by the window: none read the log");
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
