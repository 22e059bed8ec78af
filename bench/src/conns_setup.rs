//! Setting up the `connections` bench: the limits it depends on (open files, kernel
//! settings), the jeco instances, and the users and rooms the connections subscribe as.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::gql::{create_room, join_room, register_users, BenchUser};
use crate::http;
use crate::server::{Database, ServerProc};

/// The most open files any one process may hold on this machine (a hard rule here).
pub const MAX_FILES: u64 = 20_000;
/// The most connections one process (server or client) is asked to hold: the rest of
/// [`MAX_FILES`] is left for the database pool, Redis, logs and listeners.
pub const MAX_PER_PROCESS: usize = 18_000;

/// jeco's WebSocket read buffer (`READ_BUFFER` in api/src/ws.rs), given to the baseline too.
pub const JECO_READ_BUFFER: usize = 1024;
/// jeco's WebSocket write buffer (api/src/ws.rs: every frame is written at once).
pub const JECO_WRITE_BUFFER: usize = 0;

/// Kernel settings the bench depends on, as read from /proc/sys.
pub struct Kernel {
    /// `name = value` lines for the report.
    pub settings: Vec<(String, String)>,
    /// Ephemeral ports per source address (`ip_local_port_range`).
    pub ports_per_source: usize,
}

/// Reads the kernel settings and raises the open-file limit (inherited by the children)
/// as far as [`MAX_FILES`]; fails when it stays too low for `per_process` connections.
pub fn check_limits(per_process: usize) -> Result<(Kernel, u64)> {
    let read = |name: &str| {
        let path = format!("/proc/sys/{}", name.replace('.', "/"));
        std::fs::read_to_string(path).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let mut settings = Vec::new();
    for name in [
        "net.ipv4.ip_local_port_range",
        "net.core.somaxconn",
        "net.ipv4.tcp_max_syn_backlog",
        "net.ipv4.tcp_tw_reuse",
        "net.ipv4.tcp_mem",
        "net.netfilter.nf_conntrack_max",
        "net.netfilter.nf_conntrack_count",
        "fs.file-max",
        "fs.nr_open",
    ] {
        let value = read(name).unwrap_or_else(|_| "(absent)".into());
        settings.push((name.to_string(), value));
    }
    let range = read("net.ipv4.ip_local_port_range").context("reading ip_local_port_range")?;
    let bounds: Vec<usize> = range.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    let ports_per_source = match bounds.as_slice() {
        [lo, hi] if hi > lo => hi - lo + 1,
        _ => bail!("unexpected ip_local_port_range {range:?}"),
    };
    let soft = rlimit::increase_nofile_limit(MAX_FILES).context("raising the open-file limit")?;
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).context("reading the open-file limit")?;
    settings.push(("RLIMIT_NOFILE (soft/hard, after raising)".into(), format!("{soft} / {hard}")));
    if soft < per_process as u64 + 1_000 {
        bail!(
            "the open-file limit is {soft}: too low for {per_process} connections per process \
             (use more --instances, or raise it up to {MAX_FILES})"
        );
    }
    Ok((Kernel { settings, ports_per_source }, soft))
}

/// Loopback source addresses: 127.0.0.2, 127.0.0.3, … (127.0.0.1 is left to everyone else).
pub struct Sources {
    /// The next one to hand out (offset from 127.0.0.0).
    next: u32,
    /// Connections per address.
    per_source: usize,
}

impl Sources {
    /// Hands out addresses for at most `per_source` connections each.
    pub fn new(per_source: usize) -> Self {
        Sources { next: 2, per_source: per_source.max(1) }
    }

    /// Enough addresses for `connections`.
    pub fn take(&mut self, connections: usize) -> Result<Vec<String>> {
        let n = connections.div_ceil(self.per_source).max(1);
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            if self.next >= 0x00ff_ffff {
                bail!("out of loopback source addresses");
            }
            let ip = std::net::Ipv4Addr::from(0x7f00_0000 | self.next);
            out.push(ip.to_string());
            self.next += 1;
            // Skip .0 and .255 of each /24: some tools treat them specially.
            while matches!(self.next & 0xff, 0 | 255) {
                self.next += 1;
            }
        }
        Ok(out)
    }
}

