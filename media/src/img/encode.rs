//! Encoders and resizing for what is served: originals, thumbnails, avatars,
//! placeholders.

use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ExtendedColorType, ImageEncoder};

use super::EncodedImage;
use crate::MediaError;

/// Longest side of the placeholder rendition (ThumbHash accepts at most 100).
const PLACEHOLDER_SIDE: u32 = 100;

/// True when some pixel is not fully opaque.
pub(super) fn has_transparency(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageLumaA8(b) => b.pixels().any(|p| p.0[1] < u8::MAX),
        DynamicImage::ImageRgba8(b) => b.pixels().any(|p| p.0[3] < u8::MAX),
        DynamicImage::ImageLumaA16(b) => b.pixels().any(|p| p.0[1] < u16::MAX),
        DynamicImage::ImageRgba16(b) => b.pixels().any(|p| p.0[3] < u16::MAX),
        DynamicImage::ImageRgba32F(b) => b.pixels().any(|p| p.0[3] < 1.0),
        _ => false,
    }
}

/// Embeds `icc` when the encoder supports it; a picture without its profile is
/// still a picture, so an unsupported profile is not an error.
fn with_icc<E: ImageEncoder>(mut enc: E, icc: Option<&[u8]>) -> E {
    if let Some(icc) = icc {
        let _ = enc.set_icc_profile(icc.to_vec());
    }
    enc
}

/// Baseline JPEG at `quality`; alpha, if any, is dropped (callers check first).
pub(super) fn jpeg(img: &DynamicImage, quality: u8, icc: Option<&[u8]>) -> Result<EncodedImage, MediaError> {
    let mut out = Vec::new();
    let enc = with_icc(JpegEncoder::new_with_quality(&mut out, quality), icc);
    // Encode 8-bit RGB/grey in place; convert only what the encoder cannot take.
    match img {
        DynamicImage::ImageRgb8(b) => enc.write_image(b, b.width(), b.height(), ExtendedColorType::Rgb8)?,
        DynamicImage::ImageLuma8(b) => enc.write_image(b, b.width(), b.height(), ExtendedColorType::L8)?,
        other => {
            let b = other.to_rgb8();
            enc.write_image(&b, b.width(), b.height(), ExtendedColorType::Rgb8)?
        }
    }
    Ok(EncodedImage { bytes: out, content_type: "image/jpeg", width: img.width(), height: img.height() })
}

/// Lossless WebP (8-bit RGBA); used for small renditions that have transparency.
pub(super) fn webp_lossless(img: &DynamicImage, icc: Option<&[u8]>) -> Result<EncodedImage, MediaError> {
    let b = img.to_rgba8();
    let mut out = Vec::new();
    with_icc(WebPEncoder::new_lossless(&mut out), icc).write_image(
        &b,
        b.width(),
        b.height(),
        ExtendedColorType::Rgba8,
    )?;
    Ok(EncodedImage { bytes: out, content_type: "image/webp", width: b.width(), height: b.height() })
}

/// PNG in the image's own colour type (keeps 16-bit depth and alpha).
pub(super) fn png(img: &DynamicImage, icc: Option<&[u8]>) -> Result<EncodedImage, MediaError> {
    let mut out = Vec::new();
    with_icc(PngEncoder::new(&mut out), icc).write_image(
        img.as_bytes(),
        img.width(),
        img.height(),
        img.color().into(),
    )?;
    Ok(EncodedImage { bytes: out, content_type: "image/png", width: img.width(), height: img.height() })
}

/// A small rendition: JPEG at `quality` when opaque, lossless WebP with transparency.
pub(super) fn rendition(
    img: &DynamicImage,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<EncodedImage, MediaError> {
    if has_transparency(img) {
        webp_lossless(img, icc)
    } else {
        jpeg(img, quality, icc)
    }
}

/// `img` scaled to fit in `side`×`side`, aspect kept, never enlarged.
pub(super) fn fit(img: &DynamicImage, side: u32) -> DynamicImage {
    if img.width() <= side && img.height() <= side {
        img.clone()
    } else {
        // `thumbnail` averages areas: fast on big images and free of aliasing.
        img.thumbnail(side, side)
    }
}

/// The centre square of `img` scaled to exactly `size`×`size`.
pub(super) fn square(img: &DynamicImage, size: u32) -> DynamicImage {
    let side = img.width().min(img.height());
    let crop = img.crop_imm((img.width() - side) / 2, (img.height() - side) / 2, side, side);
    if side > size {
        crop.thumbnail_exact(size, size)
    } else {
        crop.resize_exact(size, size, FilterType::CatmullRom)
    }
}

/// ThumbHash of `img` (standard padded base64): a ~25-byte blurred preview.
pub(super) fn placeholder(img: &DynamicImage) -> String {
    let small = fit(img, PLACEHOLDER_SIDE).to_rgba8();
    let hash = thumbhash::rgba_to_thumb_hash(small.width() as usize, small.height() as usize, &small);
    base64::engine::general_purpose::STANDARD.encode(hash)
}
