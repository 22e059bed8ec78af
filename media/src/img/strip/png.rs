//! PNG: keep image and colour chunks (and APNG animation), drop text, EXIF, time.

use super::{truncated, Stripped};
use crate::container::Bytes;
use crate::MediaError;

/// Ancillary chunks that affect how the image looks or animates. Every other
/// ancillary chunk (tEXt, zTXt, iTXt, eXIf, tIME, vendor chunks) is dropped;
/// critical chunks (upper-case first letter) are always kept.
const KEEP: [&[u8; 4]; 14] = [
    b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs",
    b"acTL", b"fcTL", b"fdAT",
];

/// Copies the PNG up to IEND, minus metadata chunks.
pub(super) fn strip(b: &[u8]) -> Result<Stripped, MediaError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(..8).ok_or_else(|| truncated("PNG"))?);
    let mut pos = 8;
    let mut animated = false;
    loop {
        let len = usize::try_from(b.be32(pos).ok_or_else(|| truncated("PNG"))?)
            .map_err(|_| MediaError::bad("PNG chunk too large"))?;
        let chunk = b.get_at(pos, len.saturating_add(12)).ok_or_else(|| truncated("PNG"))?;
        let kind = &chunk[4..8];
        let critical = kind[0].is_ascii_uppercase();
        if critical || KEEP.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        // acTL alone does not make an APNG animated; more than one frame does.
        if kind == b"acTL" {
            animated = chunk.be32(8).is_some_and(|frames| frames > 1);
        }
        pos += chunk.len();
        if kind == b"IEND" {
            return Ok(Stripped { bytes: out, animated });
        }
    }
}
