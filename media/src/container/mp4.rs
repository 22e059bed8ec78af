//! ISO base media files (MP4, M4A, QuickTime): brands, track handlers, duration.
//!
//! Duration comes from `mvhd`; fragmented files (Safari's MediaRecorder) leave
//! it at zero, so then `mehd`, and failing that the fragments themselves
//! (`tfdt` + `trun` sample durations) are used.

use std::collections::HashMap;

use super::{ticks_to_ms, Bytes, Tracks};
use crate::MediaError;

/// Brands of still-image formats that share the container (HEIF, AVIF).
const IMAGE_BRANDS: [&[u8; 4]; 10] =
    [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"];

/// One box: its type and payload.
struct Mp4Box<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// Iterates the boxes in `b`, stopping at the first malformed or truncated one.
fn boxes(b: &[u8]) -> impl Iterator<Item = Mp4Box<'_>> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let size = b.be32(pos)?;
        let kind: [u8; 4] = b.get_at(pos + 4, 4)?.try_into().ok()?;
        let (head, len) = match size {
            0 => (8, b.len() - pos),
            1 => (16, usize::try_from(b.be64(pos + 8)?).ok()?),
            n => (8, usize::try_from(n).ok()?),
        };
        if len < head {
            return None;
        }
        let body = b.get(pos + head..pos.checked_add(len)?)?;
        pos += len;
        Some(Mp4Box { kind, body })
    })
}

/// The first child box of type `kind`.
fn child<'a>(b: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(b).find(|x| &x.kind == kind).map(|x| x.body)
}

/// What the file is, judged by its `ftyp` box: `None` if it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Brand {
    /// A still image in an ISO container (HEIF/AVIF): not audio/video here.
    Image,
    /// Apple QuickTime (`qt  `).
    QuickTime,
    /// Anything else: MP4, M4A, 3GP, ...
    Mp4,
}

/// The file's brand, from its leading `ftyp` box.
pub(crate) fn brand(b: &[u8]) -> Option<Brand> {
    let ftyp = boxes(b).next().filter(|x| &x.kind == b"ftyp")?.body;
    let major = ftyp.get_at(0, 4)?;
    if IMAGE_BRANDS.iter().any(|br| br.as_slice() == major) {
        return Some(Brand::Image);
    }
    Some(if major == b"qt  " { Brand::QuickTime } else { Brand::Mp4 })
}

/// Each track's handler type (`soun`, `vide`, ...) and media timescale/duration.
fn traks(moov: &[u8]) -> Vec<(u32, [u8; 4], u32, u64)> {
    let mut out = Vec::new();
    for trak in boxes(moov).filter(|x| &x.kind == b"trak") {
        let id = child(trak.body, b"tkhd").and_then(|t| t.be32(if t.first() == Some(&1) { 20 } else { 12 }));
        let Some(mdia) = child(trak.body, b"mdia") else { continue };
        let handler = child(mdia, b"hdlr").and_then(|h| h.get_at(8, 4)).and_then(|h| h.try_into().ok());
        let (scale, dur) = child(mdia, b"mdhd").and_then(header_time).unwrap_or((0, 0));
        if let Some(handler) = handler {
            out.push((id.unwrap_or(0), handler, scale, dur));
        }
    }
    out
}

/// Timescale and duration of an `mvhd`/`mdhd` (versions 0 and 1).
fn header_time(b: &[u8]) -> Option<(u32, u64)> {
    match b.first()? {
        0 => Some((b.be32(12)?, u64::from(b.be32(16)?))),
        1 => Some((b.be32(20)?, b.be64(24)?)),
        _ => None,
    }
}

/// Which kinds of tracks the `moov` box declares.
pub(crate) fn track_kinds(b: &[u8]) -> Tracks {
    let Some(moov) = child(b, b"moov") else { return Tracks::Unknown };
    let handlers: Vec<[u8; 4]> = traks(moov).into_iter().map(|t| t.1).collect();
    if handlers.iter().any(|h| h == b"vide") {
        Tracks::Video
    } else if handlers.iter().any(|h| h == b"soun") {
        Tracks::AudioOnly
    } else {
        Tracks::Unknown
    }
}

