//! Child server processes (jeco and the baseline) and the throwaway PostgreSQL database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::http;

/// A free loopback port (bound, read, released; a small race is acceptable here).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A server running as a child process, its stdout and stderr going to a log file.
pub struct ServerProc {
    /// Label for messages.
    name: String,
    /// The process.
    child: Child,
    /// Its pid, for /proc.
    pid: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its log file.
    log_path: PathBuf,
}

impl ServerProc {
    /// Starts `program args` with extra environment `envs`.
    pub fn spawn(
        name: &str,
        program: &Path,
        args: &[&str],
        envs: &[(&str, String)],
        addr: SocketAddr,
        log_path: &Path,
    ) -> Result<Self> {
        let log =
            std::fs::File::create(log_path).with_context(|| format!("creating {}", log_path.display()))?;
        let child = Command::new(program)
            .args(args)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let pid = child.id().context("child has no pid")?.to_string();
        Ok(Self { name: name.to_string(), child, pid, addr, log_path: log_path.to_path_buf() })
    }

    /// The process id as used in /proc paths.
    pub fn pid(&self) -> &str {
        &self.pid
    }

    /// Fails when the process has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("{} exited ({status}); log tail:\n{}", self.name, self.log_tail(20));
        }
        Ok(())
    }

    /// Waits until `GET readyz_path` answers 200 (or, without a path, until TCP connects).
    pub async fn wait_ready(&mut self, readyz_path: Option<&str>, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last = String::from("no answer yet");
        while Instant::now() < deadline {
            self.check_alive()?;
            match readyz_path {
                Some(path) => match http::request(self.addr, "GET", path, &[], b"").await {
                    Ok(r) if r.status == 200 => return Ok(()),
                    Ok(r) => last = format!("HTTP {}", r.status),
                    Err(e) => last = format!("{e:#}"),
                },
                None => match TcpStream::connect(self.addr).await {
                    Ok(_) => return Ok(()),
                    Err(e) => last = e.to_string(),
                },
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "{} not ready at {} within {timeout:?} (last: {last}); log tail:\n{}",
            self.name,
            self.addr,
            self.log_tail(20)
        )
    }

    /// The last `n` log lines.
    pub fn log_tail(&self, n: usize) -> String {
        let lines = read_log(&self.log_path);
        let skip = lines.len().saturating_sub(n);
        lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    }

    /// Stops the process (SIGTERM, then SIGKILL after 5 s) and returns its log lines
    /// other than the `listening on` line.
    pub async fn stop(mut self) -> Vec<String> {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.pid])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await;
            if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_err() {
                let _ = self.child.start_kill();
                let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
            }
        }
        read_log(&self.log_path)
            .into_iter()
            .filter(|l| !l.contains("listening on") && !l.trim().is_empty())
            .collect()
    }
}

/// One note summing up a server's log lines at warn level or above (`None` when there are none).
pub fn log_summary(lines: &[String]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let first: Vec<String> = lines.iter().take(3).map(|l| l.chars().take(300).collect()).collect();
    Some(format!("server log: {} line(s) at warn level or above; first: {}", lines.len(), first.join(" ⏎ ")))
}

/// A log file's lines with ANSI colour codes removed.
fn read_log(path: &Path) -> Vec<String> {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).lines().map(strip_ansi).collect())
        .unwrap_or_default()
}

/// Removes ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a PostgreSQL URL into the part before the database path and the `?query` (if any).
pub fn split_pg_url(url: &str) -> Result<(String, String)> {
    let scheme_end = url.find("://").context("DATABASE_URL has no scheme")? + 3;
    let after = url.get(scheme_end..).context("bad URL")?;
    let (authority, rest) = match after.find(['/', '?']) {
        Some(i) => (after.get(..i).unwrap_or(after), after.get(i..).unwrap_or("")),
        None => (after, ""),
    };
    if authority.is_empty() {
        bail!("DATABASE_URL has no host: {url}");
    }
    let query = rest.find('?').and_then(|i| rest.get(i..)).unwrap_or("");
    Ok((format!("{}{authority}", url.get(..scheme_end).unwrap_or("")), query.to_string()))
}

/// A database created for this run and dropped at the end.
pub struct Database {
    /// URL of the `postgres` maintenance database on the same server.
    admin_url: String,
    /// The database's name.
    name: String,
    /// URL of the database for the server.
    pub url: String,
}

impl Database {
    /// Creates database `name` on the server `base_url` points at (with `psql`).
    pub fn create(base_url: &str, name: &str) -> Result<Self> {
        let (base, query) = split_pg_url(base_url)?;
        let db = Self {
            admin_url: format!("{base}/postgres{query}"),
            name: name.to_string(),
            url: format!("{base}/{name}{query}"),
        };
        db.psql(&format!("CREATE DATABASE \"{name}\""))?;
        Ok(db)
    }

    /// Drops the database (disconnecting whoever is left).
    pub fn drop_now(&self) -> Result<()> {
        self.psql(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
    }

    /// Runs an SQL script (fed on stdin) against this database; returns psql's unaligned,
    /// tuples-only output.
    pub fn sql(&self, script: &str) -> Result<String> {
        use std::io::Write as _;
        let mut child = std::process::Command::new("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", &self.url, "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("running psql (is the PostgreSQL client installed?)")?;
        let mut stdin = child.stdin.take().context("psql stdin")?;
        let script_owned = script.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(script_owned.as_bytes()));
        let out = child.wait_with_output().context("waiting for psql")?;
        writer.join().map_err(|_| anyhow::anyhow!("psql stdin writer panicked"))??;
        if !out.status.success() {
            let head: String = script.chars().take(200).collect();
            bail!("psql script `{head}…` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs one SQL statement against the maintenance database.
    fn psql(&self, sql: &str) -> Result<()> {
        let out = std::process::Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.admin_url, "-c", sql])
            .output()
            .context("running psql (is the PostgreSQL client installed?)")?;
        if !out.status.success() {
            bail!("psql `{sql}` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pg_url_split() {
        let (b, q) = split_pg_url("postgres://postgres@127.0.0.1:5432").unwrap();
        assert_eq!((b.as_str(), q.as_str()), ("postgres://postgres@127.0.0.1:5432", ""));
        let (b, q) = split_pg_url("postgresql://u:p@h:1/jeco?sslmode=disable").unwrap();
        assert_eq!((b.as_str(), q.as_str()), ("postgresql://u:p@h:1", "?sslmode=disable"));
        let (b, _) = split_pg_url("postgres://h/").unwrap();
        assert_eq!(b, "postgres://h");
        assert!(split_pg_url("localhost:5432").is_err());
    }

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(strip_ansi("\u{1b}[2m2024\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m x"), "2024  WARN x");
    }
}
