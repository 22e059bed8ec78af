//! The standard `process_*` series (resident memory, CPU time, open files),
//! read from `/proc/self` on Linux and left out elsewhere.

use std::fmt::Write;

/// Appends the process series that can be read here.
pub fn render(out: &mut String) {
    // statm: sizes in pages; the second field is the resident set.
    let page = 4096u64;
    if let Some(rss) = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
    {
        let _ = write!(
            out,
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
             # TYPE process_resident_memory_bytes gauge\n\
             process_resident_memory_bytes {}\n",
            rss * page
        );
    }
    // stat: utime and stime (fields 14 and 15) in clock ticks, counted after the
    // command name's closing parenthesis, which may itself hold spaces.
    if let Some(ticks) = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| {
        let rest = s.rsplit_once(')')?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
    }) {
        // USER_HZ is 100 on every Linux architecture the server is built for.
        let _ = write!(
            out,
            "# HELP process_cpu_seconds_total User and system CPU time spent in seconds.\n\
             # TYPE process_cpu_seconds_total counter\n\
             process_cpu_seconds_total {}\n",
            ticks as f64 / 100.0
        );
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        let _ = write!(
            out,
            "# HELP process_open_fds Number of open file descriptors.\n\
             # TYPE process_open_fds gauge\n\
             process_open_fds {}\n",
            fds.count()
        );
    }
}
