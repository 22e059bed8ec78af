//! What a file is, judged from its bytes alone.
//!
//! Only types a browser renders harmlessly are ever reported as inline-safe:
//! the four raster image formats and audio/video containers whose tracks were
//! actually found. Markup (HTML, SVG, XML) and anything text-like is always an
//! opaque download, whatever its name says — a browser would run its scripts.

use crate::container::{ebml, mp3, mp4, ogg, Tracks};

/// Broad class of an upload, deciding how clients show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A raster image shown inline (PNG, JPEG, GIF, WebP).
    Image,
    /// Sound only, played with `<audio>`.
    Audio,
    /// Moving pictures, played with `<video>`.
    Video,
    /// Anything else: offered as a download only.
    File,
}

/// The verdict of [`sniff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// Broad class.
    pub kind: Kind,
    /// Content type to serve the bytes with.
    pub content_type: &'static str,
    /// Whether the bytes may be served inline (`Content-Disposition: inline`);
    /// when false they must be served as an attachment.
    pub inline_safe: bool,
}

impl Sniffed {
    /// An inline-safe verdict.
    const fn inline(kind: Kind, content_type: &'static str) -> Self {
        Sniffed { kind, content_type, inline_safe: true }
    }

    /// A download-only verdict.
    const fn file(content_type: &'static str) -> Self {
        Sniffed { kind: Kind::File, content_type, inline_safe: false }
    }
}

/// The image formats this crate processes, by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageType {
    /// PNG (also APNG).
    Png,
    /// JPEG.
    Jpeg,
    /// GIF 87a/89a.
    Gif,
    /// WebP (lossy, lossless, animated).
    Webp,
}

impl ImageType {
    /// The content type served for this format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Webp => "image/webp",
        }
    }

    /// The format of `b`, from its signature.
    pub(crate) fn detect(b: &[u8]) -> Option<Self> {
        if b.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
            Some(ImageType::Gif)
        } else if b.len() >= 16 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }
}

/// Type by content only (magic bytes), never by name or declared type.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if let Some(t) = ImageType::detect(bytes) {
        return Sniffed::inline(Kind::Image, t.content_type());
    }
    if bytes.starts_with(b"OggS") {
        return if ogg::is_audio(bytes) { Sniffed::inline(Kind::Audio, "audio/ogg") } else { other(bytes) };
    }
    if let Some(doc) = ebml::doc_type(bytes) {
        let webm = doc == b"webm";
        if webm || doc == b"matroska" {
            return match (ebml::track_kinds(bytes), webm) {
                (Tracks::AudioOnly, true) => Sniffed::inline(Kind::Audio, "audio/webm"),
                (Tracks::Video, true) => Sniffed::inline(Kind::Video, "video/webm"),
                (Tracks::AudioOnly, false) => Sniffed::inline(Kind::Audio, "audio/x-matroska"),
                (Tracks::Video, false) => Sniffed::inline(Kind::Video, "video/x-matroska"),
                (Tracks::Unknown, _) => Sniffed::file("application/octet-stream"),
            };
        }
    }
    match mp4::brand(bytes) {
        Some(mp4::Brand::Image) | None => {}
        Some(brand) => {
            let qt = brand == mp4::Brand::QuickTime;
            return match mp4::track_kinds(bytes) {
                Tracks::AudioOnly => Sniffed::inline(Kind::Audio, "audio/mp4"),
                Tracks::Video if qt => Sniffed::inline(Kind::Video, "video/quicktime"),
                Tracks::Video => Sniffed::inline(Kind::Video, "video/mp4"),
                Tracks::Unknown => Sniffed::file("application/octet-stream"),
            };
        }
    }
    if mp3::first_frame(bytes).is_some() {
        return Sniffed::inline(Kind::Audio, "audio/mpeg");
    }
    other(bytes)
}

/// A download: the sniffed type when it is a harmless binary one, else octet-stream.
fn other(bytes: &[u8]) -> Sniffed {
    const OPAQUE: &str = "application/octet-stream";
    let Some(t) = infer::get(bytes) else { return Sniffed::file(OPAQUE) };
    let mime = t.mime_type();
    // Types a browser might render or execute even as an attachment preview.
    let active = t.matcher_type() == infer::MatcherType::Text
        || ["text/", "xml", "html", "svg", "javascript", "ecmascript"].iter().any(|s| mime.contains(s));
    Sniffed::file(if active { OPAQUE } else { mime })
}
