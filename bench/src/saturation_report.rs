//! The saturation ramp's figures (what a step measured, which steps count as sustained, the
//! ceilings and ratios) and its markdown report and SVG chart. Pure: no I/O.

use std::fmt::Write as _;

use crate::chart::{self, Chart, HLine, Series};
use crate::measure::CpuSplit;
use crate::stats::{fmt_opt, ratio};

/// A step counts as sustained when at least this share of the offered deliveries arrived.
pub const MIN_DELIVERED_SHARE: f64 = 0.95;

/// The probe sender's round trips during one phase.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// sendMessage HTTP round trip, median, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Sends that succeeded.
    pub ok: usize,
    /// Sends that failed.
    pub failed: u64,
}

/// What one step of the ramp measured.
#[derive(Debug, Clone, Default)]
pub struct Step {
    /// Offered messages per second into the big room.
    pub rate: u32,
    /// Offered deliveries per second (rate × members).
    pub offered_per_s: f64,
    /// Unique deliveries ÷ the delivery window.
    pub delivered_per_s: f64,
    /// Send → receipt latency, median, ms.
    pub p50_ms: Option<f64>,
    /// Send → receipt latency, 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Server CPU per delivered event, µs.
    pub cpu_us_per_event: Option<f64>,
    /// CPU spent during the step (send + drain).
    pub cpu: CpuSplit,
    /// Length of the send + drain phase, s.
    pub phase_s: f64,
    /// The probe, when one ran.
    pub probe: Option<Probe>,
    /// Observations (losses, failures, a sender behind schedule).
    pub notes: Vec<String>,
}

impl Step {
    /// Delivered ÷ offered.
    pub fn share(&self) -> f64 {
        if self.offered_per_s > 0.0 {
            self.delivered_per_s / self.offered_per_s
        } else {
            0.0
        }
    }

    /// Whether the server kept up: enough deliveries and p99 within the bound.
    pub fn sustained(&self, p99_bound_ms: f64) -> bool {
        self.share() >= MIN_DELIVERED_SHARE && self.p99_ms.is_some_and(|p| p <= p99_bound_ms)
    }
}

/// One server's ramp.
#[derive(Debug, Clone, Default)]
pub struct Ramp {
    /// Server name for the report.
    pub name: String,
    /// The steps in order.
    pub steps: Vec<Step>,
    /// Why the ramp stopped.
    pub stop: String,
    /// The probe with the big room idle (jeco only).
    pub idle_probe: Option<Probe>,
    /// Setup and whole-run observations.
    pub notes: Vec<String>,
}

/// The run's parameters, for the report header.
pub struct Params {
    /// Room size.
    pub members: usize,
    /// Send phase per step, s.
    pub step_seconds: u64,
    /// Drain timeout per step, s.
    pub drain_seconds: u64,
    /// The rates offered, msg/s.
    pub rates: Vec<u32>,
    /// The p99 bound, ms.
    pub p99_bound_ms: f64,
    /// Probe messages per second.
    pub probe_rate: u32,
    /// How the processes were prioritised (see `nice`).
    pub priorities: String,
    /// The jeco binary.
    pub jeco_bin: String,
    /// `procfs::machine_summary()`.
    pub machine: String,
    /// When.
    pub date: String,
    /// A `--quick` smoke run (said in the title).
    pub quick: bool,
}

/// The step with the highest delivered rate among the sustained ones (the ceiling).
pub fn ceiling(steps: &[Step], p99_bound_ms: f64) -> Option<&Step> {
    steps
        .iter()
        .filter(|s| s.sustained(p99_bound_ms))
        .max_by(|a, b| a.delivered_per_s.total_cmp(&b.delivered_per_s))
}

/// The highest offered rate at which both ramps sustained their step, with both steps.
pub fn common_rate<'a>(a: &'a [Step], b: &'a [Step], p99_bound_ms: f64) -> Option<(&'a Step, &'a Step)> {
    a.iter()
        .filter(|s| s.sustained(p99_bound_ms))
        .filter_map(|sa| {
            b.iter().find(|sb| sb.rate == sa.rate && sb.sustained(p99_bound_ms)).map(|sb| (sa, sb))
        })
        .max_by_key(|(sa, _)| sa.rate)
}

