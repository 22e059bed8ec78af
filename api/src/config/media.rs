//! Media settings, each with a `JECO_*` variable (documented in the README).

use std::time::Duration;

use anyhow::bail;

/// Upload, processing and serving limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// Where files go: `file:///abs/dir` or `s3://bucket/prefix`
    /// (`JECO_STORAGE`); `None` = `$JECO_DATA_DIR/media`.
    pub storage: Option<String>,
    /// Largest file accepted (`JECO_MAX_UPLOAD_BYTES`, default 25 MiB).
    pub max_upload_bytes: u64,
    /// Largest image, in pixels, checked from its header before decoding
    /// (`JECO_MAX_IMAGE_PIXELS`, default 50 MP).
    pub max_image_pixels: u64,
    /// How long a signed file URL works (`JECO_MEDIA_URL_TTL_S`, default 10 minutes).
    pub url_ttl: Duration,
    /// How long a signed upload URL works (15 minutes).
    pub upload_ttl: Duration,
    /// `createUpload` per user per minute (`JECO_UPLOAD_RATE`, default 30).
    pub upload_rate: u32,
    /// Files processed at once (`JECO_MEDIA_WORKERS`, default: the core count).
    pub workers: usize,
    /// How long a fetch may trust an earlier "may read" answer
    /// (`JECO_MEDIA_ACCESS_CACHE_MS`, at most and by default 5 s).
    pub access_cache: Duration,
    /// Uploads never sent are removed after this long (`JECO_UNUSED_UPLOAD_TTL_S`, default 24 h).
    pub unused_ttl: Duration,
    /// How often the sweeper deletes unused uploads and orphaned files
    /// (`JECO_MEDIA_SWEEP_MS`, default 30 s).
    pub sweep_every: Duration,
}

/// Attachments per message.
pub const MAX_PER_MESSAGE: usize = 10;

/// Voice-note waveform values.
pub const MAX_WAVEFORM: usize = 256;

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            storage: None,
            max_upload_bytes: 25 * 1024 * 1024,
            max_image_pixels: 50_000_000,
            url_ttl: Duration::from_secs(600),
            upload_ttl: Duration::from_secs(900),
            upload_rate: 30,
            workers: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            access_cache: Duration::from_secs(5),
            unused_ttl: Duration::from_secs(24 * 3600),
            sweep_every: Duration::from_secs(30),
        }
    }
}

impl MediaConfig {
    /// Reads the settings from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let d = MediaConfig::default();
        let num = |name: &str, default: u64| -> anyhow::Result<u64> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => {
                    v.trim().parse().map_err(|e| anyhow::anyhow!("{name}={v:?} is not valid: {e}"))
                }
                _ => Ok(default),
            }
        };
        let storage = std::env::var("JECO_STORAGE").ok().filter(|s| !s.trim().is_empty());
        if let Some(s) = &storage {
            if !s.starts_with("file://") && !s.starts_with("s3://") {
                bail!("JECO_STORAGE must start with file:// or s3://");
            }
        }
        let c = MediaConfig {
            storage,
            max_upload_bytes: num("JECO_MAX_UPLOAD_BYTES", d.max_upload_bytes)?,
            max_image_pixels: num("JECO_MAX_IMAGE_PIXELS", d.max_image_pixels)?,
            url_ttl: Duration::from_secs(num("JECO_MEDIA_URL_TTL_S", d.url_ttl.as_secs())?),
            upload_ttl: d.upload_ttl,
            upload_rate: u32::try_from(num("JECO_UPLOAD_RATE", d.upload_rate.into())?)?,
            workers: usize::try_from(num("JECO_MEDIA_WORKERS", d.workers as u64)?)?,
            access_cache: Duration::from_millis(
                num("JECO_MEDIA_ACCESS_CACHE_MS", d.access_cache.as_millis() as u64)?.min(5_000),
            ),
            unused_ttl: Duration::from_secs(num("JECO_UNUSED_UPLOAD_TTL_S", d.unused_ttl.as_secs())?),
            sweep_every: Duration::from_millis(num("JECO_MEDIA_SWEEP_MS", d.sweep_every.as_millis() as u64)?),
        };
        if c.max_upload_bytes == 0 || c.max_image_pixels == 0 || c.upload_rate == 0 || c.workers == 0 {
            bail!("JECO_MAX_UPLOAD_BYTES, JECO_MAX_IMAGE_PIXELS, JECO_UPLOAD_RATE and JECO_MEDIA_WORKERS must be at least 1");
        }
        if c.url_ttl.as_secs() < 10 || c.sweep_every.is_zero() {
            bail!("JECO_MEDIA_URL_TTL_S must be at least 10 and JECO_MEDIA_SWEEP_MS at least 1");
        }
        Ok(c)
    }
}
