//! Hand-written readers for the audio/video containers this crate accepts:
//! just enough of each format to tell audio from video and to measure length.
//!
//! Written by hand rather than pulling in a demuxer (symphonia, ffmpeg) because
//! the questions are small — "which track types?", "how long?" — and a small
//! bounds-checked reader has a small attack surface. Every read goes through
//! [`Bytes`], which returns `None` instead of panicking past the end.

pub(crate) mod ebml;
pub(crate) mod mp3;
pub(crate) mod mp4;
pub(crate) mod ogg;

/// What a container holds, as far as playback is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracks {
    /// At least one audio track and no video track.
    AudioOnly,
    /// At least one video track.
    Video,
    /// Neither (or the track list could not be found).
    Unknown,
}

/// Bounds-checked big/little-endian reads over a byte slice.
pub(crate) trait Bytes {
    /// `len` bytes at `at`, if they are all there.
    fn get_at(&self, at: usize, len: usize) -> Option<&[u8]>;
    /// A big-endian u16 at `at`.
    fn be16(&self, at: usize) -> Option<u16> {
        self.get_at(at, 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    /// A big-endian u32 at `at`.
    fn be32(&self, at: usize) -> Option<u32> {
        self.get_at(at, 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A big-endian u64 at `at`.
    fn be64(&self, at: usize) -> Option<u64> {
        Some((u64::from(self.be32(at)?) << 32) | u64::from(self.be32(at + 4)?))
    }
    /// A little-endian u16 at `at`.
    fn le16(&self, at: usize) -> Option<u16> {
        self.get_at(at, 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    /// A little-endian u32 at `at`.
    fn le32(&self, at: usize) -> Option<u32> {
        self.get_at(at, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A little-endian u64 at `at`.
    fn le64(&self, at: usize) -> Option<u64> {
        Some(u64::from(self.le32(at)?) | (u64::from(self.le32(at + 4)?) << 32))
    }
}

impl Bytes for [u8] {
    fn get_at(&self, at: usize, len: usize) -> Option<&[u8]> {
        self.get(at..at.checked_add(len)?)
    }
}

/// `ticks` of a `per_second` clock in whole milliseconds, rounded to nearest;
/// `None` for a zero clock rate or an overflow (both mean a corrupt header).
pub(crate) fn ticks_to_ms(ticks: u64, per_second: u64) -> Option<u64> {
    if per_second == 0 {
        return None;
    }
    let ms = (u128::from(ticks) * 1000 + u128::from(per_second) / 2) / u128::from(per_second);
    u64::try_from(ms).ok()
}
