//! Length of audio and video uploads, dispatched on the sniffed container.

use crate::container::{ebml, mp3, mp4, ogg};
use crate::{Kind, MediaError, Sniffed};

/// Length in milliseconds of an audio/video upload; `Ok(None)` for images and files.
///
/// An upload sniffed as audio/video that cannot be measured is an error: if the
/// container cannot be read this far, it will not play either.
pub fn duration_ms(bytes: &[u8], sniffed: &Sniffed) -> Result<Option<u64>, MediaError> {
    if !matches!(sniffed.kind, Kind::Audio | Kind::Video) {
        return Ok(None);
    }
    let ms = match sniffed.content_type {
        "audio/ogg" => ogg::duration_ms(bytes)?,
        "audio/webm" | "video/webm" | "audio/x-matroska" | "video/x-matroska" => ebml::duration_ms(bytes)?,
        "audio/mp4" | "video/mp4" | "video/quicktime" => mp4::duration_ms(bytes)?,
        "audio/mpeg" => mp3::duration_ms(bytes)?,
        _ => return Err(MediaError::UnsupportedMedia),
    };
    Ok(Some(ms))
}

#[cfg(test)]
mod tests;
