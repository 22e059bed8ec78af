//! Image uploads: what is served as the original, a thumbnail, a placeholder
//! and avatars — metadata-free, upright and bounded in memory.
//!
//! Memory: the header is checked before decoding, so peak use is set by the
//! decoded first frame. For a 12 MP (4000×3000) 8-bit RGB JPEG that is 36 MB of
//! pixels, plus a second 36 MB while an EXIF rotation is applied (the rotated
//! copy), plus the input and the re-encoded original (a few MB each).
//! Measured with `examples/peak_memory.rs` (release build, glibc malloc, a
//! 1.9 MB input): peak RSS grows by ~39 MB for an upright photo and ~73 MB for
//! one tagged orientation 6. Thumbnails and placeholders are computed from
//! small renditions and add under 1 MB. [`ImageLimits::max_alloc`] caps what
//! the decoder may allocate, output buffer included.

mod decode;
mod encode;
mod strip;

use std::fmt;

use image::metadata::Orientation;

use crate::sniff::ImageType;
use crate::MediaError;

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 480;
/// Largest avatar side that may be requested, in pixels.
pub const MAX_AVATAR_SIDE: u32 = 2048;

/// Caps on what one image may cost to process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Most pixels (width × height, from the header) an image may have.
    pub max_pixels: u64,
    /// Most bytes the decoder may allocate.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    /// 50 MP and 256 MiB: enough for any phone camera (an 8-bit RGBA 50 MP
    /// image is 200 MB), not enough for a decompression bomb.
    fn default() -> Self {
        ImageLimits { max_pixels: 50_000_000, max_alloc: 256 * 1024 * 1024 }
    }
}

/// An encoded picture and what it is.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its content type (`image/jpeg`, `image/webp`, `image/png`).
    pub content_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Everything the server stores for an uploaded image.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    /// What is served as "the original": same picture, all metadata removed
    /// (losslessly when possible; re-encoded upright when it had to be rotated).
    pub original: Vec<u8>,
    /// Content type of `original` (may differ from the upload's after rotation).
    pub content_type: &'static str,
    /// Width of `original` as displayed, after orientation.
    pub width: u32,
    /// Height of `original` as displayed, after orientation.
    pub height: u32,
    /// True when `original` is an animation (GIF, APNG, animated WebP).
    pub animated: bool,
    /// At most [`THUMBNAIL_SIDE`] on the long side, never enlarged, first frame:
    /// JPEG when opaque, lossless WebP when it has transparency.
    pub thumbnail: EncodedImage,
    /// ThumbHash of a ≤100 px rendition, standard padded base64.
    pub placeholder: String,
}

// Debug shows sizes, not bytes: these end up in logs and test failures.
impl fmt::Debug for EncodedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedImage")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

impl fmt::Debug for ProcessedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedImage")
            .field("original", &format_args!("<{} bytes>", self.original.len()))
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("animated", &self.animated)
            .field("thumbnail", &self.thumbnail)
            .field("placeholder", &self.placeholder)
            .finish()
    }
}

/// The supported format of `bytes`, or why not.
fn image_type(bytes: &[u8]) -> Result<ImageType, MediaError> {
    ImageType::detect(bytes).ok_or(MediaError::UnsupportedImage)
}

/// Cleans, measures and renders an uploaded PNG, JPEG, GIF or WebP.
pub fn process_image(bytes: &[u8], limits: &ImageLimits) -> Result<ProcessedImage, MediaError> {
    let t = image_type(bytes)?;
    // Cheap checks first: header pixel count, then the container walk, which
    // also refuses truncated files that a lenient decoder would half-draw.
    let size = decode::check_header(t, bytes, limits)?;
    let stripped = strip::strip(t, bytes)?;
    let decoded = decode::decode(t, bytes, limits, size)?;
    let img = &decoded.image;
    let icc = decoded.icc.as_deref();
    // Stripping the EXIF orientation would show the picture sideways, so a
    // rotated still is re-encoded upright. Animations keep their frames instead:
    // the image crate cannot re-encode them and cameras never tag them.
    let (original, content_type) = if decoded.orientation == Orientation::NoTransforms || stripped.animated {
        (stripped.bytes, t.content_type())
    } else if t != ImageType::Png && !encode::has_transparency(img) {
        (encode::jpeg(img, 90, icc)?.bytes, "image/jpeg")
    } else {
        (encode::png(img, icc)?.bytes, "image/png")
    };
    let small = encode::fit(img, THUMBNAIL_SIDE);
    Ok(ProcessedImage {
        original,
        content_type,
        width: img.width(),
        height: img.height(),
        animated: stripped.animated,
        thumbnail: encode::rendition(&small, 80, icc)?,
        placeholder: encode::placeholder(&small),
    })
}

/// A `size`×`size` avatar: the upright image's centre square, JPEG (or lossless
/// WebP with transparency).
pub fn avatar(bytes: &[u8], limits: &ImageLimits, size: u32) -> Result<EncodedImage, MediaError> {
    let mut all = avatars(bytes, limits, &[size])?;
    all.pop().ok_or(MediaError::InvalidArgument("no avatar size given"))
}

/// Several avatar sizes from one decode, in the order of `sizes`.
pub fn avatars(bytes: &[u8], limits: &ImageLimits, sizes: &[u32]) -> Result<Vec<EncodedImage>, MediaError> {
    if sizes.iter().any(|&s| s == 0 || s > MAX_AVATAR_SIDE) {
        return Err(MediaError::InvalidArgument("avatar size must be between 1 and 2048"));
    }
    let t = image_type(bytes)?;
    let size = decode::check_header(t, bytes, limits)?;
    // The walk only validates here: avatars are re-encoded, so no metadata survives.
    strip::strip(t, bytes)?;
    let decoded = decode::decode(t, bytes, limits, size)?;
    let icc = decoded.icc.as_deref();
    sizes.iter().map(|&s| encode::rendition(&encode::square(&decoded.image, s), 85, icc)).collect()
}

#[cfg(test)]
mod tests;
