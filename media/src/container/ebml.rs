//! Matroska / WebM (EBML): document type, track types and duration.
//!
//! Chrome's MediaRecorder writes WebM for live streaming: the Segment and every
//! Cluster have *unknown* size and the Info element has no Duration, so the
//! length can only be found by reading cluster and block timestamps. An
//! unknown-size element ends where an element that cannot be its child starts.

use super::{Bytes, Tracks};
use crate::MediaError;

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const CLUSTER: u32 = 0x1F43_B675;
const TIMECODE: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const BLOCK_DURATION: u32 = 0x9B;
/// Children of Segment; any of them ends an unknown-size Cluster.
const LEVEL1: [u32; 8] =
    [CLUSTER, INFO, TRACKS, 0x1C53_BB6B, 0x1254_C367, 0x114D_9B74, 0x1043_A770, 0x1941_A469];

/// One element header: its id, payload size (`None` = unknown) and payload offset.
struct Header {
    id: u32,
    size: Option<u64>,
    data: usize,
}

impl Header {
    /// Where the payload ends, clipped to `limit` (a truncated file keeps what it has).
    fn end(&self, limit: usize) -> usize {
        match self.size {
            Some(s) => usize::try_from(s).map_or(limit, |s| self.data.saturating_add(s).min(limit)),
            None => limit,
        }
    }
}

/// Reads an element header at `pos`; `None` when it is cut off or malformed.
fn header(b: &[u8], pos: usize) -> Option<Header> {
    let first = *b.get(pos)?;
    let id_len = first.leading_zeros() as usize + 1;
    if id_len > 4 {
        return None;
    }
    let id = b.get_at(pos, id_len)?.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
    let spos = pos + id_len;
    let first = *b.get(spos)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let raw = b.get_at(spos, len)?;
    let mask = if len == 8 { 0 } else { 0xFFu8 >> len };
    let mut value = u64::from(raw[0] & mask);
    let mut all_ones = raw[0] & mask == mask;
    for &x in &raw[1..] {
        value = (value << 8) | u64::from(x);
        all_ones &= x == 0xFF;
    }
    Some(Header { id, size: (!all_ones).then_some(value), data: spos + len })
}

/// Iterates the children of a known range, stopping at the first malformed or
/// unknown-size one (children of the elements read here always have a size).
fn children(b: &[u8], start: usize, end: usize) -> impl Iterator<Item = (u32, &[u8])> {
    let mut pos = start;
    std::iter::from_fn(move || {
        if pos >= end {
            return None;
        }
        let h = header(b, pos)?;
        h.size?;
        let stop = h.end(end);
        pos = stop;
        Some((h.id, b.get(h.data..stop)?))
    })
}

