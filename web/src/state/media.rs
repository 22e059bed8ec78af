//! Attachments as the UI shows them, and the pure arithmetic around media: sizes and
//! durations for labels, voice-note waveforms from recorded levels, bars for display,
//! initials for avatars without a picture.

/// Most attachments one message may carry (the server refuses more).
pub const MAX_ATTACHMENTS: usize = 10;
/// Most waveform values a voice note may carry.
pub const WAVEFORM_LEN: usize = 256;

/// What an attachment's content is (found by the server from the bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttachmentKind {
    /// PNG, JPEG, GIF or WebP: shown inline.
    Image,
    /// Played inline with a waveform.
    Audio,
    /// Played inline with the browser's controls.
    Video,
    /// Anything else: a card with a download link.
    #[default]
    File,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    /// Global id.
    pub id: String,
    /// What it is.
    pub kind: AttachmentKind,
    /// Display name.
    pub filename: String,
    /// MIME type found from the content.
    pub content_type: String,
    /// Size in bytes.
    pub byte_size: i64,
    /// Signed URL of the file (or a local `blob:` URL while the send is pending).
    pub url: String,
    /// Images: a small rendition.
    pub thumbnail_url: Option<String>,
    /// Images: width in pixels.
    pub width: Option<i64>,
    /// Images: height in pixels.
    pub height: Option<i64>,
    /// Images: base64 ThumbHash painted before the thumbnail loads.
    pub placeholder: Option<String>,
    /// Audio and video: length.
    pub duration_ms: Option<i64>,
    /// Recorded as a voice note.
    pub voice: bool,
    /// Voice notes: amplitudes 0..255.
    pub waveform: Vec<i64>,
}

impl Attachment {
    /// Width / height of an image, when known and sane (for a box that never jumps).
    pub fn aspect_ratio(&self) -> Option<f64> {
        match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some(w as f64 / h as f64),
            _ => None,
        }
    }
}

/// "512 B", "1.5 KB", "12.3 MB" (powers of 1024, one decimal below 100).
pub fn format_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{} B", bytes.max(0));
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 100.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// "m:ss" of a duration in milliseconds (whole seconds, rounded down).
pub fn format_duration(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// A voice note's waveform from the levels sampled while recording (each 0.0..=1.0):
/// at most [`WAVEFORM_LEN`] values (each the peak of its span), scaled so the loudest
/// is 255, every value in 0..=255.
pub fn waveform_from_levels(levels: &[f32]) -> Vec<i64> {
    if levels.is_empty() {
        return Vec::new();
    }
    let buckets = levels.len().min(WAVEFORM_LEN);
    let peaks: Vec<f32> = (0..buckets)
        .map(|b| {
            let (start, end) = (b * levels.len() / buckets, ((b + 1) * levels.len() / buckets).max(b + 1));
            levels[start..end.min(levels.len())].iter().fold(0.0f32, |a, &v| a.max(v.clamp(0.0, 1.0)))
        })
        .collect();
    let loudest = peaks.iter().fold(0.0f32, |a, &v| a.max(v));
    let scale = if loudest > 0.0 { 255.0 / loudest } else { 0.0 };
    peaks.iter().map(|&p| (p * scale).round().clamp(0.0, 255.0) as i64).collect()
}

/// `count` bar heights in 0.0..=1.0 for drawing a waveform of any length (flat, mid
/// height bars when there is none).
pub fn waveform_bars(waveform: &[i64], count: usize) -> Vec<f64> {
    if waveform.is_empty() {
        return vec![0.3; count];
    }
    (0..count)
        .map(|i| {
            let start = i * waveform.len() / count;
            let end = ((i + 1) * waveform.len() / count).max(start + 1).min(waveform.len());
            let peak = waveform[start..end].iter().copied().max().unwrap_or(0);
            // A floor so silence still shows as a thin bar to click on.
            (peak.clamp(0, 255) as f64 / 255.0).max(0.06)
        })
        .collect()
}

/// One or two capital letters for an avatar without a picture.
pub fn initials(display_name: &str, username: &str) -> String {
    let source = if display_name.trim().is_empty() { username } else { display_name };
    let mut words = source.split_whitespace().filter_map(|w| w.chars().find(|c| c.is_alphanumeric()));
    let letters: String = match (words.next(), words.next_back()) {
        (Some(a), Some(b)) => [a, b].iter().collect(),
        (Some(a), None) => a.to_string(),
        _ => "?".to_owned(),
    };
    letters.to_uppercase()
}

/// Whether a file may go into the composer, given how many are already there.
pub fn check_count(already: usize, adding: usize) -> Result<(), String> {
    if already + adding > MAX_ATTACHMENTS {
        Err(format!("A message can carry at most {MAX_ATTACHMENTS} attachments."))
    } else {
        Ok(())
    }
}

/// A ThumbHash placeholder decoded: `(width, height, RGBA pixels)` (about 32 px on
/// the long side), or `None` when it is not valid base64 ThumbHash.
pub fn placeholder_rgba(placeholder: &str) -> Option<(usize, usize, Vec<u8>)> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(placeholder.trim()).ok()?;
    thumbhash::thumb_hash_to_rgba(&bytes).ok()
}

