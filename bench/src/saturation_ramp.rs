//! The saturation ramp on a running server: warm-up and the idle probe, then steps of rising
//! offered rate, each measured with the receivers that the previous step handed back, with the
//! probe sender on a thread of its own.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::{oneshot, watch};

use crate::load::{self, Shared, Ws};
use crate::measure::{rtt_note, CpuSnapshot, Tally};
use crate::saturation_report::{Probe, Ramp, Step, MIN_DELIVERED_SHARE};
use crate::sender::{HttpSender, MessageSender, SendOutcome};
use crate::server::ServerProc;
use crate::stats::{fmt_opt, percentile};
use crate::{nice, procfs};

/// Longest a server's ramp may run; the step list bounds it too, this bounds the worst case.
const RAMP_LIMIT: Duration = Duration::from_secs(20 * 60);
/// Pause between steps, so that one step's stragglers do not start the next.
const STEP_PAUSE: Duration = Duration::from_millis(500);

/// How the ramp steps.
pub struct Pace {
    /// The offered rates, in order.
    pub rates: Vec<u32>,
    /// A step with a p99 above this (ms) ends the ramp.
    pub p99_bound_ms: f64,
    /// Send phase per step, s.
    pub step_seconds: u64,
    /// Drain timeout per step.
    pub drain: Duration,
    /// Probe sendMessages per second.
    pub probe_rate: u32,
}

/// The offered rates: `start`, then × `factor` each step (rounded, always rising), up to `max`.
pub fn rates(start: u32, factor: f64, max: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut r = f64::from(start.max(1));
    while r <= f64::from(max) && out.len() < 64 {
        let rate = (r.round() as u32).max(out.last().map_or(0, |l| l + 1));
        if rate > max {
            break;
        }
        out.push(rate);
        r *= factor;
    }
    out
}

/// What a ramp drives: the subscribed receivers (handed back after every step), the sender and
/// the probe.
pub struct Rig {
    /// Subscribed receiver connections.
    pub receivers: Vec<Ws>,
    /// The big room's sender.
    pub sender: MessageSender,
    /// The probe's sender (jeco only).
    pub probe: Option<HttpSender>,
    /// The clock every step's bodies are stamped against.
    pub clock: Instant,
    /// Sequence number of the next step's first message.
    pub next_seq: u64,
    /// Unique tag for clientIds.
    pub tag: String,
    /// Run the server at [`nice::FANOUT_NICE`] too (the baseline: all of it is fan-out).
    pub renice_server: bool,
}

/// Counters for one phase whose messages are numbered `first_seq..first_seq + total`.
pub fn phase(clock: Instant, total: usize, first_seq: u64) -> Arc<Shared> {
    Arc::new(Shared {
        start: clock,
        received: AtomicU64::new(0),
        warm: AtomicUsize::new(0),
        total,
        first_seq,
    })
}

