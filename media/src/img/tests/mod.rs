//! Image processing: metadata removal, orientation, limits, renditions.

mod build;

use std::time::{Duration, Instant};

use build::*;
use image::{GenericImageView, ImageFormat};

use super::*;

fn limits() -> ImageLimits {
    ImageLimits::default()
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

#[test]
fn jpeg_exif_gps_xmp_iptc_comments_and_trailer_are_removed() {
    let input = jpeg_with_metadata(&gradient(40, 20), 1);
    assert!(contains(&input, SECRET) && contains(&input, b"Exif"));
    let p = process_image(&input, &limits()).unwrap();
    for needle in [SECRET, b"Exif", b"http://ns.adobe.com", b"Photoshop"] {
        assert!(!contains(&p.original, needle), "{:?} survived", String::from_utf8_lossy(needle));
    }
    assert_eq!((p.content_type, p.width, p.height, p.animated), ("image/jpeg", 40, 20, false));
    // Orientation 1: stripped losslessly, so the scan data is byte-identical.
    let plain = encode(&gradient(40, 20), ImageFormat::Jpeg);
    assert_eq!(p.original, plain);
}

#[test]
fn jpeg_orientation_is_applied_then_stripped() {
    let input = jpeg_with_metadata(&gradient(40, 20), 6);
    let p = process_image(&input, &limits()).unwrap();
    // Orientation 6 = rotate 90° clockwise: the 40×20 picture stands up.
    assert_eq!((p.width, p.height), (20, 40));
    assert!(!contains(&p.original, SECRET) && !contains(&p.original, b"Exif"));
    let shown = decode(&p.original);
    assert_eq!(shown.dimensions(), (20, 40));
    // The top-left of the upright picture is the old bottom-left: dark red, bright green.
    let px = shown.to_rgb8().get_pixel(0, 0).0;
    assert!(px[0] < 40 && px[1] > 200, "{px:?}");
    assert_eq!((p.thumbnail.width, p.thumbnail.height), (20, 40));
}

#[test]
fn jfif_thumbnail_dropped_icc_profile_kept() {
    let plain = encode(&gradient(40, 20), ImageFormat::Jpeg);
    assert_eq!(&plain[2..4], [0xFF, 0xE0], "image writes JFIF first");
    let jfif_len = usize::from(u16::from_be_bytes([plain[4], plain[5]])) + 2;
    // JFIF with a 2×1 RGB thumbnail of SECRET-ish bytes, then an ICC profile.
    let mut jfif = plain[6..6 + 12].to_vec();
    jfif.extend_from_slice(&[2, 1, b'S', b'E', b'C', b'R', b'E', b'T']);
    let profile = [b"ICC-PROFILE-BODY".as_slice(); 8].concat();
    let mut app2 = b"ICC_PROFILE\0\x01\x01".to_vec();
    app2.extend_from_slice(&profile);
    let build = |orientation| {
        let mut input = plain[..2].to_vec();
        input.extend(segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff(orientation)].concat()));
        input.extend(segment(0xE0, &jfif));
        input.extend(segment(0xE2, &app2));
        input.extend_from_slice(&plain[2 + jfif_len..]);
        input
    };
    let input = build(1);

    let p = process_image(&input, &limits()).unwrap();
    assert!(!contains(&p.original, b"SECRET"));
    assert_eq!(&p.original[..20], [&plain[..4], &[0, 16], &plain[6..18], &[0, 0]].concat().as_slice());
    assert!(contains(&p.original, &profile));
    // Rotated photos are re-encoded; the profile (e.g. Display P3) goes with them.
    let rotated = process_image(&build(6), &limits()).unwrap();
    assert_eq!((rotated.width, rotated.height), (20, 40));
    assert!(contains(&rotated.original, &profile) && contains(&rotated.thumbnail.bytes, &profile));
}

#[test]
fn progressive_jpeg_with_restarts_is_stripped_losslessly() {
    // ffmpeg + `jpegtran -progressive -restart 2 -copy all` (tests/fixtures/README.md):
    // ten scans with Huffman tables between them, restart markers, a COM segment.
    let input = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/progressive.jpg"));
    let mut with_exif = input[..2].to_vec();
    with_exif.extend(segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff(1)].concat()));
    with_exif.extend_from_slice(&input[2..]);
    let p = process_image(&with_exif, &limits()).unwrap();
    assert!(!contains(&p.original, SECRET) && !contains(&p.original, b"Lavc"));
    assert_eq!((p.width, p.height), (96, 64));
    assert_eq!(decode(&p.original).to_rgb8(), decode(input).to_rgb8());
    // Only the comment went: everything from the first table on is byte-identical.
    let dqt = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
    assert_eq!(&p.original[dqt(&p.original)..], &input[dqt(input)..]);
}

