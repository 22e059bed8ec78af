//! Ogg (Opus, Vorbis): codec of every logical stream, and duration.
//!
//! The length is the last page's granule position of the first stream: Opus
//! counts 48 kHz samples including the encoder's pre-skip (subtracted), Vorbis
//! counts samples at the rate in its identification header.

use super::{ticks_to_ms, Bytes};
use crate::MediaError;

/// An audio codec this crate measures inside Ogg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    /// Opus, with its pre-skip in 48 kHz samples.
    Opus { pre_skip: u64 },
    /// Vorbis, with its sample rate.
    Vorbis { rate: u64 },
}

/// One page: header fields and where the next page starts.
struct Page<'a> {
    bos: bool,
    granule: u64,
    serial: u32,
    body: &'a [u8],
    next: usize,
}

/// The page at `pos`, if complete.
fn page(b: &[u8], pos: usize) -> Option<Page<'_>> {
    if b.get_at(pos, 4)? != b"OggS" || *b.get(pos + 4)? != 0 {
        return None;
    }
    let segments = usize::from(*b.get(pos + 26)?);
    let lacing = b.get_at(pos + 27, segments)?;
    let len: usize = lacing.iter().map(|&x| usize::from(x)).sum();
    let start = pos + 27 + segments;
    Some(Page {
        bos: b.get(pos + 5)? & 0x02 != 0,
        granule: b.le64(pos + 6)?,
        serial: b.le32(pos + 14)?,
        body: b.get_at(start, len)?,
        next: start + len,
    })
}

/// The codec of a stream, from the first packet of its first page.
fn codec(packet: &[u8]) -> Option<Codec> {
    if packet.starts_with(b"OpusHead") {
        return Some(Codec::Opus { pre_skip: u64::from(packet.le16(10)?) });
    }
    if packet.starts_with(b"\x01vorbis") {
        return Some(Codec::Vorbis { rate: u64::from(packet.le32(12)?) });
    }
    None
}

/// True when the file is Ogg and every stream it starts is Opus or Vorbis.
pub(crate) fn is_audio(b: &[u8]) -> bool {
    let mut pos = 0;
    let mut streams = 0;
    // Beginning-of-stream pages all come first (RFC 3533 §4).
    while let Some(p) = page(b, pos) {
        if !p.bos {
            break;
        }
        if codec(p.body).is_none() {
            return false;
        }
        streams += 1;
        pos = p.next;
    }
    streams > 0
}

/// Length in milliseconds of the first logical stream.
pub(crate) fn duration_ms(b: &[u8]) -> Result<u64, MediaError> {
    let first = page(b, 0).filter(|p| p.bos).ok_or_else(|| MediaError::bad("not a readable Ogg file"))?;
    let codec = codec(first.body).ok_or_else(|| MediaError::bad("Ogg stream is neither Opus nor Vorbis"))?;
    let mut last = None;
    let mut pos = first.next;
    // Pages must follow each other; a cut-off final page is ignored, as players do.
    while pos < b.len() {
        let Some(p) = page(b, pos) else {
            if b.len() - pos >= 27 + 255 * 255 || b.get_at(pos, 4) != Some(b"OggS") {
                return Err(MediaError::bad("Ogg file has damaged pages"));
            }
            break;
        };
        // u64::MAX (-1) marks a page on which no packet ends; header pages carry 0.
        if p.serial == first.serial && p.granule != u64::MAX && p.granule != 0 {
            last = Some(p.granule);
        }
        pos = p.next;
    }
    let granule = last.ok_or_else(|| MediaError::bad("Ogg file has no audio pages"))?;
    let ms = match codec {
        Codec::Opus { pre_skip } => ticks_to_ms(granule.saturating_sub(pre_skip), 48_000),
        Codec::Vorbis { rate } => ticks_to_ms(granule, rate),
    };
    ms.ok_or_else(|| MediaError::bad("Ogg Vorbis header has a zero sample rate"))
}
