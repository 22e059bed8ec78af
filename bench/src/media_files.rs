//! The files the media bench uploads, built in code so every run sends the same
//! bytes: a photo-like 12 MP JPEG and a ~1 MB Ogg/Opus voice note.

use std::io::Cursor;

use anyhow::{bail, Context, Result};
use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;

/// The real 2.5 s Ogg/Opus fixture of `jeco-media` (ffmpeg, libopus 12 kb/s mono).
const OPUS_FIXTURE: &[u8] = include_bytes!("../../media/tests/fixtures/opus.ogg");

/// Most Opus packets on one audio page (50 × 20 ms = 1 s, as ffmpeg pages).
const PACKETS_PER_PAGE: usize = 50;

/// A `width`×`height` JPEG (quality 90) that compresses like a photo: smooth
/// colour gradients, mid-frequency texture and per-pixel sensor-like noise,
/// with an EXIF APP1 segment (orientation 1, a GPS IFD) as phones write.
pub fn photo_jpeg(width: u32, height: u32) -> Result<Vec<u8>> {
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32, y as f32);
            let sky = 60.0 * (fx * 0.0009 + 0.4).sin() * (fy * 0.0013).cos();
            let hill = 35.0 * ((fx + 1.7 * fy) * 0.0021).sin();
            let texture = 14.0 * (fx * 0.047).sin() * (fy * 0.039 + fx * 0.011).sin();
            let base = [128.0 + sky + hill, 118.0 + hill - 0.5 * sky, 110.0 - sky + texture];
            let mut px = [0u8; 3];
            for (out, b) in px.iter_mut().zip(base) {
                // Sum of two uniforms: triangular noise of about ±12 levels.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let noise = ((seed & 0xFF) as f32 + ((seed >> 8) & 0xFF) as f32) / 21.0 - 12.1;
                *out = (b + texture * 0.6 + noise).clamp(0.0, 255.0) as u8;
            }
            rgb.extend_from_slice(&px);
        }
    }
    let mut jpeg = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode(&rgb, width, height, ExtendedColorType::Rgb8)
        .context("encoding the bench JPEG")?;
    let jpeg = jpeg.into_inner();
    let Some(rest) = jpeg.get(2..) else { bail!("the JPEG encoder wrote no SOI") };
    let mut out = vec![0xFF, 0xD8];
    out.extend(exif_app1());
    out.extend_from_slice(rest);
    Ok(out)
}

/// An APP1 EXIF segment: IFD0 { Orientation = 1, GPSInfo } and a GPS IFD with
/// a latitude reference, as a phone photo carries (the server strips it).
fn exif_app1() -> Vec<u8> {
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes()); // IFD0: 2 entries
    tiff.extend([0x12, 0x01, 3, 0]); // Orientation, SHORT, 1 value: 1 (upright)
    tiff.extend(1u32.to_le_bytes());
    tiff.extend([1, 0, 0, 0]);
    tiff.extend([0x25, 0x88, 4, 0]); // GPSInfo, LONG -> GPS IFD at 38
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes()); // no next IFD
    tiff.extend(1u16.to_le_bytes()); // GPS IFD: 1 entry
    tiff.extend([0x01, 0x00, 2, 0]); // GPSLatitudeRef, ASCII, 2 bytes: "N\0"
    tiff.extend(2u32.to_le_bytes());
    tiff.extend([b'N', 0, 0, 0]);
    tiff.extend(0u32.to_le_bytes());
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((tiff.len() + 8) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    app1
}

/// A valid Ogg/Opus voice note of at least `target` bytes: the OpusHead and
/// OpusTags of the `jeco-media` fixture, then its audio packets repeated in
/// order, paged as ffmpeg does (≤1 s a page) with correct granule positions,
/// sequence numbers and CRCs. Returns the file and its length in ms.
pub fn voice_note(target: usize) -> Result<(Vec<u8>, u64)> {
    let (serial, packets) = read_packets(OPUS_FIXTURE)?;
    let [head, tags, audio @ ..] = packets.as_slice() else { bail!("the Opus fixture has no audio packets") };
    let pre_skip = u64::from(u16::from_le_bytes([
        *head.get(10).context("short OpusHead")?,
        *head.get(11).context("short OpusHead")?,
    ]));
    let mut out = Vec::with_capacity(target + 8192);
    let mut seq = 0u32;
    write_page(&mut out, 0x02, 0, serial, &mut seq, &[head.as_slice()]);
    write_page(&mut out, 0x00, 0, serial, &mut seq, &[tags.as_slice()]);
    let mut granule = 0u64;
    let mut cycle = audio.iter().cycle();
    while out.len() < target {
        let mut page: Vec<&[u8]> = Vec::new();
        let mut lacing = 0;
        while page.len() < PACKETS_PER_PAGE
            && out.len() + page.iter().map(|p| p.len()).sum::<usize>() < target
        {
            let Some(p) = cycle.next() else { bail!("the Opus fixture has no audio packets") };
            let segments = p.len() / 255 + 1;
            if lacing + segments > 255 {
                break;
            }
            lacing += segments;
            granule += opus_samples(p).context("an Opus packet without a valid TOC")?;
            page.push(p.as_slice());
        }
        let flags = if out.len() + page.iter().map(|p| p.len()).sum::<usize>() >= target { 0x04 } else { 0 };
        write_page(&mut out, flags, granule, serial, &mut seq, &page);
    }
    Ok((out, (granule.saturating_sub(pre_skip) * 1000 + 24_000) / 48_000))
}

