//! The reference tool of the media bench: ImageMagick thumbnailing the same JPEG.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::search_report::Series;

/// ImageMagick, found and described.
pub struct Convert {
    /// The executable (`magick` or `convert`), resolved through symlinks.
    pub path: PathBuf,
    /// First line of `-version`.
    pub version: String,
}

/// Timings of the reference tool.
pub struct Reference {
    /// What ran.
    pub tool: Convert,
    /// The command line, as a reader would type it.
    pub command: String,
    /// Per variant: its label and one wall time (spawn to exit) per run, µs. The first is
    /// the plain command with ImageMagick's default threads.
    pub variants: Vec<(String, Series)>,
    /// Bytes of the thumbnail the plain command wrote.
    pub output_bytes: u64,
}

/// Options placed before the input file, and how the report names them.
const VARIANTS: [(&str, &[&str]); 3] = [
    ("convert (default threads)", &[]),
    ("convert `-limit thread 1` (one core, as jeco gives one upload)", &["-limit", "thread", "1"]),
    (
        "convert `-define jpeg:size=960x960` (libjpeg scales while decoding)",
        &["-define", "jpeg:size=960x960"],
    ),
];

/// True when `path` is an ELF executable (not a shell wrapper standing in for the tool).
fn is_elf(path: &Path) -> bool {
    use std::io::Read as _;
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == *b"\x7fELF"
}

/// `explicit`, or the first real (ELF) `magick` or `convert` on `PATH`; `None` when
/// ImageMagick is not installed.
pub fn find(explicit: Option<&Path>) -> Result<Option<Convert>> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
            ["magick", "convert"].iter().flat_map(|name| dirs.iter().map(move |d| d.join(name))).collect()
        }
    };
    for candidate in candidates {
        let Ok(real) = std::fs::canonicalize(&candidate) else { continue };
        if !is_elf(&real) {
            if explicit.is_some() {
                bail!("--convert {} is not an executable binary", candidate.display());
            }
            continue;
        }
        let out = std::process::Command::new(&real)
            .arg("-version")
            .output()
            .with_context(|| format!("running {} -version", real.display()))?;
        let version = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").trim().to_string();
        if version.contains("ImageMagick") {
            return Ok(Some(Convert { path: real, version }));
        }
    }
    Ok(None)
}

/// Runs `convert [OPTIONS] IN -thumbnail 480x480 OUT` `runs` times for each of
/// [`VARIANTS`], after one unmeasured run.
pub fn measure(tool: Convert, input: &Path, work_dir: &Path, runs: usize) -> Result<Reference> {
    let output = work_dir.join("reference-thumb.jpg");
    let time = |options: &[&str]| -> Result<u64> {
        let mut cmd = std::process::Command::new(&tool.path);
        cmd.args(options).arg(input).args(["-thumbnail", "480x480"]).arg(&output);
        let started = Instant::now();
        let out = cmd.output().with_context(|| format!("running {}", tool.path.display()))?;
        let us = started.elapsed().as_micros() as u64;
        if !out.status.success() {
            bail!("{} failed: {}", tool.path.display(), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(us)
    };
    time(&[])?;
    let output_bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
    let mut variants = Vec::new();
    for (label, options) in VARIANTS {
        let samples = (0..runs).map(|_| time(options)).collect::<Result<Vec<_>>>()?;
        variants.push((label.to_string(), Series::new(samples)));
    }
    let name = tool.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Reference {
        command: format!("{name} photo.jpg -thumbnail 480x480 thumb.jpg"),
        tool,
        variants,
        output_bytes,
    })
}