/// Warms up, measures the idle probe, then steps the rate up until the server stops keeping up.
pub async fn ramp(server: &mut ServerProc, mut rig: Rig, name: &str, cfg: &Pace) -> Result<Ramp> {
    // Priorities: see `nice`. Lowered for the ramp only, so servers start at nice 0.
    let _lowered = nice::Lowered::bench();
    if rig.renice_server && nice::available() {
        let pid = server.pid().parse().context("server pid")?;
        nice::renice_process(pid, nice::FANOUT_NICE)?;
    }
    let n = rig.receivers.len();
    let warm = phase(rig.clock, 0, 0);
    let (stop_tx, stop_rx) = watch::channel(false);
    let handles: Vec<_> =
        rig.receivers.drain(..).map(|ws| load::spawn_receiver(ws, warm.clone(), stop_rx.clone())).collect();
    server.check_alive()?;
    rig.sender.warm_up(&warm, n, &rig.tag).await?;
    tokio::time::sleep(STEP_PAUSE).await;
    // The idle probe runs with every receiver connected and reading, the big room silent.
    let idle_probe = match rig.probe.clone() {
        Some(p) => {
            Some(spawn_probe(p, cfg.probe_rate, cfg.step_seconds, format!("{}-pidle", rig.tag))?.await??)
        }
        None => None,
    };
    let _ = stop_tx.send(true);
    for h in handles {
        rig.receivers.push(h.await.context("receiver task panicked")?.0);
    }

    let deadline = Instant::now() + RAMP_LIMIT;
    let mut out = Ramp { name: name.into(), idle_probe, ..Ramp::default() };
    let pid = server.pid().to_string();
    out.stop = format!("reached --max-rate ({} msg/s)", cfg.rates.last().copied().unwrap_or(0));
    let mut i = 0;
    let mut retried = None;
    while let Some(&rate) = cfg.rates.get(i) {
        if Instant::now() > deadline {
            out.stop = format!("time limit ({} s) before {rate} msg/s", RAMP_LIMIT.as_secs());
            break;
        }
        if let Err(e) = server.check_alive() {
            out.stop = format!("server gone before {rate} msg/s: {e:#}");
            break;
        }
        eprintln!("[saturation] {name}: {rate} msg/s × {n} ...");
        // After a failed step the server gets longer to clear its backlog.
        let pause = if retried == Some(rate) { STEP_PAUSE * 4 } else { STEP_PAUSE };
        let mut st = match step(&pid, &mut rig, rate, out.steps.len(), pause, cfg).await {
            Ok(st) => st,
            Err(e) => {
                out.stop = format!("the step at {rate} msg/s failed: {e:#}");
                break;
            }
        };
        eprintln!(
            "[saturation] {name}: {rate} msg/s: delivered {:.0}/s of {:.0}/s, p50 {} ms, p99 {} ms",
            st.delivered_per_s,
            st.offered_per_s,
            fmt_opt(st.p50_ms, 2),
            fmt_opt(st.p99_ms, 2)
        );
        if st.sustained(cfg.p99_bound_ms) {
            out.steps.push(st);
            i += 1;
            continue;
        }
        // One latency spike (another process on the cores) should not end the ramp: a step
        // that fails is measured once more, and only a second failure stops.
        if retried != Some(rate) {
            retried = Some(rate);
            st.notes.push("not sustained; measured once more at the same rate".into());
            out.steps.push(st);
            continue;
        }
        out.stop = format!(
            "at {rate} msg/s, twice: delivered ÷ offered {:.3} (needs ≥ {MIN_DELIVERED_SHARE}), p99 {} ms (bound {} ms)",
            st.share(),
            fmt_opt(st.p99_ms, 1),
            cfg.p99_bound_ms
        );
        out.steps.push(st);
        break;
    }
    Ok(out)
}

/// One step: a `pause` with the receivers already reading (an earlier step's stragglers are
/// counted apart), then `rate` msg/s for `step_seconds` with the probe alongside, then the drain.
async fn step(pid: &str, rig: &mut Rig, rate: u32, k: usize, pause: Duration, cfg: &Pace) -> Result<Step> {
    let n = rig.receivers.len();
    let total = rate as usize * cfg.step_seconds as usize;
    let shared = phase(rig.clock, total, rig.next_seq);
    rig.next_seq += total as u64;
    let (stop_tx, stop_rx) = watch::channel(false);
    let handles: Vec<_> =
        rig.receivers.drain(..).map(|ws| load::spawn_receiver(ws, shared.clone(), stop_rx.clone())).collect();
    tokio::time::sleep(pause).await;
    let replays0 = match rig.probe.as_ref() {
        Some(p) => Some(replays(p.addr).await?),
        None => None,
    };
    let ticks = procfs::clock_ticks_per_second();
    let cpu0 = CpuSnapshot::take(pid, ticks)?;
    let t = Instant::now();
    let probe = match rig.probe.clone() {
        Some(p) => Some(spawn_probe(p, cfg.probe_rate, cfg.step_seconds, format!("{}-p{k}", rig.tag))?),
        None => None,
    };
    let sent = rig.sender.run(&shared, rate, &rig.tag).await;
    let accepted = sent.acked.iter().filter(|a| **a).count();
    let target = (n * accepted) as u64;
    let drain_deadline = Instant::now() + cfg.drain;
    while shared.received.load(Ordering::Relaxed) < target && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu = CpuSnapshot::take(pid, ticks)?.since(&cpu0);
    let phase_s = t.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);
    let mut tally = Tally::default();
    for h in handles {
        let (ws, stats) = h.await.context("receiver task panicked")?;
        rig.receivers.push(ws);
        tally.add(stats, &sent.acked);
    }
    tally.finish();
    let probe = match probe {
        Some(rx) => Some(rx.await.context("probe thread ended without a result")??),
        None => None,
    };

    let delivered = tally.latencies_us.len();
    // The delivery window is at least the send schedule, so that a step whose deliveries keep
    // pace is not credited with more than it was offered.
    let schedule_s = total as f64 / f64::from(rate);
    let window_s = tally
        .first_recv_us
        .map(|first| tally.last_recv_us.saturating_sub(first) as f64 / 1e6)
        .unwrap_or(0.0)
        .max(schedule_s);
    let mut notes = send_notes(&sent, total, target, delivered, &tally);
    tally.notes(&mut notes);
    if let Some(p) = probe.as_ref().filter(|p| p.failed > 0) {
        notes.push(format!("probe: {} of {} sends failed", p.failed, p.failed as usize + p.ok));
    }
    if let (Some((lags0, window0)), Some(p)) = (replays0, rig.probe.as_ref()) {
        let (lags, window) = replays(p.addr).await?;
        let (lags, window) = (lags.saturating_sub(lags0), window.saturating_sub(window0));
        notes.push(format!(
            "subscribers fell behind their live buffer {lags} times: {window} replays from the in-memory window, {} from PostgreSQL",
            lags.saturating_sub(window)
        ));
    }
    Ok(Step {
        rate,
        offered_per_s: f64::from(rate) * n as f64,
        delivered_per_s: delivered as f64 / window_s,
        p50_ms: tally.latency_ms(50.0),
        p99_ms: tally.latency_ms(99.0),
        cpu_us_per_event: (delivered > 0).then(|| cpu.server * 1e6 / delivered as f64),
        cpu,
        phase_s,
        probe,
        notes,
    })
}

