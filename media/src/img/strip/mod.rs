//! Lossless metadata removal by walking each container's structure.
//!
//! Whitelists, not blacklists: only the parts a decoder needs to draw the
//! picture (and colour profiles, which change how it looks) are copied; every
//! other chunk, segment or extension — EXIF with GPS, XMP, IPTC, comments,
//! timestamps, vendor blobs — and any bytes after the image's end are dropped.
//! A structure that cannot be walked to its end is refused as truncated.

mod gif;
mod jpeg;
mod png;
mod webp;

use crate::sniff::ImageType;
use crate::MediaError;

/// The image without metadata, and whether it has more than one frame.
pub(crate) struct Stripped {
    /// The cleaned file, same format and pixels as the input.
    pub(crate) bytes: Vec<u8>,
    /// True for animated GIF, APNG and animated WebP.
    pub(crate) animated: bool,
}

/// Removes all metadata from `bytes` of format `t` without re-encoding.
pub(crate) fn strip(t: ImageType, bytes: &[u8]) -> Result<Stripped, MediaError> {
    match t {
        ImageType::Jpeg => jpeg::strip(bytes),
        ImageType::Png => png::strip(bytes),
        ImageType::Gif => gif::strip(bytes),
        ImageType::Webp => webp::strip(bytes),
    }
}

/// The error for a structure that ends early.
fn truncated(format: &str) -> MediaError {
    MediaError::bad(format!("{format} file is truncated"))
}
