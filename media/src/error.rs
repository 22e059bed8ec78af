//! The one error type of the crate; every message is safe to show the uploader.

/// Why an upload could not be processed. `Display` texts are meant for users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The header declares more pixels than allowed; refused before decoding.
    #[error("image is too large: {width}×{height} pixels (at most {max} pixels allowed)")]
    TooManyPixels {
        /// Width declared by the header.
        width: u32,
        /// Height declared by the header.
        height: u32,
        /// The limit that was exceeded.
        max: u64,
    },
    /// Decoding would need more memory than the limits allow.
    #[error("image needs too much memory to process")]
    TooMuchMemory,
    /// Not an image format this crate processes (only PNG, JPEG, GIF, WebP).
    #[error("unsupported image format (use PNG, JPEG, GIF or WebP)")]
    UnsupportedImage,
    /// Not an audio or video format whose length this crate can measure.
    #[error("unsupported audio/video format")]
    UnsupportedMedia,
    /// A caller-supplied argument is out of range (e.g. an avatar size of 0).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The file is truncated, corrupt or otherwise undecodable.
    #[error("file is damaged or incomplete: {0}")]
    Bad(String),
}

impl MediaError {
    /// A [`MediaError::Bad`] from any message.
    pub(crate) fn bad(msg: impl Into<String>) -> Self {
        MediaError::Bad(msg.into())
    }
}

impl From<image::ImageError> for MediaError {
    fn from(e: image::ImageError) -> Self {
        match e {
            image::ImageError::Limits(_) => MediaError::TooMuchMemory,
            image::ImageError::Unsupported(_) => MediaError::UnsupportedImage,
            // The decoder's own text can name internals; keep the user message plain
            // but specific enough to act on.
            other => MediaError::Bad(format!("image could not be decoded ({other})")),
        }
    }
}
