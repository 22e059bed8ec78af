//! The `media` command: upload throughput and latency of the release server for
//! a 12 MP JPEG and a ~1 MB Ogg/Opus voice note, with 1 and 8 uploaders at once,
//! the server's peak RSS growth while it processes them, and ImageMagick
//! thumbnailing the same JPEG as the reference.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::gql::{self, create_room, join_room, register_users, BenchUser};
use crate::media_files::{photo_jpeg, voice_note};
use crate::media_report::{render, MediaReport, Scenario};
use crate::search::{load_average, utc_now};
use crate::search_report::Series;
use crate::server::{Database, ServerProc};
use crate::{http, media_ref, procfs};

/// Settings of a media run.
pub struct Options {
    /// The `jeco` binary.
    pub jeco_bin: PathBuf,
    /// PostgreSQL server to create the bench database on.
    pub database_url: String,
    /// Measured JPEG uploads per concurrency.
    pub jpeg_uploads: usize,
    /// Measured voice-note uploads per concurrency.
    pub voice_uploads: usize,
    /// Measured runs of the reference tool (each thread setting).
    pub reference_runs: usize,
    /// ImageMagick, when not found on PATH.
    pub convert: Option<PathBuf>,
    /// Where to write the markdown report.
    pub out: PathBuf,
    /// The command line to print under "Rerun".
    pub rerun: String,
}

/// Uploaders at once, in order.
const CONCURRENCY: [usize; 2] = [1, 8];
/// The photo's size (12 MP, 4:3).
const PHOTO: (u32, u32) = (4000, 3000);
/// The voice note's size in bytes (at least).
const VOICE_BYTES: usize = 1_000_000;
/// How often the sampler reads the server's RSS.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);
/// The upload request, as the web app sends it.
const CREATE_UPLOAD: &str = "mutation($i: CreateUploadInput!){ createUpload(input: $i){ uploadUrl attachment{ id kind byteSize } userErrors{ field code message } } }";

/// One file the bench uploads.
#[derive(Clone)]
struct UploadFile {
    /// Label in the table.
    label: String,
    /// Display name sent to `createUpload`.
    filename: &'static str,
    /// The bytes.
    bytes: Arc<Vec<u8>>,
    /// The `kind` the PUT must answer.
    kind: &'static str,
    /// A voice note (with a waveform).
    voice: bool,
    /// Measured uploads per concurrency.
    uploads: usize,
}

/// Runs the media bench and writes the report.
pub async fn run(opts: Options) -> Result<()> {
    if !opts.jeco_bin.is_file() {
        bail!("--jeco-bin {} does not exist", opts.jeco_bin.display());
    }
    let work_dir = std::env::temp_dir().join(format!("jeco-bench-media-{}", std::process::id()));
    let data_dir = work_dir.join("jeco-data");
    std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let db = Database::create(&opts.database_url, &format!("jeco_bench_media_{}", std::process::id()))?;
    let result = run_in(&opts, &db, &data_dir, &work_dir).await;
    if let Err(e) = db.drop_now() {
        eprintln!("[media] could not drop the bench database: {e:#}");
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("[media] server log kept in {}", work_dir.display());
            return Err(e);
        }
    };
    let _ = std::fs::remove_dir_all(&work_dir);
    let md = render(&report);
    println!("{md}");
    if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&opts.out, md).with_context(|| format!("writing {}", opts.out.display()))?;
    eprintln!("[media] report written to {}", opts.out.display());
    let failed: usize = report.scenarios.iter().map(|s| s.failed).sum();
    if failed > 0 {
        bail!("{failed} upload(s) failed (see the report)");
    }
    Ok(())
}

