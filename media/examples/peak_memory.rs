//! Peak memory of `process_image` on a 12 MP JPEG, as the crate docs quote it.
//!
//! `cargo run --release -p jeco-media --example peak_memory [orientation]`
//! prints the process's peak resident set (Linux `VmHWM`) before and after.
//! A one-off measurement tool, not a test: RSS depends on the allocator.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use jeco_media::{process_image, ImageLimits};

/// Peak resident set size in KiB, from /proc (Linux only).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let orientation: u16 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    // A noisy 4000×3000 photo-like picture, so the JPEG is realistically large.
    let mut seed = 0x2545_F491u32;
    let img = RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 31) as u8;
        Rgb([(x / 16) as u8 ^ n, (y / 12) as u8 ^ n, 128 ^ n])
    });
    let mut jpeg = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img).write_to(&mut jpeg, ImageFormat::Jpeg)?;
    let mut jpeg = jpeg.into_inner();
    // EXIF APP1 with only an Orientation tag, right after SOI.
    let mut app1 = vec![0xFF, 0xE1, 0, 34];
    app1.extend_from_slice(b"Exif\0\0MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01");
    app1.extend_from_slice(&orientation.to_be_bytes());
    app1.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    jpeg.splice(2..2, app1);
    // Reset the high-water mark so the generator's own 36 MB buffer is not counted
    // ("5" = reset peak RSS, Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_kib();
    let p = process_image(&jpeg, &ImageLimits::default())?;
    let after = peak_kib();
    println!(
        "input {} KiB, orientation {orientation}: {}x{} original {} KiB; peak RSS {} KiB before, {} KiB after",
        jpeg.len() / 1024,
        p.width,
        p.height,
        p.original.len() / 1024,
        before,
        after
    );
    Ok(())
}
