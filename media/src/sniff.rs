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

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $name)).as_slice()
        };
    }

    /// A 1×1 PNG made by the image crate.
    fn png() -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(1, 1).write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn verdict(b: &[u8]) -> (Kind, &'static str, bool) {
        let s = sniff(b);
        (s.kind, s.content_type, s.inline_safe)
    }

    #[test]
    fn images_by_content() {
        // There is no name to consult: a PNG is a PNG whatever it was called.
        assert_eq!(verdict(&png()), (Kind::Image, "image/png", true));
        assert_eq!(verdict(b"GIF89a\x01\0\x01\0"), (Kind::Image, "image/gif", true));
        assert_eq!(verdict(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), (Kind::Image, "image/jpeg", true));
        assert_eq!(verdict(b"RIFF\x10\0\0\0WEBPVP8L\0\0\0\0"), (Kind::Image, "image/webp", true));
    }

    #[test]
    fn markup_is_never_inline() {
        const OPAQUE: (Kind, &str, bool) = (Kind::File, "application/octet-stream", false);
        // e.g. "cat.png" whose bytes are HTML.
        assert_eq!(verdict(b"<!DOCTYPE html><html><script>alert(1)</script></html>"), OPAQUE);
        assert_eq!(verdict(b"<html><body>hi</body></html>"), OPAQUE);
        assert_eq!(verdict(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"), OPAQUE);
        assert_eq!(verdict(b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"), OPAQUE);
        assert_eq!(verdict(b"#!/bin/sh\nrm -rf /\n"), OPAQUE);
        assert_eq!(verdict(b"just some text"), OPAQUE);
    }

    #[test]
    fn other_files_are_downloads() {
        assert_eq!(verdict(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), (Kind::File, "application/pdf", false));
        assert_eq!(verdict(b"PK\x03\x04\x14\0\0\0"), (Kind::File, "application/zip", false));
        let random: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(verdict(&random), (Kind::File, "application/octet-stream", false));
        assert_eq!(verdict(b""), (Kind::File, "application/octet-stream", false));
    }

    #[test]
    fn audio_containers() {
        assert_eq!(verdict(fixture!("opus.ogg")), (Kind::Audio, "audio/ogg", true));
        assert_eq!(verdict(fixture!("vorbis.ogg")), (Kind::Audio, "audio/ogg", true));
        assert_eq!(verdict(fixture!("audio.webm")), (Kind::Audio, "audio/webm", true));
        assert_eq!(verdict(fixture!("live-audio.webm")), (Kind::Audio, "audio/webm", true));
        assert_eq!(verdict(fixture!("audio.m4a")), (Kind::Audio, "audio/mp4", true));
        assert_eq!(verdict(fixture!("fragmented.m4a")), (Kind::Audio, "audio/mp4", true));
        assert_eq!(verdict(fixture!("cbr.mp3")), (Kind::Audio, "audio/mpeg", true));
        assert_eq!(verdict(fixture!("noxing.mp3")), (Kind::Audio, "audio/mpeg", true));
    }

    #[test]
    fn video_containers() {
        assert_eq!(verdict(fixture!("video.mp4")), (Kind::Video, "video/mp4", true));
        assert_eq!(verdict(fixture!("video.webm")), (Kind::Video, "video/webm", true));
    }

    #[test]
    fn lookalikes_are_not_media() {
        // An ID3 tag followed by HTML is not MP3.
        let mut id3 = b"ID3\x04\0\0\0\0\0\x05hello".to_vec();
        id3.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(sniff(&id3).kind, Kind::File);
        // A lone frame-sync pattern in front of garbage is not MP3 either.
        assert_eq!(sniff(b"\xFF\xFB\x90\x64garbage garbage garbage").kind, Kind::File);
        // HEIF shares MP4's container but is a still image: not video.
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert_eq!(sniff(heic).kind, Kind::File);
        // Ogg with an unknown codec.
        let mut ogg = fixture!("opus.ogg").to_vec();
        ogg[28..36].copy_from_slice(b"XXXXHead");
        assert_eq!(sniff(&ogg).kind, Kind::File);
        // An MP4 whose moov was cut off says nothing about its tracks.
        assert_eq!(sniff(&fixture!("video.mp4")[..40]).kind, Kind::File);
    }
}
