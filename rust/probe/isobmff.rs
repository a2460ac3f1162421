//! ISO base media file format (ISO/IEC 14496-12) box walking, shared by HEIF/AVIF, MP4/MOV and
//! CR3. Boxes are read from untrusted bytes: every size is checked against its parent.

use super::source::{be_u32, be_u64, Source};

/// A box found at the top level of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoxHeader {
    pub kind: [u8; 4],
    /// File offset of the box's first byte.
    pub offset: u64,
    /// Size of the header (8, or 16 with a 64-bit size).
    pub header_len: u64,
    /// Total size, header included.
    pub size: u64,
}

impl BoxHeader {
    pub fn body_offset(&self) -> u64 {
        self.offset + self.header_len
    }
    pub fn body_len(&self) -> u64 {
        self.size - self.header_len
    }
}

/// Parse a box header from `b` (at least 8 bytes). `remaining` is how many bytes the enclosing
/// region still holds from the box start; a size of 0 means "to its end".
fn parse_header(b: &[u8], remaining: u64) -> Option<([u8; 4], u64, u64)> {
    let size32 = be_u32(b, 0)?;
    let kind: [u8; 4] = b.get(4..8)?.try_into().ok()?;
    let (header_len, size) = match size32 {
        0 => (8, remaining),
        1 => (16, be_u64(b, 8)?),
        n => (8, u64::from(n)),
    };
    (size >= header_len && size <= remaining).then_some((kind, header_len, size))
}

/// The boxes at the top level of a file, read header by header (a large `mdat` is skipped,
/// never read). Stops at the first malformed header and reports it beside what it found.
pub fn top_level(src: &Source) -> (Vec<BoxHeader>, Option<String>) {
    let mut out = Vec::new();
    let mut pos = 0u64;
    while pos < src.size() && out.len() < 4096 {
        let remaining = src.size() - pos;
        let Ok(head) = src.read_upto(pos, 16) else {
            break;
        };
        let Some((kind, header_len, size)) = parse_header(&head, remaining) else {
            return (out, Some(format!("malformed box header at offset {pos}")));
        };
        out.push(BoxHeader {
            kind,
            offset: pos,
            header_len,
            size,
        });
        pos += size;
    }
    (out, None)
}

/// Iterate the child boxes inside a box body held in memory: yields `(kind, body)`. Stops at
/// the first box whose size does not fit its parent.
pub struct Boxes<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Boxes<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Boxes { buf, pos: 0 }
    }
}

impl<'a> Iterator for Boxes<'a> {
    type Item = ([u8; 4], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.buf.get(self.pos..)?;
        let (kind, header_len, size) = parse_header(rest, rest.len() as u64)?;
        let body = rest.get(header_len as usize..size as usize)?;
        self.pos += size as usize;
        Some((kind, body))
    }
}

/// The body of the first child box of `kind`.
#[allow(clippy::trivially_copy_pass_by_ref)] // fourcc literals (`b"moov"`) read best by reference
pub fn child<'a>(buf: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    Boxes::new(buf).find(|(k, _)| k == kind).map(|(_, b)| b)
}

/// Follow a path of nested boxes: `path(moov, &[b"trak", b"mdia"])`.
pub fn path<'a>(buf: &'a [u8], kinds: &[&[u8; 4]]) -> Option<&'a [u8]> {
    kinds.iter().try_fold(buf, |b, k| child(b, k))
}

/// Split a full box body into `(version, flags, content)`.
pub fn full_box(body: &[u8]) -> Option<(u8, u32, &[u8])> {
    let version = *body.first()?;
    let flags = be_u32(body, 0)? & 0x00ff_ffff;
    Some((version, flags, body.get(4..)?))
}

/// Read the body of a top-level box into memory (bounded by [`super::source::MAX_READ`]).
pub fn read_body<'a>(
    src: &Source<'a>,
    b: &BoxHeader,
) -> Result<std::borrow::Cow<'a, [u8]>, String> {
    src.read(b.body_offset(), b.body_len())
}

/// The major and compatible brands of an `ftyp` body.
pub fn brands(ftyp: &[u8]) -> Vec<[u8; 4]> {
    let mut out = Vec::new();
    if let Some(major) = ftyp.get(0..4).and_then(|m| <[u8; 4]>::try_from(m).ok()) {
        out.push(major);
    }
    if let Some(rest) = ftyp.get(8..) {
        out.extend(
            rest.chunks_exact(4)
                .filter_map(|c| <[u8; 4]>::try_from(c).ok()),
        );
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::trivially_copy_pass_by_ref)]

    use super::*;

    /// Build a box: size + kind + body.
    pub fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    /// Build a full box: version + flags + body.
    pub fn fbx(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
        let mut b = (flags & 0x00ff_ffff | u32::from(version) << 24)
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(body);
        bx(kind, &b)
    }

    #[test]
    fn walks_nested_boxes() {
        let inner = [bx(b"aaaa", b"12"), bx(b"bbbb", b"345")].concat();
        let file = [bx(b"ftyp", b"heic\0\0\0\0mif1heic"), bx(b"moov", &inner)].concat();
        let src = Source::from_bytes(&file);
        let (top, err) = top_level(&src);
        assert!(err.is_none());
        assert_eq!(top.len(), 2);
        assert_eq!(&top[1].kind, b"moov");
        let moov = read_body(&src, &top[1]).unwrap();
        assert_eq!(child(&moov, b"bbbb"), Some(&b"345"[..]));
        assert_eq!(path(&file, &[b"moov", b"aaaa"]), Some(&b"12"[..]));
        let ftyp = read_body(&src, &top[0]).unwrap();
        assert_eq!(brands(&ftyp), vec![*b"heic", *b"mif1", *b"heic"]);
    }

    #[test]
    fn lying_sizes_stop_the_walk() {
        let mut file = bx(b"ftyp", b"isom");
        file.extend_from_slice(&1000u32.to_be_bytes());
        file.extend_from_slice(b"moov1234");
        let (top, err) = top_level(&Source::from_bytes(&file));
        assert_eq!(top.len(), 1);
        assert!(err.unwrap().contains("malformed"));
        assert_eq!(Boxes::new(&[0, 0, 0, 4, b'a', b'b', b'c', b'd']).count(), 0);
        // 64-bit size and size 0 ("to the end")
        let mut big = 1u32.to_be_bytes().to_vec();
        big.extend_from_slice(b"mdat");
        big.extend_from_slice(&20u64.to_be_bytes());
        big.extend_from_slice(b"abcd");
        big.extend_from_slice(&[0, 0, 0, 0, b'f', b'r', b'e', b'e', 9]);
        let (top, err) = top_level(&Source::from_bytes(&big));
        assert!(err.is_none());
        assert_eq!(top[0].body_len(), 4);
        assert_eq!(top[1].size, 9);
    }
}
