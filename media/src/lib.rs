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
//!
//! An upload handler uses it like this (the work is CPU-bound: run it on a
//! blocking thread):
//!
//! ```
//! use jeco_media::{duration_ms, process_image, sniff, ImageLimits, Kind, MediaError};
//!
//! fn inspect(bytes: &[u8]) -> Result<(), MediaError> {
//!     let sniffed = sniff(bytes);
//!     match sniffed.kind {
//!         // Serve `p.original` as `p.content_type`, never the upload itself.
//!         Kind::Image => {
//!             let p = process_image(bytes, &ImageLimits::default())?;
//!             let _ = (p.original, p.thumbnail, p.placeholder, p.width, p.height);
//!         }
//!         Kind::Audio | Kind::Video => {
//!             let _ms = duration_ms(bytes, &sniffed)?;
//!         }
//!         // Serve as an attachment with `sniffed.content_type`.
//!         Kind::File => {}
//!     }
//!     Ok(())
//! }
//! # assert!(inspect(b"<html>").is_ok());
//! ```
//!
//! `sniff` decides `Kind::Image` from the signature alone; an image that then
//! fails `process_image` is not a picture anyone can see and should be refused
//! (the error text says why) rather than stored.

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
