//! JPEG: keep the segments needed to decode, drop APPn metadata and comments.

use super::{truncated, Stripped};
use crate::container::Bytes;
use crate::MediaError;

/// Whether an APPn/COM segment survives: ICC profile (APP2) and
/// Adobe (APP14, it says how to read the colour channels). Everything else —
/// Exif/XMP (APP1), MPF (APP2), IPTC (APP13), comments — is metadata.
fn keep_app(marker: u8, payload: &[u8]) -> bool {
    match marker {
        // JFXX only carries a thumbnail; JFIF is rewritten without one (below).
        0xE0 => false,
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xEE => payload.starts_with(b"Adobe"),
        _ => false,
    }
}

/// Copies the JPEG up to its EOI, minus metadata segments.
pub(super) fn strip(b: &[u8]) -> Result<Stripped, MediaError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while b.get(pos) == Some(&0xFF) && b.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if b.get(pos) != Some(&0xFF) {
            return Err(MediaError::bad("JPEG file has a damaged segment"));
        }
        let marker = *b.get(pos + 1).ok_or_else(|| truncated("JPEG"))?;
        match marker {
            // EOI: the image ends here; trailers (MPF previews, appended files) are dropped.
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(Stripped { bytes: out, animated: false });
            }
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                pos += 2;
                continue;
            }
            _ => {}
        }
        let len = usize::from(b.be16(pos + 2).ok_or_else(|| truncated("JPEG"))?);
        if len < 2 {
            return Err(MediaError::bad("JPEG file has a damaged segment"));
        }
        let seg = b.get_at(pos, 2 + len).ok_or_else(|| truncated("JPEG"))?;
        // C0..=DF are the coding segments (frames, tables, scans, restart
        // interval); APPn is filtered below; COM and the JPGn extensions
        // (F0..=FD, nothing a baseline/progressive decoder reads) are dropped;
        // anything else is not JPEG.
        let is_meta = matches!(marker, 0xE0..=0xFE);
        if !is_meta && !matches!(marker, 0xC0..=0xDF) {
            return Err(MediaError::bad("JPEG file has a damaged segment"));
        }
        if marker == 0xE0 && seg[4..].starts_with(b"JFIF\0") && seg.len() >= 18 {
            // JFIF header without its optional thumbnail: a thumbnail can show
            // what a crop removed. 16 = length field + the fixed header fields.
            out.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
            out.extend_from_slice(&seg[4..16]);
            out.extend_from_slice(&[0, 0]);
        } else if !is_meta || keep_app(marker, &seg[4..]) {
            out.extend_from_slice(seg);
        }
        pos += 2 + len;
        if marker == 0xDA {
            // Entropy-coded data follows SOS; it ends at the first marker that is
            // not a stuffed 0xFF00 or a restart marker.
            let start = pos;
            loop {
                let i = b.get(pos..).and_then(|r| r.iter().position(|&x| x == 0xFF));
                let i = pos + i.ok_or_else(|| truncated("JPEG"))?;
                match b.get(i + 1) {
                    None => return Err(truncated("JPEG")),
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => pos = i + 1,
                    Some(_) => {
                        pos = i;
                        break;
                    }
                }
            }
            out.extend_from_slice(&b[start..pos]);
        }
    }
}