#[test]
fn png_text_exif_and_time_chunks_are_removed_pixels_kept() {
    let img = gradient(30, 17);
    let input = png_with_metadata(&img, 1);
    let p = process_image(&input, &limits()).unwrap();
    for needle in [SECRET, b"tEXt", b"iTXt", b"tIME", b"eXIf"] {
        assert!(!contains(&p.original, needle));
    }
    assert_eq!(p.content_type, "image/png");
    assert_eq!(decode(&p.original).to_rgb8(), img.to_rgb8());
    assert_eq!(p.original, encode(&img, ImageFormat::Png));
}

#[test]
fn png_exif_orientation_is_applied() {
    let p = process_image(&png_with_metadata(&gradient(30, 17), 8), &limits()).unwrap();
    assert_eq!((p.width, p.height, p.content_type), (17, 30, "image/png"));
    assert!(!contains(&p.original, SECRET));
}

#[test]
fn webp_exif_and_xmp_chunks_are_removed() {
    let img = gradient(24, 10);
    let p = process_image(&webp_with_metadata(&img, 1), &limits()).unwrap();
    assert!(!contains(&p.original, SECRET) && !contains(&p.original, b"EXIF"));
    assert_eq!(p.content_type, "image/webp");
    // VP8X flags no longer announce EXIF/XMP, and the RIFF size matches.
    assert_eq!(p.original[20] & 0x0C, 0);
    assert_eq!(u32::from_le_bytes(p.original[4..8].try_into().unwrap()) as usize, p.original.len() - 8);
    assert_eq!(decode(&p.original).to_rgb8(), img.to_rgb8());
}

#[test]
fn animated_webp_keeps_frames_loses_exif() {
    let input = animated_webp_with_metadata();
    let p = process_image(&input, &limits()).unwrap();
    assert!(!contains(&p.original, SECRET) && !contains(&p.original, b"EXIF"));
    assert_eq!(p.original.windows(4).filter(|w| w == b"ANMF").count(), 2);
    assert_eq!(p.original[20] & 0x0E, 0x02, "still announced as animated, no EXIF/XMP");
    assert!(p.animated);
    assert_eq!((p.content_type, p.width, p.height), ("image/webp", 8, 6));
    // Thumbnail from the first (red) frame.
    let first = decode(&p.thumbnail.bytes).to_rgb8().get_pixel(0, 0).0;
    assert!(first[0] > 200 && first[2] < 50, "{first:?}");
}

#[test]
fn animated_gif_keeps_frames_loses_comments() {
    let input = animated_gif_with_metadata();
    assert!(contains(&input, SECRET));
    let p = process_image(&input, &limits()).unwrap();
    assert!(!contains(&p.original, SECRET) && !contains(&p.original, b"XMP DataXMP"));
    assert!(contains(&p.original, b"NETSCAPE2.0"));
    assert!(p.animated);
    assert_eq!((p.content_type, p.width, p.height), ("image/gif", 8, 6));
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&p.original)).unwrap();
    use image::AnimationDecoder;
    assert_eq!(decoder.into_frames().count(), 2);
    // The thumbnail is the first (black) frame.
    assert_eq!(p.thumbnail.content_type, "image/jpeg");
    assert!(decode(&p.thumbnail.bytes).to_rgb8().get_pixel(0, 0).0[0] < 30);
}