/// The step that ended the ramp: its last (unsustained twice in a row, or the last rate when the
/// ramp never saturated).
pub fn saturating_step(steps: &[Step]) -> Option<&Step> {
    steps.last()
}

/// The three headline figures.
#[derive(Debug, Default, Clone, Copy)]
pub struct Figures {
    /// jeco ceiling ÷ baseline ceiling.
    pub saturation_ratio: Option<f64>,
    /// jeco CPU/event ÷ baseline CPU/event at `cpu_rate`.
    pub cpu_per_event_ratio: Option<f64>,
    /// The offered msg/s that ratio was taken at.
    pub cpu_rate: Option<u32>,
    /// Probe p99 during jeco's saturating step ÷ probe p99 with the big room idle.
    pub send_p99_ratio_under_fanout: Option<f64>,
}

/// Computes the headline figures from both ramps.
pub fn figures(baseline: Option<&Ramp>, jeco: Option<&Ramp>, bound: f64) -> Figures {
    let (Some(b), Some(j)) = (baseline, jeco) else {
        return Figures { send_p99_ratio_under_fanout: jeco.and_then(probe_ratio), ..Figures::default() };
    };
    let common = common_rate(&j.steps, &b.steps, bound);
    Figures {
        saturation_ratio: ratio(
            ceiling(&j.steps, bound).map(|s| s.delivered_per_s),
            ceiling(&b.steps, bound).map(|s| s.delivered_per_s),
        ),
        cpu_per_event_ratio: common.and_then(|(sj, sb)| ratio(sj.cpu_us_per_event, sb.cpu_us_per_event)),
        cpu_rate: common.map(|(sj, _)| sj.rate),
        send_p99_ratio_under_fanout: probe_ratio(j),
    }
}

/// Probe p99 at the saturating step ÷ idle probe p99.
fn probe_ratio(j: &Ramp) -> Option<f64> {
    let busy = saturating_step(&j.steps)?.probe.as_ref()?.p99_ms;
    ratio(busy, j.idle_probe.as_ref()?.p99_ms)
}

/// `p50 / p99` of a probe.
fn probe_cell(p: Option<&Probe>) -> String {
    match p {
        Some(p) => format!("{} / {}", fmt_opt(p.p50_ms, 1), fmt_opt(p.p99_ms, 1)),
        None => "–".into(),
    }
}

/// How many sends a probe figure rests on.
fn probe_sends(p: Option<&Probe>) -> String {
    p.map(|p| format!("{} sends", p.ok)).unwrap_or_else(|| "no sends".into())
}

/// The markdown table and notes of one ramp.
fn ramp_section(s: &mut String, outcome: &Result<Ramp, String>, name: &str, bound: f64) {
    let _ = writeln!(s, "## {name}\n");
    let r = match outcome {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(s, "failed: {}\n", e.replace('\n', " "));
            return;
        }
    };
    s.push_str(
        "| msg/s | offered deliveries/s | delivered deliveries/s | delivered ÷ offered | p50 ms | p99 ms | \
         CPU µs / delivered event | CPU s server / bench / other of available | probe p50 / p99 ms | sustained |\n",
    );
    s.push_str("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n");
    for st in &r.steps {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {:.0} | {:.3} | {} | {} | {} | {:.2} / {:.2} / {:.2} of {:.1} | {} | {} |",
            st.rate,
            st.offered_per_s,
            st.delivered_per_s,
            st.share(),
            fmt_opt(st.p50_ms, 2),
            fmt_opt(st.p99_ms, 2),
            fmt_opt(st.cpu_us_per_event, 1),
            st.cpu.server,
            st.cpu.bench,
            st.cpu.other,
            st.phase_s * std::thread::available_parallelism().map_or(1.0, |c| c.get() as f64),
            probe_cell(st.probe.as_ref()),
            if st.sustained(bound) { "yes" } else { "**no**" },
        );
    }
    let ceil = ceiling(&r.steps, bound);
    let _ = writeln!(
        s,
        "\n- ceiling: {} deliveries/s{}",
        fmt_opt(ceil.map(|c| c.delivered_per_s), 0),
        ceil.map(|c| format!(" (at {} msg/s offered)", c.rate)).unwrap_or_default()
    );
    let _ = writeln!(s, "- ramp stopped: {}", r.stop);
    if let Some(p) = &r.idle_probe {
        let _ = writeln!(
            s,
            "- probe with the big room idle: p50 {} ms, p99 {} ms ({} sends, {} failed)",
            fmt_opt(p.p50_ms, 2),
            fmt_opt(p.p99_ms, 2),
            p.ok,
            p.failed
        );
    }
    for note in &r.notes {
        let _ = writeln!(s, "- {note}");
    }
    for st in &r.steps {
        for note in &st.notes {
            let _ = writeln!(s, "- {} msg/s: {note}", st.rate);
        }
    }
    s.push('\n');
}

