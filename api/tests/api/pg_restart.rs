//! PostgreSQL restarts under load: a private cluster (initdb + pg_ctl from the
//! installed PostgreSQL) that the test stops and starts again while senders
//! and subscribers run against a real server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fault::{busy_room, resume, take_event, tally, BusyRoom};
use crate::helpers::*;
use crate::ops::op;

/// A throwaway PostgreSQL cluster on a free loopback port.
struct PrivatePg {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (PostgreSQL
/// refuses to run as root), as ourselves otherwise.
fn pg_tool(bin: &Path, tool: &str) -> Command {
    let path = bin.join(tool);
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl PrivatePg {
    fn start() -> PrivatePg {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql (make test installs them)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("jeco-pg-restart-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        if running_as_root() {
            assert!(Command::new("chown").arg("postgres:").arg(&dir).status().unwrap().success());
        }
        let initdb = pg_tool(&bin, "initdb")
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .output()
            .unwrap();
        assert!(initdb.status.success(), "initdb: {}", String::from_utf8_lossy(&initdb.stderr));
        let pg = PrivatePg { bin, dir, port };
        pg.pg_ctl_start();
        pg
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=100",
            self.port,
            self.dir.display()
        );
        let started = pg_tool(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("postgres.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .unwrap();
        assert!(started.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&started.stderr));
    }

    fn stop(&self, mode: &str) {
        let _ = pg_tool(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-w", "-t", "60", "-m", mode, "stop"])
            .output();
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        self.stop("immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Counts panics raised in the server's own code (not in the test's asserts).
fn count_server_panics() -> Arc<AtomicUsize> {
    let panics = Arc::new(AtomicUsize::new(0));
    let seen = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.location().is_some_and(|l| l.file().contains("api/src/")) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));
    panics
}

async fn ready(app: &TestApp) -> Option<bool> {
    let resp = app.http.get(app.url("/readyz")).send().await.ok()?;
    Some(resp.status().is_success())
}

async fn wait_ready(app: &TestApp, want: bool, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if ready(app).await == Some(want) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// PostgreSQL goes away for two seconds while four senders write and four
/// readers follow: `/readyz` goes false then true, every send is acknowledged
/// once it is retried with its clientId (stored once), and every reader —
/// resuming from its cursor whenever its socket drops — gets every message
/// exactly once. No server task panics. Prints the figures.
#[tokio::test]
async fn postgres_restart_under_load_loses_and_doubles_nothing() {
    let panics = count_server_panics();
    let pg = PrivatePg::start();
    let app = Arc::new(start_on(pg.url(), "127.0.0.1:0".parse().unwrap(), Opts::default()).await);
    let BusyRoom { room, senders, readers, start } = busy_room(&app).await;

    let mut reader_tasks = Vec::new();
    for token in readers {
        let (app, room, start) = (app.clone(), room.clone(), start.clone());
        reader_tasks.push(tokio::spawn(async move {
            let mut got: Vec<String> = Vec::new();
            let mut cursor = start;
            let mut reconnects = 0;
            let mut idle = 0;
            loop {
                let Some(mut ws) = resume(&app, &token, &room, &cursor).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                loop {
                    match tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
                        Ok(WsEvent::Json(m)) if m["type"] == "next" => {
                            idle = 0;
                            take_event(&m, &mut cursor, &mut got);
                        }
                        // An error or the end of the stream: resume from the cursor.
                        Ok(WsEvent::Json(_)) | Ok(WsEvent::Closed(_)) => break,
                        // Quiet for 8 s once PostgreSQL is back and the senders are done: finished.
                        Err(_) => {
                            idle += 1;
                            if idle >= 8 {
                                return (got, reconnects);
                            }
                        }
                    }
                }
                reconnects += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }

    // Senders retry a failed send with the same clientId until it is
    // acknowledged (for at most 30 s), as a client would.
    let retries = Arc::new(AtomicUsize::new(0));
    let mut sender_tasks = Vec::new();
    for (s, token) in senders.into_iter().enumerate() {
        let (app, room, retries) = (app.clone(), room.clone(), retries.clone());
        sender_tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..40 {
                let body = format!("s{s}-{i}");
                let began = Instant::now();
                while began.elapsed() < Duration::from_secs(30) {
                    let input = json!({ "conversationId": room, "body": body, "clientId": body });
                    let sent = app
                        .http
                        .post(app.url("/graphql"))
                        .bearer_auth(&token)
                        .timeout(Duration::from_secs(10))
                        .json(&json!({ "query": op("SendMessage"), "variables": { "input": input } }))
                        .send()
                        .await;
                    let answer = match sent {
                        Ok(resp) => resp.json::<serde_json::Value>().await.ok(),
                        Err(_) => None,
                    };
                    if answer.as_ref().is_some_and(|v| v["data"]["sendMessage"]["message"]["id"].is_string())
                    {
                        acked.push(body.clone());
                        break;
                    }
                    retries.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            acked
        }));
    }

    tokio::time::sleep(Duration::from_millis(400)).await;
    pg.stop("fast");
    let went_unready = wait_ready(&app, false, Duration::from_secs(10)).await;
    eprintln!("pg stopped; unready {went_unready}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.pg_ctl_start();
    let came_back = wait_ready(&app, true, Duration::from_secs(30)).await;
    eprintln!("pg started; ready again {came_back}");

    let mut acked = Vec::new();
    for t in sender_tasks {
        acked.extend(t.await.unwrap());
    }
    eprintln!("senders done: {} acked", acked.len());
    let sent = 4 * 40;
    let (mut delivered, mut lost, mut doubled, mut reconnects) = (0, 0, 0, 0);
    for t in reader_tasks {
        let (got, r) = t.await.unwrap();
        reconnects += r;
        let (d, l, twice) = tally(&acked, &got);
        (delivered, lost, doubled) = (delivered + d, lost + l, doubled + twice);
    }
    let stored = app.count("messages").await;
    eprintln!(
        "PostgreSQL restart figures: sent {sent}, acknowledged {}, failed attempts retried {}, stored {stored}, \
         delivered {delivered} (4 readers), lost {lost}, doubled {doubled}, reader reconnects {reconnects}, \
         server panics {}",
        acked.len(),
        retries.load(Ordering::SeqCst),
        panics.load(Ordering::SeqCst)
    );
    assert!(went_unready, "/readyz turned false while PostgreSQL was down");
    assert!(came_back, "/readyz turned true again once PostgreSQL was back");
    assert_eq!(acked.len(), sent, "every send was acknowledged after its retries");
    assert_eq!(stored as usize, sent, "retries with the same clientId stored nothing twice");
    assert_eq!(lost, 0);
    assert_eq!(doubled, 0);
    assert_eq!(delivered, 4 * sent);
    assert_eq!(panics.load(Ordering::SeqCst), 0, "no server task panicked");
}