/// Files, server, scenarios and the reference, against database `db`.
async fn run_in(opts: &Options, db: &Database, data_dir: &Path, work_dir: &Path) -> Result<MediaReport> {
    let mut report = MediaReport { rerun: opts.rerun.clone(), ..MediaReport::default() };
    report.header.push(format!("machine: {}", procfs::machine_summary()));
    report.header.push(format!("date: {}", utc_now()));
    report.header.push(format!("load average at start: {}", load_average()));
    eprintln!("[media] generating the files");
    let started = Instant::now();
    let photo = tokio::task::spawn_blocking(|| photo_jpeg(PHOTO.0, PHOTO.1)).await??;
    let (voice, voice_ms) = voice_note(VOICE_BYTES)?;
    report.header.push(format!(
        "JPEG: {}×{} (12 MP), {} bytes, quality 90, 4:4:4 chroma (the `image` crate's encoder; \
         cameras write 4:2:0, a little less to decode), made by the bench from smooth gradients, \
         texture and per-pixel noise so it compresses like a photo, with an EXIF segment \
         (orientation 1, a GPS tag); generated in {:.1} s",
        PHOTO.0,
        PHOTO.1,
        photo.len(),
        started.elapsed().as_secs_f64()
    ));
    report.header.push(format!(
        "voice note: Ogg/Opus, {} bytes, {:.1} s of audio (the 12 kb/s mono packets of \
         `media/tests/fixtures/opus.ogg` repeated, paged ≤1 s a page with correct granules and CRCs: \
         a valid stream the server sniffs as Ogg/Opus and measures by its last granule)",
        voice.len(),
        voice_ms as f64 / 1000.0
    ));
    let photo_path = work_dir.join("photo.jpg");
    std::fs::write(&photo_path, &photo).with_context(|| format!("writing {}", photo_path.display()))?;
    let files = [
        UploadFile {
            label: "12 MP JPEG".into(),
            filename: "IMG_0001.jpg",
            bytes: Arc::new(photo),
            kind: "IMAGE",
            voice: false,
            uploads: opts.jpeg_uploads,
        },
        UploadFile {
            label: format!("{:.1} MB voice note", voice.len() as f64 / 1e6),
            filename: "voice-note.ogg",
            bytes: Arc::new(voice),
            kind: "AUDIO",
            voice: true,
            uploads: opts.voice_uploads,
        },
    ];
    let mut server = gql::start_jeco(&opts.jeco_bin, &db.url, data_dir, &work_dir.join("jeco.log")).await?;
    let measured = measure(&mut server, &files, &mut report).await;
    let logs = server.stop().await;
    if !logs.is_empty() {
        let first: Vec<String> = logs.iter().take(3).map(|l| l.chars().take(300).collect()).collect();
        report.notes.push(format!(
            "server log: {} line(s) at warn or above; first: {}",
            logs.len(),
            first.join(" ⏎ ")
        ));
    }
    measured?;
    report.notes.extend(stored_summary(db, voice_ms)?);
    match media_ref::find(opts.convert.as_deref())? {
        Some(tool) => {
            eprintln!("[media] reference: {} ({} runs × 3)", tool.version, opts.reference_runs);
            report.reference = Some(media_ref::measure(tool, &photo_path, work_dir, opts.reference_runs)?);
        }
        None => eprintln!("[media] ImageMagick not found; the report will say so"),
    }
    report.header.push(format!(
        "load average at the end: {} (other work on the 2 cores skews every figure)",
        load_average()
    ));
    Ok(report)
}

/// Users, a room, then every file at every concurrency.
async fn measure(server: &mut ServerProc, files: &[UploadFile], report: &mut MediaReport) -> Result<()> {
    let addr = server.addr;
    let uploaders = CONCURRENCY.iter().copied().max().unwrap_or(1);
    let mut users = Vec::new();
    register_users(addr, &mut users, uploaders).await?;
    let owner = users.first().context("no users")?;
    let room = create_room(addr, &owner.token, "media bench").await?;
    join_room(addr, users.get(1..).unwrap_or_default(), &room).await?;
    let idle = procfs::rss_kib(server.pid())?;
    report.header.push(format!(
        "server: release `jeco serve` on loopback, file storage under a temporary directory, \
         JECO_MEDIA_WORKERS default (one per core), upload and write rate limits lifted \
         (JECO_UPLOAD_RATE, JECO_WRITE_RATE = 100000); {uploaders} users in one room, uploader i uploads as \
         user i; idle RSS after setup {:.0} MiB",
        idle as f64 / 1024.0
    ));
    for file in files {
        // One unmeasured upload first: code paths, allocator arenas, the storage directory.
        upload_once(addr, owner, &room, file).await.context("warm-up upload")?;
        for &concurrency in &CONCURRENCY {
            tokio::time::sleep(Duration::from_millis(500)).await;
            server.check_alive()?;
            eprintln!("[media] {} × {concurrency}: {} uploads", file.label, file.uploads);
            let sc = scenario(addr, server.pid(), &users[..concurrency], &room, file, concurrency).await?;
            eprintln!(
                "[media]   {:.1} uploads/s, p50 {:.1} ms, p99 {:.1} ms, {} failed",
                sc.rate(),
                sc.put.ms(50.0).unwrap_or(0.0),
                sc.put.ms(99.0).unwrap_or(0.0),
                sc.failed
            );
            if let Some(e) = &sc.first_error {
                report.notes.push(format!("{} × {concurrency}: first failure: {e}", file.label));
            }
            let create = sc.create.ms(50.0).unwrap_or(0.0);
            report.notes.push(format!(
                "{} × {concurrency}: createUpload p50 {create:.1} ms (not in the PUT latency)",
                file.label
            ));
            report.scenarios.push(sc);
        }
    }
    Ok(())
}