/// The whole markdown report.
pub fn render_markdown(p: &Params, baseline: &Result<Ramp, String>, jeco: &Result<Ramp, String>) -> String {
    let bound = p.p99_bound_ms;
    let f = figures(baseline.as_ref().ok(), jeco.as_ref().ok(), bound);
    let rates: Vec<String> = p.rates.iter().map(u32::to_string).collect();
    let mut s = format!(
        "# Jeco Chat fan-out saturation{}\n\n\
         - machine: {}\n- date: {}\n\
         - one room of {} subscribed members; offered rates {} msg/s ({} s each, drain timeout {} s), \
         until delivered ÷ offered < {MIN_DELIVERED_SHARE} or p99 > {bound} ms\n\
         - jeco: `{}` (HTTP `sendMessage` → `conversationEvents` subscribers); probe: {} msg/s `sendMessage` \
         into a second room of one member with no subscribers, its own HTTP client on its own thread\n\
         - baseline: `jeco-bench baseline-server` (raw tokio-tungstenite + tokio broadcast), same receivers\n\
         - priorities during a ramp: {}\n\
         - delivered deliveries/s = unique deliveries ÷ max(send schedule, first → last receipt); CPU = server \
         user+system during send + drain ÷ deliveries (jeco's includes the probe's sends); CPU s server / bench / \
         other = CPU seconds the server, the bench client and everything else (PostgreSQL, other processes) used \
         during the step, of cores × step length available; chart: `saturation.svg`\n\n",
        if p.quick { " (--quick smoke run)" } else { "" },
        p.machine,
        p.date,
        p.members,
        rates.join(", "),
        p.step_seconds,
        p.drain_seconds,
        p.jeco_bin,
        p.probe_rate,
        p.priorities,
    );
    s.push_str("## Figures\n\n| figure | value |\n| --- | ---: |\n");
    let mut row = |name: String, v: Option<f64>, d: usize| {
        let _ = writeln!(s, "| {name} | {} |", fmt_opt(v, d));
    };
    row("saturation_ratio (jeco ceiling ÷ baseline ceiling)".into(), f.saturation_ratio, 3);
    let at = f
        .cpu_rate
        .map(|r| format!("at {r} msg/s, the highest rate both sustained"))
        .unwrap_or_else(|| "no rate both sustained".into());
    row(format!("cpu_per_event_ratio (jeco ÷ baseline, {at})"), f.cpu_per_event_ratio, 2);
    row(
        "send_p99_ratio_under_fanout (probe p99 in jeco's saturating step ÷ idle)".into(),
        f.send_p99_ratio_under_fanout,
        2,
    );
    if let Ok(j) = jeco {
        let busy = saturating_step(&j.steps);
        let _ = writeln!(
            s,
            "\nProbe p50 / p99: idle {} ms ({}); during jeco's saturating step ({} msg/s) {} ms ({}). \
             With fewer than 100 sends a p99 is the slowest send.\n",
            probe_cell(j.idle_probe.as_ref()),
            probe_sends(j.idle_probe.as_ref()),
            busy.map(|b| b.rate.to_string()).unwrap_or_else(|| "–".into()),
            probe_cell(busy.and_then(|b| b.probe.as_ref())),
            probe_sends(busy.and_then(|b| b.probe.as_ref()))
        );
    } else {
        s.push('\n');
    }
    ramp_section(&mut s, baseline, "baseline (raw tungstenite)", bound);
    ramp_section(&mut s, jeco, "jeco", bound);
    s
}

