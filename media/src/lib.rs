//! Content inspection and processing for uploads: what a file really is
//! ([`sniff`]), what an image becomes before anyone sees it
//! ([`process_image`], [`avatar`]) and how long a recording lasts
//! ([`duration_ms`]).
//!
//! Pure on purpose: bytes in, results out. No I/O, no async, no database, so the
//! server decides where bytes live and when the work runs (e.g. on a blocking
//! thread), and every rule here is testable without a running server.
//!
//! Nothing here trusts a file name or a declared content type: every decision is
//! made from the bytes, and any input this crate cannot fully account for is an
//! error or, when sniffing, an opaque download.

mod container;
mod duration;
mod error;
mod img;
mod sniff;

pub use duration::duration_ms;
pub use error::MediaError;
pub use img::{
    avatar, avatars, process_image, EncodedImage, ImageLimits, ProcessedImage, MAX_AVATAR_SIDE,
    THUMBNAIL_SIDE,
};
pub use sniff::{sniff, Kind, Sniffed};
