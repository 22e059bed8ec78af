use serde_json::json;

use crate::helpers::*;

/// Two instances on one database and one Redis: a message sent through A
/// reaches a subscriber on B. The tailers' idle poll is set to a minute, so
/// only the Redis doorbell can deliver it within the test's 15 s wait.
#[tokio::test]
async fn a_message_sent_on_one_instance_reaches_a_subscriber_on_another() {
    let opts = || Opts { redis_url: Some(redis_url()), log_poll_ms: 60_000, ..Opts::default() };
    let a = spawn_app_with(opts()).await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), opts()).await;
    let (alice, _) = a.register("alice").await;
    let (bob, _) = b.register("bob").await;
    let room = a.create_room(&alice, "General").await;
    b.join(&bob, &room).await;
    let mut ws = b.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for i in 0..5 {
        a.send(&alice, &room, &format!("via A {i}"), &format!("a{i}")).await;
    }
    ws.event_where("1", |e| e["payload"]["message"]["body"] == "via A 0").await;
    for i in 1..5 {
        let ev = ws.event("1").await;
        assert_eq!(ev["payload"]["message"]["body"], format!("via A {i}"));
    }
    let ready: serde_json::Value = b.http.get(b.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready, json!({ "database": true, "broker": true, "draining": false }));
}

#[tokio::test]
async fn an_unreachable_redis_fails_start_up_naming_the_variable() {
    let opts = Opts { redis_url: Some("redis://127.0.0.1:1".into()), ..Opts::default() };
    // Kept until the end: dropping it would drop the database under the start-up below.
    let app = spawn_app().await;
    let db = app.db_url.clone();
    let config = jeco_api::config::Config {
        database_url: db,
        redis_url: opts.redis_url.clone(),
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: "http://localhost:8080".into(),
        allowed_origins: vec![],
        data_dir: std::env::temp_dir(),
        jwt_secret: Some("test-secret-test-secret-test-secret-1234".into()),
        web_dir: "/nonexistent".into(),
        graphiql_dir: "/nonexistent".into(),
        send_rate: 1,
        auth_rate: 1,
        ip_rate: 1,
        log_poll: std::time::Duration::from_millis(500),
        trust_forwarded_for: false,
        presence_ttl: std::time::Duration::from_secs(30),
        drain_timeout: std::time::Duration::from_secs(5),
        batch_delay: std::time::Duration::from_millis(1),
        live_buffer: 4096,
        replay_window: 1024,
        smtp_url: None,
        mail_from: "Jeco Chat <no-reply@localhost>".into(),
        debug_sql: false,
        db_pool: 24,
        statement_timeout: std::time::Duration::from_secs(5),
        limits: Default::default(),
        access_ttl: std::time::Duration::from_secs(900),
        credential_check: std::time::Duration::from_secs(2),
        media: Default::default(),
        operations: Default::default(),
    };
    let err = jeco_api::start(config).await.err().expect("start fails");
    assert!(format!("{err:#}").contains("REDIS_URL"), "{err:#}");
}

/// Typing on instance A is seen on instance B (ephemeral signals over Redis).
#[tokio::test]
async fn typing_crosses_instances() {
    use crate::typing::{set_typing, typing_event, watch};
    let opts = || Opts { redis_url: Some(redis_url()), ..Opts::default() };
    let a = spawn_app_with(opts()).await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), opts()).await;
    let (alice, _) = a.register("alice").await;
    let (bob, _) = b.register("bob").await;
    let room = a.create_room(&alice, "General").await;
    b.join(&bob, &room).await;
    let mut ws = b.ws(&bob).await;
    watch(&mut ws, &room).await;
    set_typing(&a, &alice, &room, true).await;
    assert_eq!(typing_event(&mut ws).await, json!({ "typing": true, "user": { "username": "alice" } }));
    // Each instance delivers a signal once, not once per path.
    assert!(ws.quiet_for(500).await);
}

fn private_redis(port: u16) -> std::process::Child {
    std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server is installed")
}

async fn ready(app: &TestApp) -> serde_json::Value {
    app.http.get(app.url("/readyz")).send().await.unwrap().json().await.unwrap()
}

/// Redis going away and coming back loses nothing: while it is down, instances
/// fall back to polling the log (and say so in /readyz); afterwards they
/// resubscribe by themselves.
#[tokio::test]
async fn a_redis_outage_delays_but_never_loses() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut redis = private_redis(port);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let url = format!("redis://127.0.0.1:{port}");
    let opts = || Opts { redis_url: Some(url.clone()), ..Opts::default() };
    let a = spawn_app_with(opts()).await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), opts()).await;
    let (alice, _) = a.register("alice").await;
    let (bob, _) = b.register("bob").await;
    let room = a.create_room(&alice, "General").await;
    b.join(&bob, &room).await;
    let mut ws = b.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    a.send(&alice, &room, "before", "1").await;
    ws.event_where("1", |e| e["payload"]["message"]["body"] == "before").await;

    redis.kill().unwrap();
    redis.wait().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(ready(&b).await["broker"], false);
    assert_eq!(a.send(&alice, &room, "during", "2").await["userErrors"], json!([]));
    assert_eq!(ws.event("1").await["payload"]["message"]["body"], "during");

    let mut redis = private_redis(port);
    let mut back = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if ready(&b).await["broker"] == true {
            back = true;
            break;
        }
    }
    assert!(back, "the broker reconnects by itself");
    a.send(&alice, &room, "after", "3").await;
    assert_eq!(ws.event("1").await["payload"]["message"]["body"], "after");
    assert!(ws.quiet_for(300).await, "nothing doubled");
    redis.kill().unwrap();
    redis.wait().unwrap();
}

async fn subscribers(channel: &str) -> i64 {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (_, n): (String, i64) =
        redis::cmd("PUBSUB").arg("NUMSUB").arg(channel).query_async(&mut conn).await.unwrap();
    n
}

/// An instance subscribes to a conversation's Redis channel only while one
/// of its connections watches that conversation.
#[tokio::test]
async fn instances_subscribe_only_to_what_their_connections_watch() {
    let a = spawn_app_with(Opts { redis_url: Some(redis_url()), ..Opts::default() }).await;
    let (alice, _) = a.register("alice").await;
    let room = a.create_room(&alice, "General").await;
    let id = jeco_api::ids::decode::<jeco_schema::ids::ConversationId>(&room).unwrap();
    let ch = jeco_api::redis_broker::channel(id);
    assert_eq!(subscribers(&ch).await, 0, "nobody watches yet");
    let mut ws = a.ws(&alice).await;
    ws.subscribe_events("1", Some(&room), None).await;
    let mut watched = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if subscribers(&ch).await == 1 {
            watched = true;
            break;
        }
    }
    assert!(watched, "the instance subscribed to the room's channel");
    drop(ws);
    let mut released = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if subscribers(&ch).await == 0 {
            released = true;
            break;
        }
    }
    assert!(released, "and unsubscribed once nobody watches");
}
