//! Test inputs built in code: images with metadata spliced in, bombs, EXIF blocks.

use std::io::Cursor;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{DynamicImage, Frame, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// A marker that must never survive stripping.
pub(super) const SECRET: &[u8] = b"SECRET-48.8584N-2.2945E";

/// A `w`×`h` gradient, so rotations and crops are visible in the pixels.
pub(super) fn gradient(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
    }))
}

/// A half-transparent image.
pub(super) fn translucent(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgba8(RgbaImage::from_fn(w, h, |x, _| {
        Rgba([200, 10, 10, if x < w / 2 { 0 } else { 255 }])
    }))
}

/// `img` encoded as `format`.
pub(super) fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A TIFF block (as in EXIF) with IFD0 {Orientation, GPS pointer} and a GPS IFD
/// {LatitudeRef, Latitude, MapDatum = SECRET}.
pub(super) fn tiff(orientation: u16) -> Vec<u8> {
    let mut t = b"MM\0\x2A\0\0\0\x08".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    };
    // IFD0 at 8: 2 entries, ends at 8 + 2 + 24 + 4 = 38.
    t.extend_from_slice(&2u16.to_be_bytes());
    let o = orientation.to_be_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    entry(&mut t, 0x8825, 4, 1, 38u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 38: 3 entries, ends at 38 + 2 + 36 + 4 = 80; latitude at 80, datum at 104.
    t.extend_from_slice(&3u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, 80u32.to_be_bytes());
    entry(&mut t, 0x0012, 2, SECRET.len() as u32 + 1, 104u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    for (n, d) in [(48u32, 1u32), (51, 1), (3024, 100)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    t.extend_from_slice(SECRET);
    t.push(0);
    t
}

/// A JPEG segment.
pub(super) fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// A JPEG of `img` carrying EXIF (orientation + GPS), XMP, IPTC, a comment and a trailer.
pub(super) fn jpeg_with_metadata(img: &DynamicImage, orientation: u16) -> Vec<u8> {
    let plain = encode(img, ImageFormat::Jpeg);
    let mut out = plain[..2].to_vec();
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff(orientation));
    out.extend(segment(0xE1, &exif));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>".to_vec();
    xmp.extend_from_slice(SECRET);
    out.extend(segment(0xE1, &xmp));
    let mut iptc = b"Photoshop 3.0\0".to_vec();
    iptc.extend_from_slice(SECRET);
    out.extend(segment(0xED, &iptc));
    out.extend(segment(0xFE, SECRET));
    out.extend_from_slice(&plain[2..]);
    // Bytes after EOI (how MPF previews and "JPEG+ZIP" polyglots are stored).
    out.extend_from_slice(SECRET);
    out
}

/// CRC-32 (PNG's), bit by bit: tests only.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A PNG chunk with its CRC.
pub(super) fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend_from_slice(&crc32(&c[4..]).to_be_bytes());
    c
}

/// A PNG of `img` with tEXt, zTXt-free iTXt, tIME and eXIf (given orientation) chunks after IHDR.
pub(super) fn png_with_metadata(img: &DynamicImage, orientation: u16) -> Vec<u8> {
    let plain = encode(img, ImageFormat::Png);
    // Signature (8) + IHDR chunk (25).
    let mut out = plain[..33].to_vec();
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(SECRET);
    out.extend(chunk(b"tEXt", &text));
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend_from_slice(SECRET);
    out.extend(chunk(b"iTXt", &itxt));
    out.extend(chunk(b"tIME", &[0x07, 0xEA, 11, 30, 12, 0, 0]));
    out.extend(chunk(b"eXIf", &tiff(orientation)));
    out.extend_from_slice(&plain[33..]);
    out
}

/// A PNG header declaring `w`×`h` RGB pixels, followed by a tiny IDAT: a
/// decompression bomb as far as the header is concerned.
pub(super) fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend(chunk(b"IHDR", &ihdr));
    // zlib: one final stored block of 4 zero bytes (a real bomb would deflate to gigabytes).
    out.extend(chunk(b"IDAT", &[0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF, 0, 0, 0, 0, 0, 0x04, 0, 0x01]));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A looping two-frame GIF with a comment and an XMP application extension.
pub(super) fn animated_gif_with_metadata() -> Vec<u8> {
    let mut plain = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut plain);
        enc.set_repeat(Repeat::Infinite).unwrap();
        for shade in [0u8, 255] {
            let frame = RgbaImage::from_pixel(8, 6, Rgba([shade, 0, 0, 255]));
            enc.encode_frame(Frame::new(frame)).unwrap();
        }
    }
    // Header (6) + screen descriptor (7) + global table, if any.
    let table = if plain[10] & 0x80 != 0 { 3 << ((plain[10] & 7) + 1) } else { 0 };
    let at = 13 + table;
    let mut out = plain[..at].to_vec();
    out.extend_from_slice(&[0x21, 0xFE, SECRET.len() as u8]);
    out.extend_from_slice(SECRET);
    out.push(0);
    out.extend_from_slice(&[0x21, 0xFF, 11]);
    out.extend_from_slice(b"XMP DataXMP");
    out.push(SECRET.len() as u8);
    out.extend_from_slice(SECRET);
    out.push(0);
    out.extend_from_slice(&plain[at..]);
    out
}

/// A RIFF chunk, padded to even length.
fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = kind.to_vec();
    c.extend_from_slice(&(data.len() as u32).to_le_bytes());
    c.extend_from_slice(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// An extended WebP: VP8X (with `flags` and EXIF/XMP announced), the `chunks`
/// that draw the picture, then EXIF (given orientation) and XMP chunks.
fn extended_webp(w: u32, h: u32, flags: u8, chunks: &[u8], orientation: u16) -> Vec<u8> {
    let mut vp8x = vec![flags | 0x08 | 0x04, 0, 0, 0];
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    let mut body = b"WEBP".to_vec();
    body.extend(riff_chunk(b"VP8X", &vp8x));
    body.extend_from_slice(chunks);
    body.extend(riff_chunk(b"EXIF", &tiff(orientation)));
    body.extend(riff_chunk(b"XMP ", SECRET));
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// An extended WebP (VP8X) wrapping a lossless `img`, with EXIF and XMP chunks.
pub(super) fn webp_with_metadata(img: &DynamicImage, orientation: u16) -> Vec<u8> {
    let plain = encode(img, ImageFormat::WebP);
    extended_webp(img.width(), img.height(), 0, &plain[12..], orientation)
}

/// A looping two-frame (red, then blue) 8×6 animated WebP with EXIF and XMP.
pub(super) fn animated_webp_with_metadata() -> Vec<u8> {
    let mut chunks = riff_chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]);
    for colour in [Rgba([255, 0, 0, 255]), Rgba([0, 0, 255, 255])] {
        let frame = encode(&DynamicImage::ImageRgba8(RgbaImage::from_pixel(8, 6, colour)), ImageFormat::WebP);
        // Offset 0,0; size 8×6 (minus one); 100 ms; no blending.
        let mut anmf = vec![0, 0, 0, 0, 0, 0, 7, 0, 0, 5, 0, 0, 100, 0, 0, 0x02];
        anmf.extend_from_slice(&frame[12..]);
        chunks.extend(riff_chunk(b"ANMF", &anmf));
    }
    extended_webp(8, 6, 0x10 | 0x02, &chunks, 1)
}

/// True when `needle` occurs in `hay`.
pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