/// Starts `jeco serve` on a fresh loopback port for the bench: rate limits and the per-user
/// and per-address WebSocket caps lifted (a few hundred users hold all the connections,
/// from a few addresses), tokens valid for a day (the run must not outlive them), fan-out
/// between instances through `redis`.
pub async fn start_jeco(
    bin: &Path,
    db_url: &str,
    redis: &str,
    data_dir: &Path,
    log: &Path,
) -> Result<ServerProc> {
    let lifted = "1000000".to_string();
    let extra = [
        ("REDIS_URL", redis.to_string()),
        ("JECO_SEND_RATE", lifted.clone()),
        ("JECO_AUTH_RATE", lifted.clone()),
        ("JECO_IP_RATE", lifted.clone()),
        ("JECO_WRITE_RATE", lifted.clone()),
        ("JECO_WS_PER_IP", lifted.clone()),
        ("JECO_WS_PER_USER", lifted),
        ("JECO_ACCESS_TTL_SECS", "86400".to_string()),
        // Six instances must fit PostgreSQL's default 100 connections.
        ("JECO_DB_POOL", JECO_POOL.to_string()),
    ];
    crate::gql::start_jeco_with(bin, db_url, data_dir, log, &extra).await
}

/// Registers `users` users and makes `rooms` public rooms: user `r` creates room `r`, every
/// other user `u` joins room `u % rooms`, so each user is a member of exactly one room.
/// Returns the users and the room ids.
pub async fn users_and_rooms(
    addr: SocketAddr,
    users: usize,
    rooms: usize,
) -> Result<(Vec<BenchUser>, Vec<String>)> {
    let mut registered = Vec::new();
    register_users(addr, &mut registered, users).await?;
    let mut ids = Vec::with_capacity(rooms);
    for (r, owner) in registered.iter().take(rooms).enumerate() {
        ids.push(create_room(addr, &owner.token, &format!("conns room {r}")).await?);
    }
    for (r, id) in ids.iter().enumerate() {
        let members: Vec<BenchUser> = registered
            .iter()
            .enumerate()
            .skip(rooms)
            .filter(|(u, _)| u % rooms == r)
            .map(|(_, m)| m.clone())
            .collect();
        join_room(addr, &members, id).await.with_context(|| format!("joining room {r}"))?;
    }
    Ok((registered, ids))
}

/// jeco's database pool size for this bench (`JECO_DB_POOL`). Under a burst of new connections
/// every instance fills it.
pub const JECO_POOL: usize = 12;

/// Fails when `instances` full pools and the backends already open would exceed PostgreSQL's
/// `max_connections`: jeco then gets `too many clients`, and closes WebSockets whose session
/// check failed with 4403. Returns a note for the report.
pub fn check_pg_capacity(db: &Database, instances: usize) -> Result<String> {
    let out = db.sql("SHOW max_connections; SELECT count(*) FROM pg_stat_activity;")?;
    let mut values = out.split_whitespace().filter_map(|v| v.parse::<usize>().ok());
    let (Some(max), Some(open)) = (values.next(), values.next()) else {
        bail!("could not read max_connections: {out:?}");
    };
    let needed = instances * JECO_POOL;
    if needed + open > max {
        bail!(
            "{instances} jeco instances fill {needed} PostgreSQL connections ({JECO_POOL} each), and {open} are \
             open already, but max_connections is {max}: raise it (ALTER SYSTEM SET max_connections = {}, then \
             restart PostgreSQL) or use fewer --instances",
            (needed + open + 50).next_multiple_of(50)
        );
    }
    Ok(format!(
        "PostgreSQL max_connections {max}; {open} backends open before the run, {instances} instances × {JECO_POOL} \
         pooled connections"
    ))
}

/// Backends PostgreSQL has open on the database of `db_url` (all instances' pools together).
pub fn pg_backends(db_url: &str) -> Result<u64> {
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()";
    let out =
        std::process::Command::new("psql").args(["-X", "-A", "-t", "-d", db_url, "-c", sql]).output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// jeco's own count of open WebSockets and running subscriptions (`GET /metrics`).
pub async fn server_counts(addr: SocketAddr) -> Result<(i64, i64)> {
    let v = metric_values(addr, &["jeco_websocket_connections", "jeco_subscriptions"]).await?;
    Ok((v[0] as i64, v[1] as i64))
}

/// Reads samples of unlabelled series from jeco's `/metrics`, in the order asked.
pub async fn metric_values(addr: SocketAddr, names: &[&str]) -> Result<Vec<f64>> {
    let resp = http::request(addr, "GET", "/metrics", &[], b"").await?;
    let text = String::from_utf8_lossy(&resp.body);
    names
        .iter()
        .map(|name| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse::<f64>().ok())
                .with_context(|| format!("no {name} in /metrics (HTTP {})", resp.status))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sources_skip_network_and_broadcast() {
        let mut s = Sources::new(10);
        assert_eq!(s.take(25).unwrap(), vec!["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
        let mut s = Sources { next: 253, per_source: 1 };
        assert_eq!(s.take(3).unwrap(), vec!["127.0.0.253", "127.0.0.254", "127.0.1.1"]);
    }
}