/// Notes on the send side of a step: failures, losses, a sender behind schedule.
fn send_notes(sent: &SendOutcome, total: usize, target: u64, delivered: usize, tally: &Tally) -> Vec<String> {
    let mut notes = Vec::new();
    if sent.errors > 0 {
        notes.push(format!(
            "{} of {total} sends failed; first: {}",
            sent.errors,
            sent.first_errors.join(" ⏎ ")
        ));
    }
    if tally.lost > 0 {
        notes.push(format!("{delivered} of {target} expected deliveries arrived within the drain"));
    }
    if tally.stale > 0 {
        notes.push(format!("{} late deliveries of the previous step's messages", tally.stale));
    }
    if tally.doubled > 0 {
        notes.push(format!("{} repeated deliveries", tally.doubled));
    }
    if sent.max_lateness_us > 50_000 {
        notes.push(format!(
            "the sender fell behind its schedule by up to {:.0} ms",
            sent.max_lateness_us as f64 / 1000.0
        ));
    }
    notes.extend(rtt_note(&sent.rtt_us));
    notes
}

/// Runs the probe (`rate` sendMessages per second for `seconds`, open loop) on a thread of its
/// own with its own runtime, so that the receivers' work in the bench's runtime does not delay
/// its clock; the result arrives on the returned channel.
fn spawn_probe(
    sender: HttpSender,
    rate: u32,
    seconds: u64,
    tag: String,
) -> Result<oneshot::Receiver<Result<Probe>>> {
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("probe".into())
        .spawn(move || {
            // A client of jeco's request path, at its priority (see `nice`).
            if nice::available() {
                if let Err(e) = nice::renice_this_thread(0) {
                    eprintln!("[saturation] probe keeps the bench's priority: {e:#}");
                }
            }
            let result = tokio::runtime::Builder::new_current_thread().enable_all().build().map(|rt| {
                rt.block_on(async {
                    let shared = phase(Instant::now(), rate as usize * seconds as usize, 0);
                    MessageSender::Http(sender).run(&shared, rate, &tag).await
                })
            });
            let _ = tx.send(result.map(probe_figures).context("starting the probe's runtime"));
        })
        .context("starting the probe thread")?;
    Ok(rx)
}

/// The probe's figures from its send outcome.
fn probe_figures(out: SendOutcome) -> Probe {
    let mut rtt = out.rtt_us;
    rtt.sort_unstable();
    let ms = |p| percentile(&rtt, p).map(|us| us as f64 / 1000.0);
    Probe { p50_ms: ms(50.0), p99_ms: ms(99.0), ok: rtt.len(), failed: out.errors }
}

/// jeco's counts of subscribers that fell behind their live buffer, and of replays answered from
/// a conversation's window (`GET /metrics`; window replays also count replays at subscribe, and
/// none happen during a step).
async fn replays(addr: std::net::SocketAddr) -> Result<(u64, u64)> {
    let v = crate::conns_setup::metric_values(
        addr,
        &["jeco_log_fallbacks_total", "jeco_log_window_replays_total"],
    )
    .await?;
    Ok((v[0] as u64, v[1] as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_rise_geometrically_up_to_the_max() {
        assert_eq!(rates(10, 1.5, 120), vec![10, 15, 23, 34, 51, 76, 114]);
        assert_eq!(rates(1, 1.1, 4), vec![1, 2, 3, 4], "rounding never repeats a rate");
        assert_eq!(rates(10, 2.0, 10), vec![10]);
        assert_eq!(rates(10, 1.5, 5000).len(), 16);
    }
}
