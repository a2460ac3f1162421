//! Bounds-checked random access to a file being probed, plus big/little-endian readers over
//! untrusted byte slices. Every container parser reads through these, so a length field that
//! lies can never index past a buffer or allocate without limit.

use std::borrow::Cow;
use std::io;

/// Largest single metadata read a probe may make (a `moov` box, an EXIF blob...).
pub const MAX_READ: u64 = 64 << 20;

/// Positional reads: `File` through the OS, byte slices in memory (tests, fixtures).
pub trait ReadAt {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(src) = self.get(start..) else {
            return Ok(0);
        };
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        Ok(n)
    }
}

impl ReadAt for &[u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        (**self).read_at(buf, offset)
    }
}

impl ReadAt for Vec<u8> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.as_slice().read_at(buf, offset)
    }
}

impl ReadAt for std::fs::File {
    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
    #[cfg(windows)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(self, buf, offset)
    }
}

/// A file of known size whose first bytes (`head`) are already in memory.
pub struct Source<'a> {
    /// `None` when `head` is the whole file.
    inner: Option<&'a dyn ReadAt>,
    head: &'a [u8],
    /// The file's last bytes, when already read (`moov` often sits at the end of a movie).
    tail: &'a [u8],
    size: u64,
}

impl<'a> Source<'a> {
    pub fn new(inner: &'a dyn ReadAt, head: &'a [u8], size: u64) -> Self {
        Source {
            inner: Some(inner),
            head,
            tail: &[],
            size,
        }
    }

    /// A source over a probed file (its head and tail buffers are served without reads).
    pub fn from_input(input: &'a super::Input<'a>) -> Self {
        let tail = if input.tail.len() as u64 <= input.size {
            input.tail
        } else {
            &[]
        };
        Source {
            inner: Some(input.file),
            head: input.head,
            tail,
            size: input.size,
        }
    }

    /// A source over bytes already in memory (the head is the whole thing).
    pub fn from_bytes(bytes: &'a [u8]) -> Self {
        Source {
            inner: None,
            head: bytes,
            tail: &[],
            size: bytes.len() as u64,
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn head(&self) -> &'a [u8] {
        self.head
    }

    /// Exactly `len` bytes at `offset`, or an error naming what was cut short. Served from the
    /// head without a system call when it lies inside it.
    pub fn read(&self, offset: u64, len: u64) -> Result<Cow<'a, [u8]>, String> {
        let end = offset
            .checked_add(len)
            .filter(|&e| e <= self.size)
            .ok_or_else(|| format!("truncated: needs bytes {offset}..+{len} of {}", self.size))?;
        if end <= self.head.len() as u64 {
            return Ok(Cow::Borrowed(&self.head[offset as usize..end as usize]));
        }
        let tail_start = self.size - self.tail.len() as u64;
        if offset >= tail_start && !self.tail.is_empty() {
            let s = (offset - tail_start) as usize;
            return Ok(Cow::Borrowed(&self.tail[s..s + len as usize]));
        }
        if len > MAX_READ {
            return Err(format!(
                "metadata block of {len} bytes is implausibly large"
            ));
        }
        let Some(inner) = self.inner else {
            return Err(format!("truncated: needs bytes {offset}..+{len}"));
        };
        let mut buf = vec![0u8; len as usize];
        let mut done = 0usize;
        while done < buf.len() {
            match inner.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => return Err(format!("truncated: file ended at {}", offset + done as u64)),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read error at {offset}: {e}")),
            }
        }
        Ok(Cow::Owned(buf))
    }

    /// Up to `len` bytes at `offset` (fewer at the end of the file).
    pub fn read_upto(&self, offset: u64, len: u64) -> Result<Cow<'a, [u8]>, String> {
        let avail = self.size.saturating_sub(offset);
        self.read(offset.min(self.size), len.min(avail))
    }
}

/// Byte order of a TIFF structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

/// The `N` bytes at `at`, when `b` holds them.
fn bytes_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

pub fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    bytes_at(b, at).map(u16::from_be_bytes)
}

pub fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    bytes_at(b, at).map(u32::from_be_bytes)
}

pub fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    bytes_at(b, at).map(u64::from_be_bytes)
}

pub fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    bytes_at(b, at).map(u16::from_le_bytes)
}

pub fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    bytes_at(b, at).map(u32::from_le_bytes)
}

impl Endian {
    pub fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        match self {
            Endian::Little => le_u16(b, at),
            Endian::Big => be_u16(b, at),
        }
    }
    pub fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        match self {
            Endian::Little => le_u32(b, at),
            Endian::Big => be_u32(b, at),
        }
    }
    pub fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        match self {
            Endian::Little => bytes_at(b, at).map(u64::from_le_bytes),
            Endian::Big => be_u64(b, at),
        }
    }
}

/// Read a big-endian unsigned integer of `n` bytes (0, 4 or 8; 0 reads as 0) — ISOBMFF `iloc`.
pub fn be_uint(b: &[u8], at: usize, n: usize) -> Option<u64> {
    match n {
        0 => Some(0),
        1 => b.get(at).map(|&v| u64::from(v)),
        2 => be_u16(b, at).map(u64::from),
        4 => be_u32(b, at).map(u64::from),
        8 => be_u64(b, at),
        _ => None,
    }
}

/// Fuzz-style robustness check for the parsers' tests: every truncation of `file`, and a few
/// thousand copies with random bit flips, must parse to `Ok` or `Err` — never panic.
#[cfg(test)]
pub(crate) fn never_panics<T>(file: &[u8], parse: impl Fn(&Source) -> T) {
    for cut in 0..file.len() {
        let _ = parse(&Source::from_bytes(&file[..cut]));
    }
    let mut seed = 0x9e37_79b9u32 ^ file.len() as u32;
    for _ in 0..3000 {
        let mut f = file.to_vec();
        for _ in 0..3 {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let i = (seed >> 8) as usize % f.len().max(1);
            if let Some(b) = f.get_mut(i) {
                *b ^= 1 << (seed % 8);
            }
        }
        let _ = parse(&Source::from_bytes(&f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounds_checked() {
        let data: Vec<u8> = (0u8..100).collect();
        let src = Source::new(&data, &data[..10], 100);
        let with_tail = Source {
            tail: &data[90..],
            ..Source::new(&data, &data[..10], 100)
        };
        assert_eq!(&*with_tail.read(95, 2).unwrap(), &[95, 96]);
        assert_eq!(&*with_tail.read(50, 2).unwrap(), &[50, 51]);
        assert_eq!(&*src.read(2, 3).unwrap(), &[2, 3, 4]);
        assert_eq!(&*src.read(95, 5).unwrap(), &[95, 96, 97, 98, 99]);
        assert!(src.read(96, 5).is_err());
        assert!(src.read(u64::MAX, 2).is_err());
        assert_eq!(src.read_upto(98, 10).unwrap().len(), 2);
        assert_eq!(src.read_upto(500, 10).unwrap().len(), 0);
    }

    #[test]
    fn integer_readers_never_panic() {
        let b = [1u8, 2, 3];
        assert_eq!(be_u16(&b, 1), Some(0x0203));
        assert_eq!(be_u16(&b, 2), None);
        assert_eq!(be_u32(&b, usize::MAX), None);
        assert_eq!(be_uint(&b, 0, 3), None);
        assert_eq!(be_uint(&b, 0, 0), Some(0));
    }
}
