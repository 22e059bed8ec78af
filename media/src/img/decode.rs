//! Bounded decoding: the pixel count is checked from the header before any
//! pixel memory exists, and the decoder then runs under `image::Limits`.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::ImageLimits;
use crate::sniff::ImageType;
use crate::MediaError;

/// A decoded first frame, upright.
pub(super) struct Decoded {
    /// Pixels with the EXIF orientation already applied.
    pub(super) image: DynamicImage,
    /// The orientation the file asked for (applied above).
    pub(super) orientation: Orientation,
    /// The embedded colour profile, carried into every re-encoded rendition so
    /// wide-gamut photos (iPhone Display P3) keep their colours.
    pub(super) icc: Option<Vec<u8>>,
}

/// The `image` crate's name for a sniffed format.
fn format(t: ImageType) -> ImageFormat {
    match t {
        ImageType::Png => ImageFormat::Png,
        ImageType::Jpeg => ImageFormat::Jpeg,
        ImageType::Gif => ImageFormat::Gif,
        ImageType::Webp => ImageFormat::WebP,
    }
}

/// Refuses images whose header declares more than `limits.max_pixels` pixels.
pub(super) fn check_header(
    t: ImageType,
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<(u32, u32), MediaError> {
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format(t)).into_dimensions()?;
    if width == 0 || height == 0 {
        return Err(MediaError::bad("image has no pixels"));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(MediaError::TooManyPixels { width, height, max: limits.max_pixels });
    }
    Ok((width, height))
}

/// Decodes the first frame within `limits` and turns it upright; `(width,
/// height)` is what [`check_header`] accepted.
pub(super) fn decode(
    t: ImageType,
    bytes: &[u8],
    limits: &ImageLimits,
    (width, height): (u32, u32),
) -> Result<Decoded, MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format(t));
    let mut l = image::Limits::default();
    // The decoder must not find a bigger picture than the header promised.
    l.max_image_width = Some(width);
    l.max_image_height = Some(height);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l.clone());
    let mut decoder = reader.into_decoder()?;
    // The output buffer counts against max_alloc too; `into_decoder` does not
    // reserve it (only `ImageReader::decode` does), so reserve it here and give
    // the decoder what is left for its own buffers.
    l.reserve(decoder.total_bytes())?;
    decoder.set_limits(l)?;
    // Unreadable EXIF is dropped with the rest of the metadata, so the picture
    // is shown as stored — the same thing a browser would do without the tag.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    Ok(Decoded { image, orientation, icc })
}