/// The placeholder's average colour as CSS, painted when a picture cannot be drawn.
pub fn placeholder_average_css(placeholder: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(placeholder.trim()).ok()?;
    let (r, g, b, a) = thumbhash::thumb_hash_to_average_rgba(&bytes).ok()?;
    let c = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    Some(format!("rgba({}, {}, {}, {:.2})", c(r), c(g), c(b), a.clamp(0.0, 1.0)))
}

/// Display size (CSS px) of an image box at most `max` px on its long side.
pub fn fit(width: i64, height: i64, max: f64) -> (f64, f64) {
    let (w, h) = (width.max(1) as f64, height.max(1) as f64);
    let scale = (max / w.max(h)).min(1.0);
    ((w * scale).round(), (h * scale).round())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_decode_or_are_refused() {
        // A 4x2 red-left / blue-right image encoded by the thumbhash crate itself.
        let mut rgba = Vec::new();
        for _y in 0..2 {
            for x in 0..4 {
                rgba.extend_from_slice(if x < 2 { &[255, 0, 0, 255] } else { &[0, 0, 255, 255] });
            }
        }
        use base64::Engine as _;
        let hash =
            base64::engine::general_purpose::STANDARD.encode(thumbhash::rgba_to_thumb_hash(4, 2, &rgba));
        let (w, h, pixels) = placeholder_rgba(&hash).expect("decodes");
        assert!(w > h, "landscape stays landscape: {w}x{h}");
        assert_eq!(pixels.len(), w * h * 4);
        let css = placeholder_average_css(&hash).expect("average");
        assert!(css.starts_with("rgba("), "{css}");
        assert_eq!(placeholder_rgba("not base64!"), None);
        assert_eq!(placeholder_average_css(""), None);
    }

    #[test]
    fn images_fit_their_box() {
        assert_eq!(fit(4000, 3000, 320.0), (320.0, 240.0));
        assert_eq!(fit(1000, 2000, 320.0), (160.0, 320.0));
        assert_eq!(fit(100, 50, 320.0), (100.0, 50.0));
        assert_eq!(fit(0, 0, 320.0), (1.0, 1.0));
    }

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1536), "1.5 KB");
        assert_eq!(format_size(25 * 1024 * 1024), "25.0 MB");
        assert_eq!(format_size(300 * 1024 * 1024), "300 MB");
        assert_eq!(format_duration(0), "0:00");
        assert_eq!(format_duration(65_999), "1:05");
        assert_eq!(format_duration(-5), "0:00");
    }

    #[test]
    fn waveforms_fit_the_contract() {
        assert!(waveform_from_levels(&[]).is_empty());
        assert_eq!(waveform_from_levels(&[0.0, 0.5, 0.25]), vec![0, 255, 128]);
        let long: Vec<f32> = (0..10_000).map(|i| (i % 100) as f32 / 100.0).collect();
        let wave = waveform_from_levels(&long);
        assert_eq!(wave.len(), WAVEFORM_LEN);
        assert!(wave.iter().all(|v| (0..=255).contains(v)));
        assert_eq!(wave.iter().max(), Some(&255));
        assert_eq!(waveform_from_levels(&[0.0, 0.0]), vec![0, 0]);
        assert_eq!(waveform_from_levels(&[2.0, -1.0]), vec![255, 0]);
    }

    #[test]
    fn bars_resample_any_waveform() {
        assert_eq!(waveform_bars(&[], 3), vec![0.3, 0.3, 0.3]);
        assert_eq!(waveform_bars(&[255, 0], 4), vec![1.0, 1.0, 0.06, 0.06]);
        let bars = waveform_bars(&[0, 51, 255, 102], 2);
        assert_eq!(bars, vec![0.2, 1.0]);
    }

    #[test]
    fn initials_and_counts() {
        assert_eq!(initials("Ann Lee", "ann"), "AL");
        assert_eq!(initials("bob", "bob"), "B");
        assert_eq!(initials("  ", "zoe"), "Z");
        assert_eq!(initials("Jean-Luc de la Cruz", "j"), "JC");
        assert!(check_count(9, 1).is_ok());
        assert!(check_count(9, 2).unwrap_err().contains("at most 10"));
    }

    #[test]
    fn aspect_ratio_needs_both_sides() {
        let a = Attachment { width: Some(400), height: Some(200), ..Attachment::default() };
        assert_eq!(a.aspect_ratio(), Some(2.0));
        assert_eq!(Attachment { width: Some(400), ..Attachment::default() }.aspect_ratio(), None);
    }
}