/// Length in milliseconds.
pub(crate) fn duration_ms(b: &[u8]) -> Result<u64, MediaError> {
    let moov = child(b, b"moov").ok_or_else(|| MediaError::bad("MP4 file has no movie header (moov)"))?;
    let (scale, dur) = child(moov, b"mvhd")
        .and_then(header_time)
        .ok_or_else(|| MediaError::bad("MP4 movie header is missing or unreadable"))?;
    // All ones means "unknown" in the spec.
    if dur != 0 && dur != u64::from(u32::MAX) && dur != u64::MAX {
        return ticks_to_ms(dur, u64::from(scale)).ok_or_else(|| MediaError::bad("MP4 timescale is zero"));
    }
    let mehd = child(moov, b"mvex").and_then(|m| child(m, b"mehd")).and_then(|h| match h.first()? {
        0 => h.be32(4).map(u64::from),
        _ => h.be64(4),
    });
    if let Some(d) = mehd.filter(|&d| d > 0) {
        return ticks_to_ms(d, u64::from(scale)).ok_or_else(|| MediaError::bad("MP4 timescale is zero"));
    }
    let tracks = traks(moov);
    let from_tracks = tracks.iter().filter_map(|t| ticks_to_ms(t.3, u64::from(t.2))).filter(|&d| d > 0).max();
    fragments_ms(b, moov, &tracks)
        .or(from_tracks)
        .ok_or_else(|| MediaError::bad("MP4 file declares no duration and has no samples"))
}

/// The end of the last sample over all movie fragments, in milliseconds.
fn fragments_ms(b: &[u8], moov: &[u8], tracks: &[(u32, [u8; 4], u32, u64)]) -> Option<u64> {
    // Default sample duration per track (trex), used when neither tfhd nor trun gives one.
    let mut trex = HashMap::new();
    for t in child(moov, b"mvex").into_iter().flat_map(boxes).filter(|x| &x.kind == b"trex") {
        if let (Some(id), Some(d)) = (t.body.be32(4), t.body.be32(12)) {
            trex.insert(id, d);
        }
    }
    let mut ends: HashMap<u32, u64> = HashMap::new();
    for moof in boxes(b).filter(|x| &x.kind == b"moof") {
        for traf in boxes(moof.body).filter(|x| &x.kind == b"traf") {
            let Some(tfhd) = child(traf.body, b"tfhd") else { continue };
            let (Some(flags), Some(id)) = (tfhd.be32(0), tfhd.be32(4)) else { continue };
            let mut at = 8 + if flags & 0x1 != 0 { 8 } else { 0 } + if flags & 0x2 != 0 { 4 } else { 0 };
            let default = if flags & 0x8 != 0 {
                at += 4;
                tfhd.be32(at - 4)
            } else {
                trex.get(&id).copied()
            };
            let start = child(traf.body, b"tfdt")
                .and_then(|t| if t.first() == Some(&1) { t.be64(4) } else { t.be32(4).map(u64::from) })
                .unwrap_or_else(|| ends.get(&id).copied().unwrap_or(0));
            let mut total = 0u64;
            for trun in boxes(traf.body).filter(|x| &x.kind == b"trun") {
                total = total.saturating_add(trun_duration(trun.body, default)?);
            }
            let end = start.saturating_add(total);
            let e = ends.entry(id).or_insert(0);
            *e = (*e).max(end);
        }
    }
    ends.iter()
        .filter_map(|(id, &end)| {
            let scale = tracks.iter().find(|t| t.0 == *id)?.2;
            ticks_to_ms(end, u64::from(scale))
        })
        .max()
}

/// Sum of the sample durations of one `trun`.
fn trun_duration(t: &[u8], default: Option<u32>) -> Option<u64> {
    let flags = t.be32(0)?;
    let count = t.be32(4)?;
    let mut at = 8 + if flags & 0x1 != 0 { 4 } else { 0 } + if flags & 0x4 != 0 { 4 } else { 0 };
    let per_sample = [0x100, 0x200, 0x400, 0x800].iter().filter(|&&f| flags & f != 0).count() * 4;
    if flags & 0x100 == 0 {
        return Some(u64::from(count) * u64::from(default?));
    }
    // Bound the loop by the bytes actually present, not the declared count.
    if per_sample.checked_mul(usize::try_from(count).ok()?)? > t.len().saturating_sub(at) {
        return None;
    }
    let mut sum = 0u64;
    for _ in 0..count {
        sum += u64::from(t.be32(at)?);
        at += per_sample;
    }
    Some(sum)
}
