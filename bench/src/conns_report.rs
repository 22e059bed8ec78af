//! The `connections` bench's report (bench/results/connections.md) and its summary.json keys.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::conns_setup::Kernel;
use crate::conns_side::Figures;
use crate::procfs;
use crate::summary;

/// The run's parameters and setup observations.
pub struct Run {
    /// Connections asked for.
    pub connections: usize,
    /// jeco instances.
    pub instances: usize,
    /// Users holding them.
    pub users: usize,
    /// Rooms.
    pub rooms: usize,
    /// Send rate.
    pub rate: u32,
    /// Send phase length.
    pub seconds: u32,
    /// Open-file limit of every process.
    pub nofile: u64,
    /// Kernel settings.
    pub kernel: Kernel,
    /// Notes from the setup.
    pub notes: Vec<String>,
}

/// Mean KiB per connection over the instances.
fn kib_per_conn(f: &Figures) -> Option<f64> {
    let v: Vec<f64> = f.instances.iter().filter_map(|i| i.kib_per_conn()).collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Connections subscribed per second of opening.
fn setup_rate(f: &Figures) -> Option<f64> {
    (f.open_secs > 0.0).then(|| f.opened as f64 / f.open_secs)
}

/// Servers' idle CPU, % of one core in all.
fn idle_cpu(f: &Figures) -> f64 {
    f.instances.iter().map(|i| i.idle_cpu_pct).sum()
}

/// Idle CPU per 10,000 held connections, % of a core.
fn idle_per_10k(f: &Figures) -> Option<f64> {
    (f.held > 0).then(|| idle_cpu(f) / f.held as f64 * 10_000.0)
}

/// `a`, formatted, or `–`.
fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_else(|| "–".into())
}

/// jeco ÷ baseline.
fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".into(),
    }
}

