//! The media bench's figures and its markdown report.

use std::fmt::Write as _;

use crate::media_ref::Reference;
use crate::search_report::Series;

/// The figures of one file at one concurrency.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// `12 MP JPEG` or `1 MB voice note`.
    pub file: String,
    /// Uploaders working at once.
    pub concurrency: usize,
    /// Uploads answered 200.
    pub ok: usize,
    /// Uploads that failed (createUpload error, non-200 PUT, timeout).
    pub failed: usize,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// Seconds from the scenario's start to its last answer.
    pub wall_s: f64,
    /// PUT start → 200, µs.
    pub put: Series,
    /// `createUpload` round trips, µs.
    pub create: Series,
    /// Server RSS just before, KiB.
    pub rss_before_kib: u64,
    /// Server peak RSS during the scenario (`VmHWM` after a reset, or sampled), KiB.
    pub peak_kib: u64,
    /// Server RSS once the last upload answered, KiB.
    pub rss_after_kib: u64,
    /// Server CPU seconds (user + system) over the scenario.
    pub cpu_s: f64,
}

impl Scenario {
    /// Completed uploads per second.
    pub fn rate(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.ok as f64 / self.wall_s
        } else {
            0.0
        }
    }
}

/// Everything the report shows.
#[derive(Default)]
pub struct MediaReport {
    /// Lines under the title (machine, date, files, settings).
    pub header: Vec<String>,
    /// One entry per file × concurrency.
    pub scenarios: Vec<Scenario>,
    /// ImageMagick on the same JPEG, when installed.
    pub reference: Option<Reference>,
    /// Observations printed under the table.
    pub notes: Vec<String>,
    /// How the run was started (for "how to rerun").
    pub rerun: String,
}

/// `v` with `decimals` places, `–` when absent.
fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "–".into(),
    }
}

/// KiB as MiB with one decimal.
fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The markdown table (also pasted into the README).
pub fn table(scenarios: &[Scenario]) -> String {
    let mut s = String::from(
        "| scenario | uploads | uploads/s | p50 ms | p99 ms | peak RSS growth MiB | RSS before → after MiB | server CPU ms / upload |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for sc in scenarios {
        let failed = if sc.failed > 0 { format!(" (+{} failed)", sc.failed) } else { String::new() };
        let cpu = (sc.ok > 0).then(|| sc.cpu_s * 1000.0 / sc.ok as f64);
        let _ = writeln!(
            s,
            "| {} × {} uploader{} | {}{failed} | {:.1} | {} | {} | {:.1} | {:.0} → {:.0} | {} |",
            sc.file,
            sc.concurrency,
            if sc.concurrency == 1 { "" } else { "s" },
            sc.ok,
            sc.rate(),
            num(sc.put.ms(50.0), 1),
            num(sc.put.ms(99.0), 1),
            mib(sc.peak_kib.saturating_sub(sc.rss_before_kib)),
            mib(sc.rss_before_kib),
            mib(sc.rss_after_kib),
            num(cpu, 0),
        );
    }
    s
}

/// jeco's single-uploader JPEG PUT p50 (ms) and its ratio to each reference variant's p50.
pub fn ratios(r: &MediaReport) -> Option<(f64, Vec<f64>)> {
    let jeco = r.scenarios.iter().find(|s| s.file.contains("JPEG") && s.concurrency == 1)?.put.ms(50.0)?;
    let reference = r.reference.as_ref()?;
    let ratios: Option<Vec<f64>> =
        reference.variants.iter().map(|(_, runs)| runs.ms(50.0).map(|p50| jeco / p50)).collect();
    Some((jeco, ratios?))
}

/// Renders the report as markdown.
pub fn render(r: &MediaReport) -> String {
    let mut s = String::from("# Jeco Chat media upload bench\n\n");
    for line in &r.header {
        let _ = writeln!(s, "- {line}");
    }
    s.push('\n');
    s.push_str(&table(&r.scenarios));
    s.push_str(
        "\nLatency is PUT start (TCP connect) → the `200` JSON, i.e. receiving the bytes, sniffing, \
         metadata strip, decode, thumbnail, placeholder, storing every variant and the database \
         update; `createUpload` is called before each PUT and is not in it (but is in uploads/s, \
         which is answered uploads ÷ the scenario's wall time). Peak RSS growth is the server's \
         `VmHWM` (reset through `/proc/PID/clear_refs` before the scenario, cross-checked by \
         sampling `VmRSS` every 5 ms) minus its RSS just before.\n\n",
    );
    s.push_str("## Reference: ImageMagick on the same JPEG\n\n");
    match &r.reference {
        Some(reference) => {
            let _ = writeln!(
                s,
                "`{}` ({}, `{}`), run {} times one after another with the server stopped, wall time \
                 per process (start-up included); then with the options below placed before the \
                 input file. Thumbnail written: {} bytes.\n",
                reference.command,
                reference.tool.version,
                reference.tool.path.display(),
                reference.variants.first().map_or(0, |(_, runs)| runs.0.len()),
                reference.output_bytes,
            );
            s.push_str(
                "| reference | p50 ms | p99 ms | jeco PUT p50 ÷ its p50 |\n| --- | ---: | ---: | ---: |\n",
            );
            let (jeco, ratios) = ratios(r).unwrap_or_default();
            for (i, (label, runs)) in reference.variants.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "| {label} | {} | {} | {} |",
                    num(runs.ms(50.0), 1),
                    num(runs.ms(99.0), 1),
                    num(ratios.get(i).copied(), 2)
                );
            }
            if let Some(plain) = ratios.first() {
                let _ = writeln!(
                    s,
                    "\n**jeco PUT p50 ÷ convert p50 = {plain:.2}** (jeco {jeco:.1} ms, one uploader, \
                     against the plain command). jeco's figure includes receiving the upload, sniffing, \
                     metadata strip, decode, thumbnail, placeholder and storing the original and the \
                     thumbnail; convert's only reading the file, decoding, resizing and writing the \
                     thumbnail (plus process start-up)."
                );
            }
        }
        None => s.push_str(
            "ImageMagick was not found (no ELF `magick` or `convert` on PATH): install it with \
             `apt-get install imagemagick`, or pass `--convert PATH`.\n",
        ),
    }
    if !r.notes.is_empty() {
        s.push_str("\n## Notes\n\n");
        for note in &r.notes {
            let _ = writeln!(s, "- {note}");
        }
    }
    let _ = writeln!(s, "\n## Rerun\n\n`{}`", r.rerun);
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_and_ratio() {
        let sc = Scenario {
            file: "12 MP JPEG".into(),
            concurrency: 1,
            ok: 10,
            failed: 1,
            wall_s: 4.0,
            put: Series::new(vec![300_000, 310_000, 320_000]),
            rss_before_kib: 40 * 1024,
            peak_kib: 100 * 1024,
            rss_after_kib: 50 * 1024,
            cpu_s: 3.0,
            ..Scenario::default()
        };
        let t = table(std::slice::from_ref(&sc));
        assert!(
            t.contains(
                "| 12 MP JPEG × 1 uploader | 10 (+1 failed) | 2.5 | 310.0 | 320.0 | 60.0 | 40 → 50 | 300 |"
            ),
            "{t}"
        );
        let r = MediaReport { scenarios: vec![sc], ..MediaReport::default() };
        assert!(ratios(&r).is_none());
        assert!(render(&r).contains("ImageMagick was not found"));
    }
}
