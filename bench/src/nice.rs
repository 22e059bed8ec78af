//! Scheduling priorities for `saturation`. The bench's receivers stand in for clients on other
//! machines, yet here they share two cores with the server. jeco runs its WebSocket fan-out at
//! nice 10 (`JECO_FANOUT_NICE`), so that sends never queue behind deliveries. With the receivers
//! at nice 0, jeco's fan-out would lose the CPU to its own load generator, and the baseline's
//! would not. So during a ramp the bench's threads run at [`FANOUT_NICE`] and so does the whole
//! baseline server. Both fan-outs then meet their receivers as equals. jeco's request path,
//! PostgreSQL and the probe stay at nice 0.

use anyhow::{Context, Result};
use rustix::process::{setpriority_process, Pid};

/// The priority of both servers' fan-out and of the bench's receivers during a ramp.
pub const FANOUT_NICE: i32 = 10;

/// Whether priorities can be set back up (lowering a nice value needs root), so a ramp can
/// lower the bench's and restore it afterwards.
pub fn available() -> bool {
    rustix::process::geteuid().is_root()
}

/// Sets every current thread of process `pid` to `nice`; threads started later inherit the
/// priority of the thread that starts them.
pub fn renice_process(pid: u32, nice: i32) -> Result<()> {
    let dir = format!("/proc/{pid}/task");
    for entry in std::fs::read_dir(&dir).with_context(|| format!("listing {dir}"))? {
        let name = entry?.file_name();
        let tid = name.to_string_lossy().parse::<i32>().ok().and_then(Pid::from_raw);
        let Some(tid) = tid else { continue };
        // A thread that ended since the listing is not an error.
        match setpriority_process(Some(tid), nice) {
            Ok(()) | Err(rustix::io::Errno::SRCH) => {}
            Err(e) => return Err(e).with_context(|| format!("setpriority({tid:?}, {nice})")),
        }
    }
    Ok(())
}

/// Sets the calling thread to `nice`.
pub fn renice_this_thread(nice: i32) -> Result<()> {
    setpriority_process(Some(rustix::thread::gettid()), nice).context("setpriority")
}

/// The bench at [`FANOUT_NICE`] for as long as it lives; back to nice 0 when dropped.
pub struct Lowered(bool);

impl Lowered {
    /// Lowers this process's threads (when [`available`]; else does nothing).
    pub fn bench() -> Self {
        if !available() {
            return Lowered(false);
        }
        match renice_process(std::process::id(), FANOUT_NICE) {
            Ok(()) => Lowered(true),
            Err(e) => {
                eprintln!("[saturation] bench keeps its priority: {e:#}");
                Lowered(false)
            }
        }
    }
}

impl Drop for Lowered {
    fn drop(&mut self) {
        if self.0 {
            if let Err(e) = renice_process(std::process::id(), 0) {
                eprintln!("[saturation] could not restore the bench's priority: {e:#}");
            }
        }
    }
}
