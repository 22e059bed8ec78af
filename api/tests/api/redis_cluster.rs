//! A Redis Cluster as the broker: three local nodes (`redis-server
//! --cluster-enabled yes`, started here), doorbells on sharded pub/sub, presence
//! keys spread over the slots, and one node restarted under load with nothing
//! lost or doubled.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

/// Three cluster nodes on free ports, each in its own directory, stopped on drop.
struct Cluster {
    dir: PathBuf,
    ports: Vec<u16>,
    nodes: Vec<Option<Child>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A free port whose cluster bus port (port + 10000, which must exist) is free too.
fn free_node_port() -> u16 {
    loop {
        let p = free_port();
        if p <= 55_000 && std::net::TcpListener::bind(("127.0.0.1", p + 10_000)).is_ok() {
            return p;
        }
    }
}

fn node(dir: &Path, port: u16) -> Child {
    let conf = format!("nodes-{port}.conf");
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--cluster-enabled", "yes"])
        .args(["--cluster-config-file", &conf, "--cluster-node-timeout", "2000"])
        .args(["--save", "", "--appendonly", "no", "--logfile", &format!("node-{port}.log"), "--dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed")
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli").args(["-p", &port.to_string()]).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Cluster {
    async fn start() -> Cluster {
        let dir = std::env::temp_dir().join(format!("jeco-cluster-{}", free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let ports: Vec<u16> = (0..3).map(|_| free_node_port()).collect();
        let nodes = ports.iter().map(|p| Some(node(&dir, *p))).collect();
        let c = Cluster { dir, ports, nodes };
        for p in &c.ports {
            c.until(
                *p,
                |r| r.contains("cluster_enabled") || r.contains("cluster_state"),
                &["CLUSTER", "INFO"],
            )
            .await;
        }
        let addrs: Vec<String> = c.ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create").args(&addrs).args(["--cluster-replicas", "0", "--cluster-yes"]);
        let out = create.stdout(Stdio::null()).status().unwrap();
        assert!(out.success(), "redis-cli --cluster create");
        c.all_ok().await;
        c
    }

    async fn until(&self, port: u16, ok: impl Fn(&str) -> bool, args: &[&str]) {
        // Generous: a cluster converges by gossip, slowly on a busy machine.
        for _ in 0..300 {
            if ok(&cli(port, args)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(self.dir.join(format!("node-{port}.log"))).unwrap_or_default();
        let mut tail: Vec<&str> = log.lines().rev().take(15).collect();
        tail.reverse();
        panic!("redis node {port} never answered {args:?} as wanted; its log ends:\n{}", tail.join("\n"));
    }

    async fn all_ok(&self) {
        for p in &self.ports {
            self.until(*p, |r| r.contains("cluster_state:ok"), &["CLUSTER", "INFO"]).await;
        }
    }

    /// `REDIS_URL` naming every node as a seed.
    fn url(&self) -> String {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect::<Vec<_>>().join(",")
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sum over the nodes of a numeric reply's second line (`PUBSUB SHARDNUMSUB ch` → `ch\nN`).
    fn per_node(&self, args: &[&str]) -> Vec<i64> {
        self.ports
            .iter()
            .map(|p| cli(*p, args).lines().nth(1).and_then(|n| n.trim().parse().ok()).unwrap_or(0))
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_cluster_shards_doorbells_and_survives_a_node_restart_under_load() {
    let mut cluster = Cluster::start().await;
    // A minute's idle poll: within the test's waits only doorbells deliver.
    let opts = || Opts { redis_url: Some(cluster.url()), log_poll_ms: 60_000, ..Opts::default() };
    let a = spawn_app_with(opts()).await;
    let b = start_on(a.db_url.clone(), "127.0.0.1:0".parse().unwrap(), opts()).await;
    let (alice, _) = a.register("alice").await;
    let (bob, _) = b.register("bob").await;
    let room = a.create_room(&alice, "General").await;
    b.join(&bob, &room).await;
    let _alice_ws = a.ws(&alice).await;
    let mut ws = b.ws(&bob).await;
    ws.subscribe_events("1", Some(&room), None).await;

    // The doorbell is a sharded channel, subscribed on exactly one node (its
    // slot's owner), and not a classic one.
    let room_id: i64 = a.scalar("SELECT max(id) AS n FROM conversations").await;
    let channel = format!("jeco:log:{room_id}");
    let mut owner = None;
    for _ in 0..50 {
        let shard = cluster.per_node(&["PUBSUB", "SHARDNUMSUB", &channel]);
        if shard.iter().sum::<i64>() == 1 {
            owner = shard.iter().position(|n| *n == 1);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let owner = owner.expect("one node holds the sharded subscription");
    assert_eq!(cluster.per_node(&["PUBSUB", "NUMSUB", &channel]).iter().sum::<i64>(), 0);
    // Presence heartbeats landed (one key per connected user, wherever its slot lives).
    let keys: usize = cluster
        .ports
        .iter()
        .map(|p| {
            cli(*p, &["KEYS", "jeco:presence:*"]).lines().filter(|l| l.starts_with("jeco:presence:")).count()
        })
        .sum();
    assert_eq!(keys, 2, "a presence key per connected user");

    a.send(&alice, &room, "m0", "c0").await;
    ws.event_where("1", |e| e["payload"]["message"]["body"] == "m0").await;

    // Under load: 60 sends, 25 ms apart, while the owning node is killed and restarted.
    let sender = {
        let (url, alice, room) = (a.url("/graphql"), alice.clone(), room.clone());
        let http = a.http.clone();
        tokio::spawn(async move {
            for i in 1..=60 {
                let r: serde_json::Value = http
                    .post(&url)
                    .bearer_auth(&alice)
                    .json(&json!({ "query": crate::ops::op("SendMessage"), "variables": { "input": {
                        "conversationId": room, "body": format!("m{i}"), "clientId": format!("c{i}") } } }))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(r["data"]["sendMessage"]["userErrors"], json!([]), "{r}");
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.kill(owner);
    tokio::time::sleep(Duration::from_millis(700)).await;
    cluster.nodes[owner] = Some(node(&cluster.dir, cluster.ports[owner]));
    cluster.all_ok().await;
    sender.await.unwrap();
    // One more send after everything is back: its ring reaches the restarted shard.
    a.send(&alice, &room, "m61", "c61").await;

    for i in 1..=61 {
        let ev = tokio::time::timeout(Duration::from_secs(20), ws.event("1"))
            .await
            .unwrap_or_else(|_| panic!("m{i} never arrived"));
        assert_eq!(ev["payload"]["message"]["body"], format!("m{i}"), "in order, none lost");
    }
    assert!(ws.quiet_for(300).await, "nothing doubled");
    assert_eq!(a.scalar("SELECT count(*) AS n FROM messages").await, 62);
    let ready: serde_json::Value = b.http.get(b.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["broker"], true, "{ready}");
}
