//! Reading process CPU time and memory from Linux `/proc`, and describing the machine.

use anyhow::{bail, Context, Result};

/// User + system CPU time in clock ticks, from the text of `/proc/PID/stat`.
///
/// The command name (field 2) is in parentheses and may itself contain spaces and
/// parentheses, so fields are counted from the last `)`.
pub fn parse_stat_ticks(stat: &str) -> Result<u64> {
    let close = stat.rfind(')').context("no ')' in /proc stat")?;
    let rest = stat.get(close + 1..).context("truncated /proc stat")?;
    // After ')': field 3 (state) is index 0, so utime (14) is index 11, stime (15) index 12.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("no utime in /proc stat")?.parse().context("bad utime")?;
    let stime: u64 = fields.get(12).context("no stime in /proc stat")?.parse().context("bad stime")?;
    Ok(utime + stime)
}

/// Resident set size in KiB, from the text of `/proc/PID/status` (`VmRSS:` line).
pub fn parse_status_rss_kib(status: &str) -> Result<u64> {
    parse_status_kib(status, "VmRSS")
}

/// A `Name:   123 kB` field of the text of `/proc/PID/status`, in KiB.
pub fn parse_status_kib(status: &str, field: &str) -> Result<u64> {
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix(field).and_then(|r| r.strip_prefix(':')) {
            let mut parts = rest.split_whitespace();
            let value: u64 =
                parts.next().with_context(|| format!("empty {field}"))?.parse().context("bad value")?;
            return match parts.next() {
                Some("kB") | None => Ok(value),
                Some(unit) => bail!("unexpected {field} unit {unit}"),
            };
        }
    }
    bail!("no {field} line (process gone or a kernel thread?)")
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`, 100 when that fails).
pub fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t: &u64| t > 0)
        .unwrap_or(100)
}

/// CPU seconds (user + system, all threads) used so far by process `pid` ("self" works too).
pub fn cpu_seconds(pid: &str, ticks_per_second: u64) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    Ok(parse_stat_ticks(&stat)? as f64 / ticks_per_second as f64)
}

/// Current resident set size of process `pid` in KiB.
pub fn rss_kib(pid: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    parse_status_rss_kib(&status)
}

/// Peak resident set size (`VmHWM`) of process `pid` in KiB, since it started or
/// since the last [`reset_peak_rss`].
pub fn peak_rss_kib(pid: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    parse_status_kib(&status, "VmHWM")
}

/// Resets process `pid`'s `VmHWM` to its current RSS (`5` into `/proc/PID/clear_refs`,
/// Linux 4.0+; needs to own the process).
pub fn reset_peak_rss(pid: &str) -> Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .with_context(|| format!("writing /proc/{pid}/clear_refs"))
}

/// Busy clock ticks of all CPUs together (everything but idle and iowait), from the text
/// of `/proc/stat`.
pub fn parse_proc_stat_busy(stat: &str) -> Result<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu ")).context("no aggregate cpu line in /proc/stat")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().context("bad /proc/stat field"))
        .collect::<Result<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    Ok(total.saturating_sub(idle))
}

/// Busy CPU seconds of the whole machine so far.
pub fn machine_busy_seconds(ticks_per_second: u64) -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    Ok(parse_proc_stat_busy(&stat)? as f64 / ticks_per_second as f64)
}

/// First `model name` in the text of `/proc/cpuinfo`.
pub fn parse_cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_string())
    })
}

/// `MemTotal` in KiB from the text of `/proc/meminfo`.
pub fn parse_mem_total_kib(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| line.strip_prefix("MemTotal:")?.split_whitespace().next()?.parse().ok())
}

/// One line describing this machine: cores, CPU model and total memory.
pub fn machine_summary() -> String {
    let cores =
        std::thread::available_parallelism().map(|n| n.get().to_string()).unwrap_or_else(|_| "?".into());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| parse_cpu_model(&s))
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| parse_mem_total_kib(&s))
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "? GiB".into());
    format!("{cores} cores (nproc), {model}, {mem} RAM")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stat_ticks_sum_utime_and_stime() {
        let stat = "4242 (jeco) S 1 4242 4242 0 -1 4194560 1200 0 0 0 150 25 0 0 20 0 9 0 \
                    123456 987654321 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(parse_stat_ticks(stat).unwrap(), 175);
    }

    #[test]
    fn stat_ticks_survive_odd_command_names() {
        let stat = "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 1 1";
        assert_eq!(parse_stat_ticks(stat).unwrap(), 7);
    }

    #[test]
    fn stat_ticks_reject_garbage() {
        assert!(parse_stat_ticks("no parens here").is_err());
        assert!(parse_stat_ticks("1 (x) S 1 2").is_err());
    }

    #[test]
    fn status_rss() {
        let status = "Name:\tjeco\nVmPeak:\t  999 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(parse_status_rss_kib(status).unwrap(), 12345);
        assert!(parse_status_rss_kib("Name:\tkthreadd\n").is_err());
        let status = "VmHWM:\t  800 kB\nVmRSS:\t  500 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM").unwrap(), 800);
        assert_eq!(parse_status_kib(status, "VmRSS").unwrap(), 500);
        assert!(parse_status_kib(status, "VmHW").is_err());
    }

    #[test]
    fn machine_busy_ticks() {
        let stat = "cpu  100 5 50 1000 20 1 2 3 0 0\ncpu0 50 2 25 500 10 0 1 1 0 0\nintr 1\n";
        assert_eq!(parse_proc_stat_busy(stat).unwrap(), 161);
        assert!(parse_proc_stat_busy("intr 1\n").is_err());
        assert!(machine_busy_seconds(clock_ticks_per_second()).unwrap() > 0.0);
    }

    #[test]
    fn cpuinfo_and_meminfo() {
        let cpuinfo =
            "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(parse_cpu_model(cpuinfo).as_deref(), Some("Intel(R) Xeon(R) CPU @ 2.20GHz"));
        assert_eq!(parse_mem_total_kib("MemTotal:       25165824 kB\nMemFree: 1 kB\n"), Some(25165824));
    }

    #[test]
    fn self_is_readable() {
        assert!(rss_kib("self").unwrap() > 0);
        reset_peak_rss("self").unwrap();
        assert!(peak_rss_kib("self").unwrap() > 0);
        assert!(cpu_seconds("self", clock_ticks_per_second()).unwrap() >= 0.0);
    }
}