#[test]
fn decompression_bomb_is_refused_from_the_header() {
    let bomb = png_bomb(60_000, 60_000);
    assert!(bomb.len() < 100);
    let start = Instant::now();
    let err = process_image(&bomb, &limits()).unwrap_err();
    assert_eq!(err, MediaError::TooManyPixels { width: 60_000, height: 60_000, max: 50_000_000 });
    assert_eq!(avatar(&bomb, &limits(), 64).unwrap_err(), err);
    // 10.8 GB of pixels were never allocated: that would neither succeed nor be quick.
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn decoder_allocation_is_capped() {
    let big = encode(&gradient(1500, 1000), ImageFormat::Png);
    let tight = ImageLimits { max_pixels: 50_000_000, max_alloc: 1024 * 1024 };
    assert_eq!(process_image(&big, &tight).unwrap_err(), MediaError::TooMuchMemory);
}

#[test]
fn truncated_and_corrupt_images_are_bad() {
    let jpeg = encode(&gradient(64, 64), ImageFormat::Jpeg);
    for cut in [jpeg.len() / 2, jpeg.len() - 2, 20] {
        assert!(matches!(process_image(&jpeg[..cut], &limits()), Err(MediaError::Bad(_))), "cut at {cut}");
    }
    for format in [ImageFormat::Png, ImageFormat::Gif, ImageFormat::WebP] {
        let whole = encode(&gradient(64, 64), format);
        let half = &whole[..whole.len() / 2];
        assert!(matches!(process_image(half, &limits()), Err(MediaError::Bad(_))), "{format:?}");
    }
    assert_eq!(process_image(b"<svg/>", &limits()).unwrap_err(), MediaError::UnsupportedImage);
}

#[test]
fn truncated_or_corrupt_inputs_never_panic() {
    let inputs = [
        jpeg_with_metadata(&gradient(16, 16), 6),
        png_with_metadata(&gradient(16, 16), 1),
        webp_with_metadata(&gradient(16, 16), 1),
        animated_gif_with_metadata(),
        animated_webp_with_metadata(),
    ];
    for input in &inputs {
        for cut in 0..input.len() {
            let _ = process_image(&input[..cut], &limits());
        }
        for at in 0..input.len().min(600) {
            let mut bad = input.clone();
            bad[at] ^= 0xFF;
            let _ = process_image(&bad, &limits());
        }
    }
}

#[test]
fn thumbnail_fits_480_keeps_aspect_never_upscales() {
    let p = process_image(&encode(&gradient(1200, 600), ImageFormat::Jpeg), &limits()).unwrap();
    assert_eq!((p.thumbnail.width, p.thumbnail.height), (480, 240));
    assert_eq!(decode(&p.thumbnail.bytes).dimensions(), (480, 240));
    let p = process_image(&encode(&gradient(300, 900), ImageFormat::Png), &limits()).unwrap();
    assert_eq!((p.thumbnail.width, p.thumbnail.height), (160, 480));
    let p = process_image(&encode(&gradient(100, 50), ImageFormat::Png), &limits()).unwrap();
    assert_eq!((p.thumbnail.width, p.thumbnail.height), (100, 50));
    assert_eq!(p.thumbnail.content_type, "image/jpeg");
}

#[test]
fn transparent_images_get_webp_thumbnails() {
    let p = process_image(&encode(&translucent(600, 200), ImageFormat::Png), &limits()).unwrap();
    assert_eq!(p.thumbnail.content_type, "image/webp");
    let t = decode(&p.thumbnail.bytes).to_rgba8();
    assert_eq!(t.dimensions(), (480, 160));
    assert_eq!(t.get_pixel(0, 0).0[3], 0);
    assert_eq!(t.get_pixel(479, 0).0[3], 255);
}

#[test]
fn placeholder_is_a_thumbhash() {
    use base64::Engine;
    for img in [gradient(1200, 600), gradient(5000, 1), translucent(40, 40)] {
        let p = process_image(&encode(&img, ImageFormat::Png), &limits()).unwrap();
        let hash = base64::engine::general_purpose::STANDARD.decode(&p.placeholder).unwrap();
        let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&hash).unwrap();
        assert!(w > 0 && h > 0 && rgba.len() == w * h * 4);
        assert!(p.placeholder.len() < 64);
    }
}

#[test]
fn avatars_are_upright_centre_squares() {
    let input = jpeg_with_metadata(&gradient(300, 200), 6);
    let all = avatars(&input, &limits(), &[256, 64, 512]).unwrap();
    let sizes: Vec<_> = all.iter().map(|a| (a.width, a.height, a.content_type)).collect();
    assert_eq!(sizes, [(256, 256, "image/jpeg"), (64, 64, "image/jpeg"), (512, 512, "image/jpeg")]);
    for a in &all {
        assert_eq!(decode(&a.bytes).dimensions(), (a.width, a.width));
        assert!(!contains(&a.bytes, SECRET) && !contains(&a.bytes, b"Exif"));
    }
    let a = avatar(&encode(&translucent(50, 80), ImageFormat::Png), &limits(), 32).unwrap();
    assert_eq!((a.content_type, a.width, a.height), ("image/webp", 32, 32));
    assert_eq!(
        avatar(&input, &limits(), 0).unwrap_err(),
        MediaError::InvalidArgument("avatar size must be between 1 and 2048")
    );
}
