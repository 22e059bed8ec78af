//! The fan-out runtime. WebSocket connections (their subscriptions, each
//! event's resolution and the writes) run on threads of their own, at a lower
//! CPU priority (`nice` [`NICE`]) than request handling. When fan-out
//! saturates the CPU, the kernel still runs a `sendMessage` or a query first,
//! so its round trip keeps its latency; fan-out takes what is left, and a
//! subscriber that falls behind replays from the log (nothing is lost).
//! Nothing a request needs may live here: database connections are opened on
//! the request runtime even when a subscriber asks for one (`crate::pool`),
//! and connections use a pool of their own (`AppState::for_fanout`), so
//! subscribers replaying a burst never hold the connections a send needs.
//!
//! `JECO_FANOUT_THREADS` sets the thread count (default: the number of cores);
//! `0` runs connections on the main runtime, as one runtime with no priorities.
//! `JECO_FANOUT_NICE` sets the priority (default [`NICE`]; `0`: the same as
//! request handling, only on threads of its own). The runtime is per process:
//! the first server started in it settles both (tests start many).

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

/// How much lower the fan-out threads' priority is by default (Linux
/// per-thread nice; 10 gives them about a tenth of a core's weight next to a
/// busy request thread).
pub const NICE: i32 = 10;

static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();

/// Threads of the fan-out runtime, from `JECO_FANOUT_THREADS`.
fn threads() -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    match std::env::var("JECO_FANOUT_THREADS") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            tracing::warn!("JECO_FANOUT_THREADS={v:?} is not a number; using {cores}");
            cores
        }),
        Err(_) => cores,
    }
}

/// The fan-out priority, from `JECO_FANOUT_NICE` (0..=19).
fn nice() -> i32 {
    match std::env::var("JECO_FANOUT_NICE") {
        Ok(v) => v.trim().parse::<i32>().map(|n| n.clamp(0, 19)).unwrap_or_else(|_| {
            tracing::warn!("JECO_FANOUT_NICE={v:?} is not a number; using {NICE}");
            NICE
        }),
        Err(_) => NICE,
    }
}

fn runtime() -> Option<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            let n = threads();
            if n == 0 {
                return None;
            }
            let nice = nice();
            let built = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
                .thread_name("jeco-fanout")
                .on_thread_start(move || lower_priority(nice))
                .enable_all()
                .build();
            match built {
                Ok(rt) => Some(rt),
                Err(e) => {
                    tracing::warn!("no fan-out runtime ({e}); connections share the main one");
                    None
                }
            }
        })
        .as_ref()
}

/// Runs a connection's future on the fan-out runtime (or here without one).
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match runtime() {
        Some(rt) => rt.spawn(future),
        None => tokio::spawn(future),
    }
}

/// Lowers the calling thread's priority (on Linux `setpriority` with the
/// thread id applies to that thread only).
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), nice) {
        tracing::debug!("fan-out thread keeps its priority: {e}");
    }
}
