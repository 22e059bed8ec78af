//! WebP: keep bitstream, alpha, animation and ICC chunks; drop EXIF and XMP.

use super::{truncated, Stripped};
use crate::container::Bytes;
use crate::MediaError;

/// Chunks needed to draw the picture as it was meant to look.
const KEEP: [&[u8; 4]; 7] = [b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"];
/// VP8X flag bits announcing EXIF (0x08) and XMP (0x04) chunks.
const META_FLAGS: u8 = 0x08 | 0x04;

/// Rebuilds the RIFF container without metadata chunks.
pub(super) fn strip(b: &[u8]) -> Result<Stripped, MediaError> {
    let riff = usize::try_from(b.le32(4).ok_or_else(|| truncated("WebP"))?)
        .map_err(|_| MediaError::bad("WebP file too large"))?;
    // RIFF size counts from byte 8; bytes past it are not part of the image.
    let end = riff.checked_add(8).filter(|&e| e <= b.len()).ok_or_else(|| truncated("WebP"))?;
    let mut body = Vec::with_capacity(end);
    body.extend_from_slice(b"WEBP");
    let mut pos = 12;
    let mut animated = false;
    while pos < end {
        let len = usize::try_from(b.le32(pos + 4).ok_or_else(|| truncated("WebP"))?)
            .map_err(|_| MediaError::bad("WebP chunk too large"))?;
        // Chunks are padded to an even length.
        let total = 8usize.saturating_add(len).saturating_add(len & 1);
        let chunk = b.get_at(pos, total).filter(|_| pos + total <= end).ok_or_else(|| truncated("WebP"))?;
        let kind = &chunk[..4];
        if KEEP.iter().any(|k| k.as_slice() == kind) {
            let at = body.len() + 4;
            body.extend_from_slice(chunk);
            if kind == b"VP8X" {
                let flags = body.get_mut(at + 4).ok_or_else(|| truncated("WebP"))?;
                animated = *flags & 0x02 != 0;
                *flags &= !META_FLAGS;
            }
        }
        pos += total;
    }
    if body.len() == 4 {
        return Err(MediaError::bad("WebP file has no image data"));
    }
    let size = u32::try_from(body.len()).map_err(|_| MediaError::bad("WebP file too large"))?;
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(Stripped { bytes: out, animated })
}