/// The chart: p99 (solid) and p50 (dashed) against offered deliveries/s for both servers.
pub fn render_svg(baseline: Option<&Ramp>, jeco: Option<&Ramp>, p: &Params) -> String {
    let mut series = Vec::new();
    for (ramp, color) in [(baseline, "#1f77b4"), (jeco, "#d62728")] {
        let Some(r) = ramp else { continue };
        for (pct, dashed) in [("p99", false), ("p50", true)] {
            let points = r
                .steps
                .iter()
                .filter_map(|s| {
                    let y = if dashed { s.p50_ms } else { s.p99_ms };
                    y.map(|y| (s.offered_per_s, y))
                })
                .collect();
            series.push(Series { label: format!("{} {pct}", r.name), color, dashed, points });
        }
    }
    let title = format!("Fan-out latency vs offered load, {} members", p.members);
    chart::render(&Chart {
        title: &title,
        x_label: "offered deliveries / s",
        y_label: "send → receipt latency, ms",
        series: &series,
        hlines: &[HLine { y: p.p99_bound_ms, label: format!("p99 bound {} ms", p.p99_bound_ms) }],
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn step(rate: u32, offered: f64, delivered: f64, p99: f64, cpu: f64) -> Step {
        Step {
            rate,
            offered_per_s: offered,
            delivered_per_s: delivered,
            p50_ms: Some(p99 / 4.0),
            p99_ms: Some(p99),
            cpu_us_per_event: Some(cpu),
            ..Step::default()
        }
    }

    #[test]
    fn ceiling_is_the_best_sustained_step() {
        let steps = vec![
            step(10, 1000.0, 1000.0, 5.0, 10.0),
            step(15, 1500.0, 1490.0, 8.0, 9.0),
            step(22, 2200.0, 2100.0, 30.0, 9.0),   // 0.955: still sustained
            step(33, 3300.0, 3000.0, 40.0, 9.0),   // 0.91: not
            step(50, 5000.0, 4900.0, 1500.0, 9.0), // p99 over the bound
        ];
        assert_eq!(ceiling(&steps, 1000.0).unwrap().rate, 22);
        assert_eq!(saturating_step(&steps).unwrap().rate, 50);
        assert_eq!(ceiling(&steps, 20.0).unwrap().rate, 15);
        assert!(ceiling(&[], 1000.0).is_none());
        let mut no_latency = step(10, 1000.0, 1000.0, 1.0, 1.0);
        no_latency.p99_ms = None;
        assert!(!no_latency.sustained(1000.0), "a step with no deliveries is not sustained");
    }

    #[test]
    fn figures_use_the_highest_common_rate() {
        let base = Ramp {
            name: "b".into(),
            steps: vec![
                step(10, 1e3, 1e3, 1.0, 2.0),
                step(15, 1.5e3, 1.5e3, 1.0, 1.0),
                step(22, 2.2e3, 2.2e3, 2.0, 1.0),
            ],
            ..Ramp::default()
        };
        let mut jeco = Ramp {
            name: "j".into(),
            steps: vec![
                step(10, 1e3, 1e3, 5.0, 8.0),
                step(15, 1.5e3, 1.5e3, 9.0, 5.0),
                step(22, 2.2e3, 1e3, 2e3, 4.0),
            ],
            idle_probe: Some(Probe { p99_ms: Some(2.0), ..Probe::default() }),
            ..Ramp::default()
        };
        if let Some(s) = jeco.steps.get_mut(2) {
            s.probe = Some(Probe { p99_ms: Some(9.0), ..Probe::default() });
        }
        let f = figures(Some(&base), Some(&jeco), 1000.0);
        assert_eq!(f.cpu_rate, Some(15));
        assert!((f.cpu_per_event_ratio.unwrap() - 5.0).abs() < 1e-9);
        assert!((f.saturation_ratio.unwrap() - 1500.0 / 2200.0).abs() < 1e-9);
        assert!((f.send_p99_ratio_under_fanout.unwrap() - 4.5).abs() < 1e-9);
    }
}