/// An unsigned integer element.
fn uint(body: &[u8]) -> Option<u64> {
    (body.len() <= 8).then(|| body.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
}

/// The EBML DocType ("webm", "matroska"), or `None` if this is not EBML.
pub(crate) fn doc_type(b: &[u8]) -> Option<&[u8]> {
    let h = header(b, 0).filter(|h| h.id == EBML)?;
    children(b, h.data, h.end(b.len())).find(|(id, _)| *id == DOC_TYPE).map(|(_, v)| v)
}

/// What the scan found.
#[derive(Default)]
struct Scan {
    scale: Option<u64>,
    duration: Option<f64>,
    has_audio: bool,
    has_video: bool,
    /// Largest block end seen, in TimecodeScale ticks.
    last_block: Option<i64>,
}

/// Walks the Segment; reads clusters only when `clusters` is set.
fn scan(b: &[u8], clusters: bool) -> Option<Scan> {
    let ebml = header(b, 0).filter(|h| h.id == EBML)?;
    let mut pos = ebml.end(b.len());
    let seg = loop {
        let h = header(b, pos)?;
        if h.id == SEGMENT {
            break h;
        }
        pos = h.end(b.len());
    };
    let seg_end = seg.end(b.len());
    let mut s = Scan::default();
    let mut pos = seg.data;
    while pos < seg_end {
        let Some(h) = header(b, pos) else { break };
        match h.id {
            INFO => info(b.get(h.data..h.end(seg_end))?, &mut s),
            TRACKS => tracks(b, h.data, h.end(seg_end), &mut s),
            CLUSTER if !clusters => break,
            CLUSTER => {
                pos = cluster(b, &h, seg_end, &mut s);
                continue;
            }
            _ => {}
        }
        if h.size.is_none() {
            break;
        }
        pos = h.end(seg_end);
    }
    Some(s)
}

/// Segment Info: TimecodeScale and Duration.
fn info(body: &[u8], s: &mut Scan) {
    for (id, v) in children(body, 0, body.len()) {
        match id {
            TIMECODE_SCALE => s.scale = uint(v),
            DURATION => {
                s.duration = match v.len() {
                    4 => v.be32(0).map(|x| f64::from(f32::from_bits(x))),
                    8 => v.be64(0).map(f64::from_bits),
                    _ => None,
                }
            }
            _ => {}
        }
    }
}

/// Tracks: which track types exist.
fn tracks(b: &[u8], start: usize, end: usize, s: &mut Scan) {
    for (_, entry) in children(b, start, end).filter(|(id, _)| *id == TRACK_ENTRY) {
        for (_, v) in children(entry, 0, entry.len()).filter(|(id, _)| *id == TRACK_TYPE) {
            match uint(v) {
                Some(1) => s.has_video = true,
                Some(2) => s.has_audio = true,
                _ => {}
            }
        }
    }
}

/// Reads one Cluster's timestamps; returns where the next Segment child starts.
fn cluster(b: &[u8], h: &Header, seg_end: usize, s: &mut Scan) -> usize {
    let end = h.end(seg_end);
    let mut base: i64 = 0;
    let mut pos = h.data;
    while pos < end {
        let Some(c) = header(b, pos) else { return seg_end };
        if h.size.is_none() && LEVEL1.contains(&c.id) {
            return pos;
        }
        // A child cut off by the end of the file (an interrupted recording) ends the scan.
        let body = c.size.and_then(|n| b.get(c.data..c.data.checked_add(usize::try_from(n).ok()?)?));
        let Some(body) = body.filter(|body| c.data + body.len() <= end) else { return seg_end };
        match c.id {
            TIMECODE => base = uint(body).and_then(|t| i64::try_from(t).ok()).unwrap_or(0),
            SIMPLE_BLOCK => note_block(s, base, body, 0),
            BLOCK_GROUP => {
                let mut block = None;
                let mut dur = 0;
                for (id, v) in children(body, 0, body.len()) {
                    match id {
                        BLOCK => block = Some(v),
                        BLOCK_DURATION => dur = uint(v).and_then(|d| i64::try_from(d).ok()).unwrap_or(0),
                        _ => {}
                    }
                }
                if let Some(v) = block {
                    note_block(s, base, v, dur);
                }
            }
            _ => {}
        }
        pos = c.data + body.len();
    }
    end
}

/// Records a (Simple)Block's end: cluster time + its signed 16-bit offset + duration.
fn note_block(s: &mut Scan, base: i64, block: &[u8], dur: i64) {
    // The block starts with the track number as an EBML varint, then the offset.
    let Some(&first) = block.first() else { return };
    let skip = first.leading_zeros() as usize + 1;
    let Some(rel) = block.be16(skip) else { return };
    let t = base.saturating_add(i64::from(rel as i16)).saturating_add(dur);
    s.last_block = Some(s.last_block.map_or(t, |m| m.max(t)));
}

/// Which kinds of tracks the file declares.
pub(crate) fn track_kinds(b: &[u8]) -> Tracks {
    match scan(b, false) {
        Some(s) if s.has_video => Tracks::Video,
        Some(s) if s.has_audio => Tracks::AudioOnly,
        _ => Tracks::Unknown,
    }
}

/// Length in milliseconds: Info Duration when written, else the last block's end.
pub(crate) fn duration_ms(b: &[u8]) -> Result<u64, MediaError> {
    let s = scan(b, true).ok_or_else(|| MediaError::bad("not a readable WebM/Matroska file"))?;
    // Nanoseconds per tick; 1 ms is the spec's default.
    let scale = s.scale.filter(|&x| x > 0).unwrap_or(1_000_000) as f64;
    let ms = match (s.duration, s.last_block) {
        (Some(d), _) if d.is_finite() && d > 0.0 => d * scale / 1e6,
        (_, Some(t)) => t.max(0) as f64 * scale / 1e6,
        _ => return Err(MediaError::bad("WebM/Matroska file has no duration and no media blocks")),
    };
    if !(0.0..1e15).contains(&ms) {
        return Err(MediaError::bad("WebM/Matroska duration out of range"));
    }
    Ok(ms.round() as u64)
}
