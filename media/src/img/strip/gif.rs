//! GIF: keep frames, palettes and animation control; drop comments and
//! application extensions other than the looping ones (XMP hides there).

use super::{truncated, Stripped};
use crate::MediaError;

/// Application extensions that control looping; the rest is metadata.
const KEEP_APPS: [&[u8; 11]; 2] = [b"NETSCAPE2.0", b"ANIMEXTS1.0"];

/// Byte cursor over the GIF that fails with "truncated" instead of panicking.
struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Result<&'a [u8], MediaError> {
        let s = self.b.get(self.pos..self.pos.saturating_add(n)).ok_or_else(|| truncated("GIF"))?;
        self.pos += n;
        Ok(s)
    }

    /// The next byte.
    fn byte(&mut self) -> Result<u8, MediaError> {
        Ok(self.take(1)?[0])
    }

    /// A run of data sub-blocks up to and including the zero terminator.
    fn sub_blocks(&mut self) -> Result<&'a [u8], MediaError> {
        let start = self.pos;
        loop {
            let n = usize::from(self.byte()?);
            if n == 0 {
                return Ok(&self.b[start..self.pos]);
            }
            self.take(n)?;
        }
    }
}

/// Size in bytes of a colour table announced by `flags` (0 when absent).
fn table_len(flags: u8) -> usize {
    if flags & 0x80 != 0 {
        3 << ((flags & 0x07) + 1)
    } else {
        0
    }
}

/// Copies the GIF up to its trailer, minus comment and metadata extensions.
pub(super) fn strip(b: &[u8]) -> Result<Stripped, MediaError> {
    let mut c = Cursor { b, pos: 0 };
    let mut out = Vec::with_capacity(b.len());
    let screen = c.take(13)?;
    out.extend_from_slice(screen);
    out.extend_from_slice(c.take(table_len(screen[10]))?);
    let mut frames = 0u32;
    loop {
        match c.byte()? {
            // Image descriptor, optional local table, LZW code size, data.
            0x2C => {
                let desc = c.take(9)?;
                let table = c.take(table_len(desc[8]))?;
                let code_size = c.byte()?;
                let data = c.sub_blocks()?;
                out.push(0x2C);
                out.extend_from_slice(desc);
                out.extend_from_slice(table);
                out.push(code_size);
                out.extend_from_slice(data);
                frames += 1;
            }
            0x21 => {
                let label = c.byte()?;
                let start = c.pos;
                let blocks = c.sub_blocks()?;
                let keep = match label {
                    // Graphic control (timing, transparency) and plain text are picture content.
                    0xF9 | 0x01 => true,
                    // Application extension: identifier is the first 11-byte sub-block.
                    0xFF => b
                        .get(start..start + 12)
                        .is_some_and(|id| id[0] == 11 && KEEP_APPS.iter().any(|k| k.as_slice() == &id[1..])),
                    // Comments (0xFE) and unknown extensions.
                    _ => false,
                };
                if keep {
                    out.extend_from_slice(&[0x21, label]);
                    out.extend_from_slice(blocks);
                }
            }
            0x3B => {
                out.push(0x3B);
                if frames == 0 {
                    return Err(MediaError::bad("GIF file has no image"));
                }
                return Ok(Stripped { bytes: out, animated: frames > 1 });
            }
            _ => return Err(MediaError::bad("GIF file has a damaged block")),
        }
    }
}
