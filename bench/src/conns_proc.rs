//! The coordinator's handle on a `jeco-bench conn-client` child: start it on a plan, ask it
//! a command, read its one-line JSON answer.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::conns_proto::Plan;

/// How long a client may take to answer one command.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// A `jeco-bench conn-client` child.
pub struct ClientProc {
    /// The process (killed when dropped).
    child: Child,
    /// Where commands go.
    pub stdin: ChildStdin,
    /// Where answers come from.
    lines: Lines<BufReader<ChildStdout>>,
    /// Its pid, for /proc.
    pub pid: String,
}

impl ClientProc {
    /// Writes `plan` next to the log and starts a client on it.
    pub fn spawn(exe: &Path, plan: &Plan, work_dir: &Path, name: &str) -> Result<Self> {
        let plan_path = work_dir.join(format!("{name}.json"));
        std::fs::write(&plan_path, serde_json::to_vec(plan)?)?;
        let log = std::fs::File::create(work_dir.join(format!("{name}.log")))?;
        let mut child = Command::new(exe)
            .arg("conn-client")
            .arg("--plan")
            .arg(&plan_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("starting a conn-client")?;
        let pid = child.id().context("client has no pid")?.to_string();
        let stdin = child.stdin.take().context("client stdin")?;
        let stdout = child.stdout.take().context("client stdout")?;
        Ok(ClientProc { child, stdin, lines: BufReader::new(stdout).lines(), pid })
    }

    /// Sends `cmd` and parses the one-line answer.
    pub async fn ask<T: DeserializeOwned>(&mut self, cmd: &str) -> Result<T> {
        let answer = async {
            self.stdin.write_all(format!("{cmd}\n").as_bytes()).await?;
            self.stdin.flush().await?;
            self.lines.next_line().await?.context("the client exited")
        };
        let line = match tokio::time::timeout(ANSWER_TIMEOUT, answer).await {
            Ok(r) => r,
            Err(_) => bail!("the client (pid {}) did not answer `{cmd}` within {ANSWER_TIMEOUT:?}", self.pid),
        };
        let line = line.with_context(|| match self.child.try_wait() {
            Ok(Some(status)) => format!("client pid {} exited ({status})", self.pid),
            _ => format!("client pid {}", self.pid),
        })?;
        serde_json::from_str(&line).with_context(|| format!("client answer {line:?}"))
    }
}
