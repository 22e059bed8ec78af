//! MPEG audio (MP3, also layers I/II): frame headers, ID3v2 skipping, duration.
//!
//! The length comes from a Xing/Info or VBRI header's frame count when the
//! encoder wrote one (minus the LAME encoder delay and padding when present),
//! otherwise from walking every frame header and summing samples per frame.

use super::{ticks_to_ms, Bytes};
use crate::MediaError;

/// Bit rates in kbit/s by [version is MPEG-1][layer index 1..=3][bitrate index].
const BITRATES: [[[u16; 15]; 3]; 2] = [
    [
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    ],
    [
        [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    ],
];

/// One parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Frame length in bytes, header included.
    len: usize,
    samples: u32,
    rate: u32,
    mpeg1: bool,
    mono: bool,
}

/// Parses the 4-byte frame header at `pos`; free-format and reserved values are refused.
pub(crate) fn frame(b: &[u8], pos: usize) -> Option<Frame> {
    let h = b.be32(pos)?;
    if h >> 21 != 0x7FF {
        return None;
    }
    let version = (h >> 19) & 3; // 0 = 2.5, 2 = 2, 3 = 1
    let layer = (h >> 17) & 3; // 1 = III, 2 = II, 3 = I
    let bitrate_idx = ((h >> 12) & 0xF) as usize;
    let rate_idx = (h >> 10) & 3;
    if version == 1 || layer == 0 || bitrate_idx == 0 || bitrate_idx == 15 || rate_idx == 3 {
        return None;
    }
    let mpeg1 = version == 3;
    let base = [44_100, 48_000, 32_000][rate_idx as usize];
    let rate = match version {
        3 => base,
        2 => base / 2,
        _ => base / 4,
    };
    let kbps = u32::from(BITRATES[usize::from(mpeg1)][layer as usize - 1][bitrate_idx]);
    let pad = (h >> 9) & 1;
    let (samples, len) = match layer {
        3 => (384, (12 * kbps * 1000 / rate + pad) * 4),
        2 => (1152, 144 * kbps * 1000 / rate + pad),
        _ if mpeg1 => (1152, 144 * kbps * 1000 / rate + pad),
        _ => (576, 72 * kbps * 1000 / rate + pad),
    };
    Some(Frame { len: len as usize, samples, rate, mpeg1, mono: (h >> 6) & 3 == 3 })
}

/// Offset of the first byte after any ID3v2 tags at the start.
fn skip_id3(b: &[u8]) -> usize {
    let mut pos = 0;
    while b.get_at(pos, 3) == Some(b"ID3") {
        let Some(size) = b.get_at(pos + 6, 4) else { return b.len() };
        // Sizes are "syncsafe": 7 bits per byte.
        let n = size.iter().fold(0usize, |a, &x| (a << 7) | usize::from(x & 0x7F));
        let footer = if b.get(pos + 5).is_some_and(|f| f & 0x10 != 0) { 10 } else { 0 };
        pos += 10 + n + footer;
    }
    // Some taggers pad with zeros beyond the declared size.
    while b.get(pos) == Some(&0) && pos < b.len() {
        pos += 1;
    }
    pos.min(b.len())
}

/// Offset of the first frame when `b` is MPEG audio: after any ID3v2 tag there is
/// a valid frame, followed by another valid frame unless the file ends there.
pub(crate) fn first_frame(b: &[u8]) -> Option<usize> {
    let start = skip_id3(b);
    let f = frame(b, start)?;
    let next = start + f.len;
    match frame(b, next) {
        Some(g) if g.rate == f.rate => Some(start),
        // One frame then the end (or an ID3v1 trailer) is still MPEG audio.
        _ if next == b.len() || b.get_at(next, 3) == Some(b"TAG") => Some(start),
        _ => None,
    }
}

/// Frame count and delay+padding samples from a Xing/Info or VBRI header in `f` at `pos`.
fn vbr_header(b: &[u8], pos: usize, f: &Frame) -> Option<(u64, u64)> {
    let side = match (f.mpeg1, f.mono) {
        (true, false) => 32,
        (true, true) | (false, false) => 17,
        (false, true) => 9,
    };
    let x = pos + 4 + side;
    let tag = b.get_at(x, 4)?;
    if tag == b"Xing" || tag == b"Info" {
        let flags = b.be32(x + 4)?;
        if flags & 1 == 0 {
            return None;
        }
        let frames = u64::from(b.be32(x + 8)?);
        // The LAME tag follows the optional fields; it stores delay and padding.
        let lame = x
            + 8
            + [4, 4, 100, 4]
                .iter()
                .enumerate()
                .filter(|(i, _)| flags & (1 << i) != 0)
                .map(|(_, n)| n)
                .sum::<usize>();
        let trim = b
            .get_at(lame + 21, 3)
            .filter(|_| b.get_at(lame, 4).is_some_and(|s| s == b"LAME" || s == b"Lavf" || s == b"Lavc"))
            .map(|d| {
                let delay = (u64::from(d[0]) << 4) | u64::from(d[1] >> 4);
                let padding = (u64::from(d[1] & 0xF) << 8) | u64::from(d[2]);
                delay + padding
            })
            .unwrap_or(0);
        return Some((frames, trim));
    }
    if b.get_at(pos + 36, 4) == Some(b"VBRI") {
        return Some((u64::from(b.be32(pos + 36 + 14)?), 0));
    }
    None
}

/// Length in milliseconds.
pub(crate) fn duration_ms(b: &[u8]) -> Result<u64, MediaError> {
    let start = first_frame(b).ok_or_else(|| MediaError::bad("not a readable MP3 file"))?;
    let first = frame(b, start).ok_or_else(|| MediaError::bad("not a readable MP3 file"))?;
    if let Some((frames, trim)) = vbr_header(b, start, &first) {
        let samples = (frames * u64::from(first.samples)).saturating_sub(trim);
        return ticks_to_ms(samples, u64::from(first.rate)).ok_or_else(|| MediaError::bad("bad MP3 header"));
    }
    // No summary header: every frame must be walked (they may differ in bit rate).
    let mut pos = start;
    let mut seconds = 0f64;
    while let Some(f) = frame(b, pos) {
        if pos + f.len > b.len() {
            break; // a cut-off last frame does not play
        }
        seconds += f64::from(f.samples) / f64::from(f.rate);
        pos += f.len;
    }
    if seconds == 0.0 {
        return Err(MediaError::bad("MP3 file has no complete frames"));
    }
    Ok((seconds * 1000.0).round() as u64)
}
