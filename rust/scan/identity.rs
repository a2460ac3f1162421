//! The content identity of a file: xxh3-128 over the size (u64 little-endian), the first 64 KiB
//! and the last 64 KiB — the whole file when it is at most 128 KiB. Stable across renames and
//! moves, cheap (two reads at most), and the probe already holds the first part.
//!
//! Written as 32 lower-case hex digits of the 128-bit value (big-endian, the same text
//! `xxhash.xxh3_128(data).hexdigest()` gives in Python).

use std::fs::File;
use std::io;

use xxhash_rust::xxh3::Xxh3;

/// Bytes hashed at each end of the file.
pub const CHUNK: usize = 64 * 1024;

/// How many bytes from the start a caller must hold for [`identity`]: the whole file up to
/// `2 * CHUNK`, else the first `CHUNK`.
pub fn head_len(size: u64) -> usize {
    if size <= 2 * CHUNK as u64 {
        size as usize
    } else {
        CHUNK
    }
}

/// The identity as hex text from the parts: `first` is the head (see [`head_len`]), `last` is
/// the final `CHUNK` bytes when the file is larger than `2 * CHUNK`, else empty.
pub fn hash_parts(size: u64, first: &[u8], last: &[u8]) -> String {
    let mut h = Xxh3::new();
    h.update(&size.to_le_bytes());
    h.update(first);
    h.update(last);
    format!("{:032x}", h.digest128())
}

/// The identity of an open file of `size` bytes whose first bytes are in `head` (at least
/// [`head_len`]`(size)` of them). Reads the tail with one positioned read into `tail_buf`.
pub fn identity(file: &File, size: u64, head: &[u8], tail_buf: &mut Vec<u8>) -> io::Result<String> {
    let n = head_len(size);
    let first = head.get(..n).ok_or_else(|| {
        io::Error::new(io::ErrorKind::UnexpectedEof, "file shorter than its size")
    })?;
    if size <= 2 * CHUNK as u64 {
        return Ok(hash_parts(size, first, &[]));
    }
    tail_buf.resize(CHUNK, 0);
    read_exact_at(file, tail_buf, size - CHUNK as u64)?;
    Ok(hash_parts(size, first, tail_buf))
}

/// Positioned read of exactly `buf.len()` bytes (pread; leaves the file position alone).
pub fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_temp(data: &[u8]) -> (tempfile::NamedTempFile, File) {
        let mut t = tempfile::NamedTempFile::new().unwrap();
        t.write_all(data).unwrap();
        let f = File::open(t.path()).unwrap();
        (t, f)
    }

    fn reference(data: &[u8]) -> String {
        let mut msg = (data.len() as u64).to_le_bytes().to_vec();
        if data.len() <= 2 * CHUNK {
            msg.extend_from_slice(data);
        } else {
            msg.extend_from_slice(&data[..CHUNK]);
            msg.extend_from_slice(&data[data.len() - CHUNK..]);
        }
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&msg))
    }

    #[test]
    fn small_file_hashes_all_of_it() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
        let (_t, f) = write_temp(&data);
        let mut tail = Vec::new();
        let id = identity(&f, data.len() as u64, &data, &mut tail).unwrap();
        assert_eq!(id, reference(&data));
        assert_eq!(id.len(), 32);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        // One byte more in the middle changes it.
        let mut other = data.clone();
        other[2500] ^= 1;
        assert_ne!(hash_parts(other.len() as u64, &other, &[]), id);
    }

    #[test]
    fn large_file_hashes_head_and_tail_only() {
        let data: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
        let (_t, f) = write_temp(&data);
        let mut tail = Vec::new();
        let id = identity(&f, data.len() as u64, &data[..CHUNK], &mut tail).unwrap();
        assert_eq!(id, reference(&data));
        // The middle does not count; the size does.
        let mut mid = data.clone();
        mid[200_000] ^= 0xFF;
        let (_t2, f2) = write_temp(&mid);
        assert_eq!(
            identity(&f2, mid.len() as u64, &mid, &mut tail).unwrap(),
            id
        );
        let shorter = &data[..data.len() - 1];
        assert_ne!(reference(shorter), id);
    }

    #[test]
    fn boundary_sizes_agree() {
        for n in [0, 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1] {
            let data: Vec<u8> = (0..n).map(|i| (i % 13) as u8).collect();
            let (_t, f) = write_temp(&data);
            let mut tail = Vec::new();
            let head = &data[..head_len(n as u64)];
            assert_eq!(
                identity(&f, n as u64, head, &mut tail).unwrap(),
                reference(&data),
                "size {n}"
            );
        }
    }

    #[test]
    fn short_head_is_an_error() {
        let (_t, f) = write_temp(b"abc");
        assert!(identity(&f, 10, b"abc", &mut Vec::new()).is_err());
    }
}
