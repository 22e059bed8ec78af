//! Durations of real files made with ffmpeg (see tests/fixtures/README.md) and
//! of hand-built byte streams for the cases ffmpeg does not produce.

use crate::container::{ebml, mp3, mp4, ogg, Tracks};
use crate::{duration_ms, sniff, Kind, MediaError};

/// Asserts `got` is within 50 ms of `want`.
fn near(got: u64, want: u64) {
    assert!(got.abs_diff(want) <= 50, "duration {got} ms, expected {want} ± 50 ms");
}

/// The measured duration of a fixture, through the public API.
fn measure(bytes: &[u8]) -> u64 {
    let s = sniff(bytes);
    assert!(matches!(s.kind, Kind::Audio | Kind::Video), "{s:?}");
    duration_ms(bytes, &s).unwrap().unwrap()
}

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $name)).as_slice()
    };
}

#[test]
fn ogg_durations() {
    near(measure(fixture!("opus.ogg")), 2500);
    near(measure(fixture!("vorbis.ogg")), 2500);
}

#[test]
fn webm_durations() {
    near(measure(fixture!("audio.webm")), 2500);
    near(measure(fixture!("video.webm")), 2000);
    // Written with `-live 1`: unknown sizes, no Duration element.
    near(measure(fixture!("live-audio.webm")), 2500);
}

#[test]
fn mp4_durations() {
    near(measure(fixture!("audio.m4a")), 2500);
    near(measure(fixture!("video.mp4")), 2000);
    // Fragmented (empty moov, as Safari's MediaRecorder writes): from the fragments.
    let frag = fixture!("fragmented.m4a");
    near(measure(frag), 2546);
}

#[test]
fn mp3_durations() {
    // LAME/Info headers: frame count minus encoder delay and padding.
    near(measure(fixture!("cbr.mp3")), 2500);
    near(measure(fixture!("vbr.mp3")), 2500);
    // No Xing header: every frame is walked; padding cannot be known (ffprobe: 2.56 s).
    let noxing = fixture!("noxing.mp3");
    assert!(mp3::frame(noxing, 0).is_some());
    near(measure(noxing), 2560);
}

/// An EBML element with an 8-byte size.
fn el(id: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut v = id.to_vec();
    v.push(0x01);
    v.extend_from_slice(&(payload.len() as u64).to_be_bytes()[1..]);
    v.extend_from_slice(payload);
    v
}

/// An element header of unknown size (what MediaRecorder writes for Segment and Cluster).
fn unknown(id: &[u8]) -> Vec<u8> {
    let mut v = id.to_vec();
    v.extend_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    v
}

/// A SimpleBlock of track 1 at `rel` ms after its cluster.
fn block(rel: i16) -> Vec<u8> {
    let mut p = vec![0x81];
    p.extend_from_slice(&rel.to_be_bytes());
    p.extend_from_slice(&[0x80, 0xFC, 0xFF, 0xFE]);
    el(&[0xA3], &p)
}

/// A WebM as Chrome's MediaRecorder writes it: unknown-size Segment and
/// Clusters, no Duration; frames every 20 ms, the last one starting at 2480 ms.
fn media_recorder_webm(track_type: u8) -> Vec<u8> {
    let mut f = el(&[0x1A, 0x45, 0xDF, 0xA3], &el(&[0x42, 0x82], b"webm"));
    f.extend(unknown(&[0x18, 0x53, 0x80, 0x67]));
    let mut info = el(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]);
    info.extend(el(&[0x4D, 0x80], b"Chrome"));
    f.extend(el(&[0x15, 0x49, 0xA9, 0x66], &info));
    let mut entry = el(&[0xD7], &[1]);
    entry.extend(el(&[0x83], &[track_type]));
    entry.extend(el(&[0x86], b"A_OPUS"));
    f.extend(el(&[0x16, 0x54, 0xAE, 0x6B], &el(&[0xAE], &entry)));
    for cluster in 0..3u16 {
        f.extend(unknown(&[0x1F, 0x43, 0xB6, 0x75]));
        f.extend(el(&[0xE7], &(cluster * 1000).to_be_bytes()));
        let frames = if cluster == 2 { 25 } else { 50 };
        for i in 0..frames {
            f.extend(block(i * 20));
        }
    }
    f
}