/// `uploads` uploads of `file`, `users.len()` at a time; RSS and CPU of the server around them.
async fn scenario(
    addr: SocketAddr,
    pid: &str,
    users: &[BenchUser],
    room: &str,
    file: &UploadFile,
    concurrency: usize,
) -> Result<Scenario> {
    let rss_before_kib = procfs::rss_kib(pid)?;
    let hwm_reset = procfs::reset_peak_rss(pid).is_ok();
    let ticks = procfs::clock_ticks_per_second();
    let cpu_before = procfs::cpu_seconds(pid, ticks)?;
    let stop = Arc::new(AtomicBool::new(false));
    let sampled_peak = Arc::new(AtomicU64::new(rss_before_kib));
    let sampler = {
        let (stop, peak, pid) = (stop.clone(), sampled_peak.clone(), pid.to_string());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(kib) = procfs::rss_kib(&pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(SAMPLE_EVERY).await;
            }
        })
    };
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = users
        .iter()
        .map(|user| {
            let (next, user, room) = (next.clone(), user.clone(), room.to_string());
            let file = file.clone();
            tokio::spawn(async move {
                let mut results = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < file.uploads {
                    results.push(upload_once(addr, &user, &room, &file).await);
                }
                results
            })
        })
        .collect();
    let mut sc = Scenario { file: file.label.clone(), concurrency, rss_before_kib, ..Scenario::default() };
    let (mut puts, mut creates) = (Vec::new(), Vec::new());
    for task in tasks {
        for result in task.await.context("an uploader panicked")? {
            match result {
                Ok((create_us, put_us)) => {
                    sc.ok += 1;
                    creates.push(create_us);
                    puts.push(put_us);
                }
                Err(e) => {
                    sc.failed += 1;
                    sc.first_error.get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
    }
    sc.wall_s = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    sc.cpu_s = procfs::cpu_seconds(pid, ticks)? - cpu_before;
    let hwm = if hwm_reset { procfs::peak_rss_kib(pid).unwrap_or(0) } else { 0 };
    sc.peak_kib = hwm.max(sampled_peak.load(Ordering::Relaxed));
    sc.rss_after_kib = procfs::rss_kib(pid)?;
    sc.put = Series::new(puts);
    sc.create = Series::new(creates);
    Ok(sc)
}

/// One upload: `createUpload` (timed apart), then the timed PUT. Returns both in µs.
async fn upload_once(
    addr: SocketAddr,
    user: &BenchUser,
    room: &str,
    file: &UploadFile,
) -> Result<(u64, u64)> {
    let mut input = serde_json::json!({
        "purpose": "ATTACHMENT",
        "conversationId": room,
        "filename": file.filename,
        "byteSize": file.bytes.len(),
    });
    if file.voice {
        input["voice"] = true.into();
        input["waveform"] = (0..64).map(|i| (i * 37 % 256) as u8).collect::<Vec<_>>().into();
    }
    let t = Instant::now();
    let data =
        gql::graphql(addr, Some(&user.token), CREATE_UPLOAD, serde_json::json!({ "i": input })).await?;
    let create_us = t.elapsed().as_micros() as u64;
    let payload = &data["createUpload"];
    gql::check_user_errors(payload, "createUpload")?;
    let url = payload["uploadUrl"].as_str().with_context(|| format!("no uploadUrl: {payload}"))?;
    let path = relative(url)?;
    let t = Instant::now();
    let response =
        http::request(addr, "PUT", path, &[("Content-Type", "application/octet-stream")], &file.bytes)
            .await?;
    let put_us = t.elapsed().as_micros() as u64;
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    if response.status != 200 || body["kind"] != file.kind {
        bail!("PUT answered {} {body}", response.status);
    }
    Ok((create_us, put_us))
}

/// The path of an upload URL that may be relative or absolute.
fn relative(url: &str) -> Result<&str> {
    match url.split_once("://") {
        None if url.starts_with('/') => Ok(url),
        Some((_, rest)) => rest.find('/').and_then(|i| rest.get(i..)).context("upload URL without a path"),
        None => bail!("unexpected upload URL {url}"),
    }
}

/// What the server recorded for the uploads (a check that it measured them right).
fn stored_summary(db: &Database, voice_ms: u64) -> Result<Vec<String>> {
    let rows = db.sql(
        "SELECT kind, state, count(*), min(byte_size), max(byte_size), min(width), max(height), \
         count(placeholder), count(thumbnail_type), min(duration_ms), max(duration_ms) \
         FROM attachments GROUP BY kind, state ORDER BY kind, state",
    )?;
    let mut notes = vec![format!("the voice note's expected duration: {voice_ms} ms")];
    for row in rows.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = row.split('|').collect();
        let get = |i: usize| f.get(i).copied().unwrap_or("");
        notes.push(format!(
            "stored: {} uploads of kind {} in state {}; byte size {}–{}; width/height {}/{}; with \
             placeholder {}, with thumbnail {}; duration_ms {}–{}",
            get(2),
            get(0),
            get(1),
            get(3),
            get(4),
            get(5),
            get(6),
            get(7),
            get(8),
            get(9),
            get(10)
        ));
    }
    Ok(notes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn upload_urls_become_paths() {
        assert_eq!(relative("/media/upload/abc").unwrap(), "/media/upload/abc");
        assert_eq!(relative("http://127.0.0.1:1/media/upload/abc?x=1").unwrap(), "/media/upload/abc?x=1");
        assert!(relative("media/upload").is_err());
        assert!(relative("http://host").is_err());
    }
}
