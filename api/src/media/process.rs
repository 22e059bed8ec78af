//! The bridge to `jeco-media`: runs a file's inspection and processing on a
//! blocking thread, at most `workers` at once, and turns the outcome into what
//! is stored (variants) and recorded (the row's media fields).

use axum::body::Bytes;
use jeco_media::{ImageLimits, Kind, MediaError};
use jeco_schema::enums::{AttachmentKind, UploadPurpose};

use super::sign::Variant;
use super::Media;

/// What a received file became.
pub struct Processed {
    /// Kind by content.
    pub kind: AttachmentKind,
    /// MIME type by content.
    pub content_type: &'static str,
    /// The objects to store.
    pub variants: Vec<(Variant, Bytes)>,
    /// Images: size after orientation.
    pub size: Option<(u32, u32)>,
    /// Images: ThumbHash.
    pub placeholder: Option<String>,
    /// Images: the thumbnail's type.
    pub thumbnail_type: Option<&'static str>,
    /// Audio/video: length.
    pub duration_ms: Option<u64>,
}

/// Why a file was refused (the status code and message the PUT answers).
#[derive(Debug)]
pub enum Refusal {
    /// 415: not the kind the upload was announced as.
    Unsupported(String),
    /// 422: undecodable, truncated or too many pixels.
    BadMedia(String),
    /// 500: the processing thread failed.
    Internal,
}

/// Inspects and processes one file off the async runtime.
pub async fn process(
    media: &Media,
    bytes: Vec<u8>,
    purpose: UploadPurpose,
    voice: bool,
) -> Result<Processed, Refusal> {
    let Ok(_slot) = media.workers.clone().acquire_owned().await else { return Err(Refusal::Internal) };
    // Decoding allocates up to 4 bytes a pixel (RGBA) plus a rendition.
    let max_pixels = media.config.max_image_pixels;
    let limits = ImageLimits { max_pixels, max_alloc: max_pixels.saturating_mul(5).max(64 << 20) };
    tokio::task::spawn_blocking(move || process_blocking(bytes, purpose, voice, &limits))
        .await
        .unwrap_or(Err(Refusal::Internal))
}

fn bad(e: MediaError) -> Refusal {
    Refusal::BadMedia(e.to_string())
}

fn process_blocking(
    bytes: Vec<u8>,
    purpose: UploadPurpose,
    voice: bool,
    limits: &ImageLimits,
) -> Result<Processed, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::BadMedia("the file is empty".into()));
    }
    let sniffed = jeco_media::sniff(&bytes);
    if purpose == UploadPurpose::Avatar && sniffed.kind != Kind::Image {
        return Err(Refusal::Unsupported("an avatar must be a PNG, JPEG, GIF or WebP image".into()));
    }
    if voice && sniffed.kind != Kind::Audio {
        return Err(Refusal::Unsupported(
            "a voice note must be Ogg/Opus, WebM/Opus, MP4/AAC or MP3 audio".into(),
        ));
    }
    let mut out = Processed {
        kind: kind_of(sniffed.kind),
        content_type: sniffed.content_type,
        variants: Vec::new(),
        size: None,
        placeholder: None,
        thumbnail_type: None,
        duration_ms: None,
    };
    match sniffed.kind {
        Kind::Image => {
            let image = jeco_media::process_image(&bytes, limits).map_err(bad)?;
            out.content_type = image.content_type;
            out.size = Some((image.width, image.height));
            out.placeholder = Some(image.placeholder);
            out.thumbnail_type = Some(image.thumbnail.content_type);
            if purpose == UploadPurpose::Avatar {
                let squares = jeco_media::avatars(&bytes, limits, &[64, 256]).map_err(bad)?;
                for (variant, square) in [Variant::Avatar64, Variant::Avatar256].into_iter().zip(squares) {
                    // Avatars are encoded like thumbnails (JPEG, or WebP with alpha).
                    out.thumbnail_type = Some(square.content_type);
                    out.variants.push((variant, Bytes::from(square.bytes)));
                }
            }
            out.variants.push((Variant::File, Bytes::from(image.original)));
            out.variants.push((Variant::Thumb, Bytes::from(image.thumbnail.bytes)));
        }
        Kind::Audio | Kind::Video => {
            out.duration_ms = jeco_media::duration_ms(&bytes, &sniffed).map_err(bad)?;
            out.variants.push((Variant::File, Bytes::from(bytes)));
        }
        // Stored as received: never opened, served only as a download.
        Kind::File => out.variants.push((Variant::File, Bytes::from(bytes))),
    }
    Ok(out)
}

fn kind_of(kind: Kind) -> AttachmentKind {
    match kind {
        Kind::Image => AttachmentKind::Image,
        Kind::Audio => AttachmentKind::Audio,
        Kind::Video => AttachmentKind::Video,
        Kind::File => AttachmentKind::File,
    }
}