/// Renders the report and merges the summary keys.
pub fn render(
    run: &Run,
    jeco_bin: &Path,
    jeco: Result<&Figures, &String>,
    baseline: Option<&Result<Figures, String>>,
) -> Result<String> {
    let mut s = String::new();
    let per_instance = run.connections.div_ceil(run.instances);
    let _ = writeln!(s, "# Jeco Chat held connections\n");
    let _ = writeln!(s, "- machine: {}", procfs::machine_summary());
    let _ = writeln!(s, "- date: {}", crate::search::utc_now());
    let _ = writeln!(
        s,
        "- jeco: `{}`, {} instances sharing one PostgreSQL database and Redis; {} connections asked for \
         ({per_instance} per instance), held by {} users (each a member of one of {} rooms: user u is in room \
         u mod {}), connection c as user c mod {}, every one running `conversationEvents(conversationId:)` on its \
         user's room",
        jeco_bin.display(),
        run.instances,
        run.connections,
        run.users,
        run.rooms,
        run.rooms,
        run.users
    );
    let _ = writeln!(
        s,
        "- baseline: `jeco-bench baseline-server` (raw tokio-tungstenite, one broadcast channel per room) with \
         jeco's WebSocket buffers ({} B read, {} B write), holding instance 0's share in the same rooms",
        crate::conns_setup::JECO_READ_BUFFER,
        crate::conns_setup::JECO_WRITE_BUFFER
    );
    let _ = writeln!(
        s,
        "- clients: one `jeco-bench conn-client` process per server, one task per connection, each socket bound \
         to a loopback source address of its own range (127.0.0.2, …)"
    );
    let _ = writeln!(
        s,
        "- send phase: {} msg/s for {} s, message n to room n mod {} (jeco: HTTP `sendMessage` to the instances \
         in turn; baseline: frames on one WebSocket); latency = send time in the body (Unix µs) → receipt in a \
         client\n",
        run.rate, run.seconds, run.rooms
    );
    let _ = writeln!(s, "## Figures\n");
    let _ = writeln!(s, "| | jeco | baseline | jeco ÷ baseline |\n| --- | ---: | ---: | ---: |");
    let j = jeco.ok();
    let b = baseline.and_then(|b| b.as_ref().ok());
    let row = |s: &mut String, name: &str, f: &dyn Fn(&Figures) -> Option<f64>, d: usize| {
        let (a, c) = (j.and_then(f), b.and_then(f));
        let _ = writeln!(s, "| {name} | {} | {} | {} |", num(a, d), num(c, d), ratio(a, c));
    };
    row(&mut s, "connections held and subscribed at the end", &|f| Some(f.held as f64), 0);
    row(
        &mut s,
        "connections per server process",
        &|f| Some(f.held as f64 / f.instances.len().max(1) as f64),
        0,
    );
    row(&mut s, "setup rate, connections/s (box total)", &setup_rate, 0);
    row(&mut s, "**KiB per connection** (server RSS growth ÷ held, mean per process)", &kib_per_conn, 1);
    row(
        &mut s,
        "total server RSS, MiB",
        &|f| Some(f.instances.iter().map(|i| i.rss_after).sum::<u64>() as f64 / 1024.0),
        0,
    );
    row(&mut s, "idle CPU of all servers, % of a core", &|f| Some(idle_cpu(f)), 1);
    row(&mut s, "idle CPU per 10k connections, % of a core", &idle_per_10k, 2);
    row(&mut s, "delivery p50, ms", &|f| f.latency_ms.0, 1);
    row(&mut s, "delivery p99, ms", &|f| f.latency_ms.1, 1);
    row(&mut s, "deliveries (unique)", &|f| Some(f.delivered as f64), 0);
    row(&mut s, "lost", &|f| Some(f.lost as f64), 0);
    row(&mut s, "doubled", &|f| Some(f.doubled as f64), 0);
    row(
        &mut s,
        "client RSS at the end, KiB per connection",
        &|f| (f.opened > 0).then(|| f.client_rss_kib as f64 / f.opened as f64),
        1,
    );
    row(&mut s, "client idle CPU, % of a core", &|f| Some(f.client_idle_cpu_pct), 1);
    for (name, r) in [
        ("jeco", Some(jeco.map(|_| ()).map_err(|e| e.clone()))),
        ("baseline", baseline.map(|b| b.as_ref().map(|_| ()).map_err(|e| e.clone()))),
    ] {
        if let Some(Err(e)) = r {
            let _ = writeln!(s, "\n**{name} FAILED:** {e}");
        }
    }
    for (name, f) in [("jeco", j), ("baseline", b)] {
        let Some(f) = f else { continue };
        let _ = writeln!(s, "\n## {name}: per process\n");
        let _ = writeln!(
            s,
            "| process | planned | held | RSS before MiB | RSS after MiB | KiB/connection | idle CPU % | send-phase CPU s | server's own count (WebSockets / subscriptions) |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for (i, inst) in f.instances.iter().enumerate() {
            let gauges = inst.gauges.map(|(w, g)| format!("{w} / {g}")).unwrap_or_else(|| "–".into());
            let _ = writeln!(
                s,
                "| {i} | {} | {} | {:.1} | {:.1} | {} | {:.1} | {:.2} | {gauges} |",
                inst.planned,
                inst.held,
                inst.rss_before as f64 / 1024.0,
                inst.rss_after as f64 / 1024.0,
                num(inst.kib_per_conn(), 1),
                inst.idle_cpu_pct,
                inst.send_cpu_s
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "- opened {} ({} failed) in {:.1} s; {} saw a warm-up message; {} held and subscribed at the end",
            f.opened, f.failed, f.open_secs, f.warm, f.held
        );
        let acked = f.sent.acked.iter().filter(|a| **a).count();
        let _ = writeln!(
            s,
            "- sent {} messages, {acked} accepted, {} failed{}; expected {} deliveries, {} delivered, {} to the wrong \
             room or of a failed send; the sender fell behind its schedule by up to {:.0} ms",
            f.sent.acked.len(),
            f.sent.errors,
            f.sent.first_errors.first().map(|e| format!(" (first: {e})")).unwrap_or_default(),
            f.expected,
            f.delivered,
            f.misrouted,
            f.sent.max_lateness_us as f64 / 1000.0
        );
        for n in &f.notes {
            let _ = writeln!(s, "- {n}");
        }
    }
    let _ = writeln!(s, "\n## Machine settings\n");
    let _ = writeln!(s, "| setting | value |\n| --- | --- |");
    for (k, v) in &run.kernel.settings {
        let _ = writeln!(s, "| {k} | {v} |");
    }
    let _ = writeln!(s, "\n## Notes\n");
    let _ = writeln!(s, "- open-file limit of the bench and every child: {}", run.nofile);
    for n in &run.notes {
        let _ = writeln!(s, "- {n}");
    }
    summary::update(
        Path::new(summary::PATH),
        &[
            ("kib_per_connection", j.and_then(kib_per_conn)),
            ("baseline_kib_per_connection", b.and_then(kib_per_conn)),
            ("connections_held", j.map(|f| f.held as f64)),
            ("connections_per_instance", j.map(|f| f.held as f64 / f.instances.len().max(1) as f64)),
        ],
    )?;
    Ok(s)
}