/// The serial and the packets of the first logical stream of an Ogg file.
fn read_packets(b: &[u8]) -> Result<(u32, Vec<Vec<u8>>)> {
    let mut pos = 0;
    let mut serial = None;
    let mut packets = Vec::new();
    let mut current = Vec::new();
    while pos < b.len() {
        let head = b.get(pos..pos + 27).context("truncated Ogg page header")?;
        if head.get(..4) != Some(b"OggS".as_slice()) {
            bail!("not an Ogg page at byte {pos}");
        }
        let page_serial = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
        let segments = usize::from(head[26]);
        let lacing = b.get(pos + 27..pos + 27 + segments).context("truncated lacing")?;
        let mut data = pos + 27 + segments;
        for &len in lacing {
            let len = usize::from(len);
            let chunk = b.get(data..data + len).context("truncated Ogg page")?;
            if *serial.get_or_insert(page_serial) == page_serial {
                current.extend_from_slice(chunk);
                if len < 255 {
                    packets.push(std::mem::take(&mut current));
                }
            }
            data += len;
        }
        pos = data;
    }
    Ok((serial.context("empty Ogg file")?, packets))
}

/// 48 kHz samples in an Opus packet, from its TOC byte (RFC 6716 §3.1).
fn opus_samples(p: &[u8]) -> Option<u64> {
    let toc = *p.first()?;
    let config = usize::from(toc >> 3);
    let frame: u64 = match config {
        0..=11 => [480, 960, 1920, 2880][config % 4],
        12..=15 => [480, 960][config % 2],
        _ => [120, 240, 480, 960][config % 4],
    };
    let frames = match toc & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => u64::from(*p.get(1)? & 0x3F),
    };
    Some(frame * frames)
}

/// Appends one Ogg page holding whole `packets`.
fn write_page(out: &mut Vec<u8>, flags: u8, granule: u64, serial: u32, seq: &mut u32, packets: &[&[u8]]) {
    let start = out.len();
    out.extend(b"OggS\0");
    out.push(flags);
    out.extend(granule.to_le_bytes());
    out.extend(serial.to_le_bytes());
    out.extend(seq.to_le_bytes());
    out.extend([0; 4]); // CRC, filled in below
    let lacing: Vec<u8> = packets
        .iter()
        .flat_map(|p| std::iter::repeat_n(255u8, p.len() / 255).chain([(p.len() % 255) as u8]))
        .collect();
    out.push(lacing.len() as u8);
    out.extend(lacing);
    for p in packets {
        out.extend_from_slice(p);
    }
    let crc = ogg_crc(out.get(start..).unwrap_or_default());
    if let Some(field) = out.get_mut(start + 22..start + 26) {
        field.copy_from_slice(&crc.to_le_bytes());
    }
    *seq += 1;
}

/// Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, initial 0, no final xor).
fn ogg_crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04C1_1DB7 } else { crc << 1 };
        }
    }
    crc
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_pages_check_out_with_our_crc() {
        // Every page of the ffmpeg-made fixture carries the CRC we compute.
        let b = OPUS_FIXTURE;
        let mut pos = 0;
        let mut pages = 0;
        while pos < b.len() {
            let segments = usize::from(b[pos + 26]);
            let len: usize = b[pos + 27..pos + 27 + segments].iter().map(|&x| usize::from(x)).sum();
            let end = pos + 27 + segments + len;
            let mut page = b[pos..end].to_vec();
            let stored = u32::from_le_bytes(page[22..26].try_into().unwrap());
            page[22..26].fill(0);
            assert_eq!(ogg_crc(&page), stored);
            pos = end;
            pages += 1;
        }
        assert!(pages >= 3);
    }

    #[test]
    fn the_voice_note_reads_back_and_measures() {
        let (file, ms) = voice_note(200_000).unwrap();
        assert!((200_000..210_000).contains(&file.len()), "{}", file.len());
        let (_, packets) = read_packets(&file).unwrap();
        let (_, fixture) = read_packets(OPUS_FIXTURE).unwrap();
        assert_eq!(packets[0], fixture[0]);
        assert!(packets.len() > fixture.len() * 10);
        // ~12 kb/s: 200 kB is about two minutes.
        assert!((100_000..160_000).contains(&ms), "{ms}");
        // The last page is flagged end-of-stream and carries the final granule.
        let last = file.windows(4).rposition(|w| w == b"OggS").unwrap();
        assert_eq!(file[last + 5], 0x04);
    }

    #[test]
    fn opus_toc_durations() {
        assert_eq!(opus_samples(&[9 << 3]), Some(960)); // SILK WB 20 ms
        assert_eq!(opus_samples(&[8 << 3]), Some(480)); // SILK WB 10 ms
        assert_eq!(opus_samples(&[(31 << 3) | 1, 0]), Some(1920)); // CELT 20 ms, 2 frames
        assert_eq!(opus_samples(&[(16 << 3) | 3, 4]), Some(480)); // CELT 2.5 ms × 4
        assert_eq!(opus_samples(&[]), None);
    }

    #[test]
    fn the_photo_is_a_jpeg_with_exif() {
        let jpeg = photo_jpeg(64, 48).unwrap();
        assert_eq!(&jpeg[..4], &[0xFF, 0xD8, 0xFF, 0xE1]);
        assert_eq!(&jpeg[6..12], b"Exif\0\0");
        let img = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (64, 48));
    }
}