#[test]
fn media_recorder_webm_without_duration() {
    let f = media_recorder_webm(2);
    let s = sniff(&f);
    assert_eq!((s.kind, s.content_type, s.inline_safe), (Kind::Audio, "audio/webm", true));
    assert_eq!(duration_ms(&f, &s), Ok(Some(2480)));
    // A recording cut off mid-block still measures up to the last whole block.
    assert_eq!(ebml::duration_ms(&f[..f.len() - 3]), Ok(2460));
}

#[test]
fn webm_track_types_decide_audio_or_video() {
    assert_eq!(ebml::track_kinds(&media_recorder_webm(1)), Tracks::Video);
    assert_eq!(sniff(&media_recorder_webm(1)).content_type, "video/webm");
    // Subtitles only: neither audio nor video, so an opaque download.
    assert_eq!(sniff(&media_recorder_webm(17)).kind, Kind::File);
}

#[test]
fn webm_duration_element_wins() {
    let mut f = el(&[0x1A, 0x45, 0xDF, 0xA3], &el(&[0x42, 0x82], b"webm"));
    let mut info = el(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]);
    info.extend(el(&[0x44, 0x89], &1234.5f64.to_be_bytes()));
    f.extend(el(&[0x18, 0x53, 0x80, 0x67], &el(&[0x15, 0x49, 0xA9, 0x66], &info)));
    assert_eq!(ebml::duration_ms(&f), Ok(1235));
}

#[test]
fn unmeasurable_media_is_bad() {
    let s = sniff(fixture!("opus.ogg"));
    // Headers only: no page after them carries a position.
    let headers = &fixture!("opus.ogg")[..200];
    assert!(matches!(duration_ms(headers, &s), Err(MediaError::Bad(_))));
    assert!(matches!(ogg::duration_ms(b"OggS\0garbage"), Err(MediaError::Bad(_))));
    assert!(matches!(mp4::duration_ms(b"\0\0\0\x10ftypisom\0\0\0\0"), Err(MediaError::Bad(_))));
    assert!(matches!(mp3::duration_ms(&[0xFF, 0xFB, 0x90]), Err(MediaError::Bad(_))));
    let empty_webm = el(&[0x1A, 0x45, 0xDF, 0xA3], &el(&[0x42, 0x82], b"webm"));
    assert!(matches!(ebml::duration_ms(&empty_webm), Err(MediaError::Bad(_))));
}

#[test]
fn images_and_files_have_no_duration() {
    let png = b"\x89PNG\r\n\x1a\n....";
    assert_eq!(duration_ms(png, &sniff(png)), Ok(None));
    assert_eq!(duration_ms(b"hello", &sniff(b"hello")), Ok(None));
}

#[test]
fn truncated_or_corrupt_inputs_never_panic() {
    for f in [
        fixture!("opus.ogg"),
        fixture!("audio.webm"),
        fixture!("live-audio.webm"),
        fixture!("audio.m4a"),
        fixture!("fragmented.m4a"),
        fixture!("vbr.mp3"),
        &media_recorder_webm(2),
    ] {
        for cut in (0..f.len()).step_by(97) {
            let part = &f[..cut];
            let _ = duration_ms(part, &sniff(part));
        }
        // Corrupted bytes too: every header field the parsers read gets hit.
        for at in (0..f.len().min(4096)).step_by(3) {
            let mut bad = f.to_vec();
            bad[at] ^= 0xFF;
            let _ = duration_ms(&bad, &sniff(&bad));
        }
    }
}
