//! The metadata probe: one file in, one [`Record`] out, never a panic or an abort.
//!
//! [`probe_path`] stats and opens the file once, reads its head (the whole file up to 128 KiB,
//! else the first 64 KiB) and, for larger files, its last 64 KiB with one positioned read;
//! computes the identity hash from those; then hands the same bytes to the format probe
//! chosen by the file's mime type. Files with no format probe yet still get size, mtime,
//! kind, mime, id and a capture time from the mtime.
//!
//! # Adding a format
//! Write `probe/<format>.rs` with
//! ```ignore
//! pub fn probe(input: &Input<'_>, rec: &mut Record) -> Result<(), String>
//! ```
//! and add its mime type(s) to the `match` in [`format_probe`]. A format probe:
//! - reads from `input.head` / `input.tail` when it can and with [`Input::read_at`] otherwise
//!   (one positioned read, served from the buffers when they cover the range);
//! - fills what it finds: `width`/`height` in stored pixels and `orientation` (display size is
//!   derived here), EXIF through [`crate::probe::exif::apply_exif`] (pass the blob's file offset),
//!   capture time through [`crate::probe::capture_time`] (leave it `None` if the file has none: the
//!   mtime fallback is applied here);
//! - returns `Err(reason)` when the file is damaged; what it filled before stays in the
//!   record. Non-fatal problems can be added with [`add_error`] while returning `Ok`.

pub mod apple;
pub mod avi;
pub mod capture_time;
pub mod container;
pub mod cr3;
pub mod exif;
pub mod formats;
pub mod gif;
pub mod heif;
pub mod isobmff;
pub mod jpeg;
pub mod makernotes;
pub mod matroska;
pub mod mp4;
pub mod mpf;
pub mod png;
pub mod preview;
pub mod raf;
pub mod record;
#[cfg(test)]
mod regressions;
pub mod source;
pub mod tiff;
pub mod timefmt;
pub mod webp;
pub mod xmp;

use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::{self, File};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::probe::record::Record;
use crate::probe::source::ReadAt;
use crate::scan::identity::{self, read_exact_at, CHUNK};
use crate::scan::media_types;
use crate::scan::walk::{io_message, mtime_ns, path_bytes};

/// Kind and mime given to a file whose extension is not in the media table.
pub const UNKNOWN_KIND: &str = "other";
pub const UNKNOWN_MIME: &str = "application/octet-stream";

/// What a format probe gets: the open file, its size, and the bytes already read.
pub struct Input<'a> {
    /// The file (or, for [`probe_bytes`], the bytes in memory).
    pub file: &'a dyn ReadAt,
    pub size: u64,
    /// Bytes `[0, head.len())` of the file: all of it up to 128 KiB, else the first 64 KiB.
    pub head: &'a [u8],
    /// Bytes `[size - tail.len(), size)`: the last 64 KiB (or the whole small file).
    pub tail: &'a [u8],
}

impl<'a> Input<'a> {
    /// `len` bytes at `offset`: borrowed from the head or tail when they hold the range, else
    /// read with one positioned read. Reading past the end of the file is an error.
    pub fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'a, [u8]>, String> {
        let end = offset
            .checked_add(len as u64)
            .filter(|&e| e <= self.size)
            .ok_or_else(|| format!("truncated: {len} bytes at offset {offset} run past the end"))?;
        if end <= self.head.len() as u64 {
            return Ok(Cow::Borrowed(&self.head[offset as usize..end as usize]));
        }
        let tail_start = self.size - self.tail.len() as u64;
        if offset >= tail_start {
            let s = (offset - tail_start) as usize;
            return Ok(Cow::Borrowed(&self.tail[s..s + len]));
        }
        let mut buf = vec![0; len];
        let mut done = 0;
        while done < len {
            match self.file.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => return Err(format!("truncated: file ended at {}", offset + done as u64)),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(format!(
                        "read failed at offset {offset}: {}",
                        io_message(&e)
                    ))
                }
            }
        }
        Ok(Cow::Owned(buf))
    }

    /// One byte at `offset` (see [`Input::read_at`]).
    pub fn byte(&self, offset: u64) -> Result<u8, String> {
        Ok(self.read_at(offset, 1)?[0])
    }
}

/// A format probe (see the module docs).
pub type FormatProbe = fn(&Input<'_>, &mut Record) -> Result<(), String>;

/// The probe for a mime type, if albumen has one. Extend this `match` for new formats.
pub fn format_probe(mime: &str) -> Option<FormatProbe> {
    match mime {
        // Through the sniffing entry point, so content decides (a HEIC named .jpg).
        "image/jpeg" => Some(formats::probe),
        _ => formats::for_mime(mime),
    }
}

/// Append a reason to the record's error (several are joined with `; `).
pub fn add_error(rec: &mut Record, reason: impl Into<String>) {
    let reason = reason.into();
    rec.error = Some(match rec.error.take() {
        Some(prev) => format!("{prev}; {reason}"),
        None => reason,
    });
}

/// Append a note to the record's warnings (see [`Record::warnings`]; joined with `; `).
pub fn add_warning(rec: &mut Record, note: impl Into<String>) {
    let note = note.into();
    rec.warnings = Some(match rec.warnings.take() {
        Some(prev) if prev.split("; ").any(|p| p == note) => prev,
        Some(prev) => format!("{prev}; {note}"),
        None => note,
    });
}

thread_local! {
    /// Head and tail buffers, reused for every file a thread probes.
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Probe `root/rel` into a record. Never panics: a panic inside becomes the record's error.
pub fn probe_path(root: &Path, rel: &Path) -> Record {
    guarded(rel, || probe_unguarded(root, rel))
}

/// Run `f`, turning a panic into a record for `rel` whose error says so.
/// How the error of a record whose probe panicked begins (the panic's message follows). Only
/// its start counts: other errors may quote any text a file carries.
pub const PANIC_ERROR: &str = "internal error while probing (panic)";

pub(crate) fn guarded(rel: &Path, f: impl FnOnce() -> Record) -> Record {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(rec) => rec,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let mut rec = new_record(rel);
            rec.error = Some(format!("{PANIC_ERROR}: {msg}"));
            rec
        }
    }
}

fn new_record(rel: &Path) -> Record {
    let (kind, mime) = media_types::lookup_path(rel)
        .map_or((UNKNOWN_KIND, UNKNOWN_MIME), |t| (t.kind.as_str(), t.mime));
    Record {
        path: path_bytes(rel).into_owned(),
        kind,
        mime,
        ..Record::default()
    }
}

fn probe_unguarded(root: &Path, rel: &Path) -> Record {
    let mut rec = new_record(rel);
    let path = root.join(rel);
    // stat before open: opening a device could have side effects, so anything that is not a
    // regular file right now is never opened.
    let meta = match fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            rec.error = Some(format!("cannot read: {}", io_message(&e)));
            return rec;
        }
    };
    rec.size = meta.len();
    rec.mtime_ns = mtime_ns(&meta);
    if !meta.is_file() {
        rec.error = Some("not a regular file".into());
        return rec;
    }
    // The file may be swapped for a FIFO between the stat and the open: `open_regular` never
    // blocks and checks the type again on what it opened.
    let file = match open_regular(&path) {
        Ok((file, meta)) => {
            rec.size = meta.len();
            rec.mtime_ns = mtime_ns(&meta);
            file
        }
        Err(reason) => {
            rec.error = Some(reason);
            return rec;
        }
    };
    if rec.kind == UNKNOWN_KIND {
        add_error(&mut rec, "not a supported media type");
    }
    if rec.size == 0 {
        add_error(&mut rec, "empty file (0 bytes)");
    } else {
        BUFFERS.with(|bufs| match bufs.try_borrow_mut() {
            Ok(mut bufs) => {
                let (head, tail) = &mut *bufs;
                read_and_probe(&file, head, tail, &mut rec);
            }
            // Only reachable if a probe re-entered this function on the same thread.
            Err(_) => read_and_probe(&file, &mut Vec::new(), &mut Vec::new(), &mut rec),
        });
    }
    finish(&mut rec);
    rec
}

/// What every record gets after its format probe: the display size from the stored size and
/// orientation, and the mtime as the capture time of last resort.
fn finish(rec: &mut Record) {
    if let (Some(w), Some(h), None) = (rec.width, rec.height, rec.display_width) {
        let swap = matches!(rec.orientation, Some(5..=8));
        rec.display_width = Some(if swap { h } else { w });
        rec.display_height = Some(if swap { w } else { h });
    }
    if rec.captured.is_none() {
        rec.captured = Some(capture_time::from_mtime(rec.mtime_ns));
    }
}

/// Probe bytes held in memory as if they were the file `rel`: the steps of [`probe_path`]
/// after its reads (identity, format probe, display size), with the same head and tail
/// buffers, so every parser reads the middle of the data as it would read a file. With
/// `container` the content is not sniffed: that parser is used. For fuzzing and tests; never
/// panics (as [`probe_path`]).
pub fn probe_bytes(rel: &Path, data: &[u8], container: Option<formats::Container>) -> Record {
    guarded(rel, || {
        let mut rec = new_record(rel);
        rec.size = data.len() as u64;
        if data.is_empty() {
            add_error(&mut rec, "empty file (0 bytes)");
        } else {
            let head = &data[..identity::head_len(rec.size)];
            let small = data.len() <= 2 * CHUNK;
            let last = if small {
                &[][..]
            } else {
                &data[data.len() - CHUNK..]
            };
            rec.id = Some(identity::hash_parts(rec.size, head, last));
            let input = Input {
                file: &data,
                size: rec.size,
                head,
                tail: if small { head } else { last },
            };
            let result = match container {
                Some(c) => formats::probe_as(c, &input, &mut rec),
                None => format_probe(rec.mime).map_or(Ok(()), |probe| probe(&input, &mut rec)),
            };
            if let Err(reason) = result {
                add_error(&mut rec, reason);
            }
        }
        finish(&mut rec);
        rec
    })
}

/// Open a user's file for reading without ever blocking, and only if it is a regular file.
///
/// The open is non-blocking (`O_NONBLOCK`: opening a FIFO with no writer, or a device, returns
/// at once instead of waiting for ever) and not a controlling terminal (`O_NOCTTY`); the type is
/// then checked on the opened descriptor (`fstat`), so a file swapped for something else after
/// an earlier `stat` is refused, never read. Returns the file and its metadata, or the reason
/// (the record's error).
pub fn open_regular(path: &Path) -> Result<(File, fs::Metadata), String> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot open: {}", io_message(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read: {}", io_message(&e)))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    Ok((file, meta))
}

fn read_and_probe(file: &File, head: &mut Vec<u8>, tail: &mut Vec<u8>, rec: &mut Record) {
    let size = rec.size;
    head.resize(identity::head_len(size), 0);
    let id = read_exact_at(file, head, 0).and_then(|()| identity::identity(file, size, head, tail));
    match id {
        Ok(id) => rec.id = Some(id),
        Err(e) => {
            add_error(
                rec,
                format!(
                    "read failed (file changed during the scan?): {}",
                    io_message(&e)
                ),
            );
            return;
        }
    }
    let tail: &[u8] = if size <= 2 * CHUNK as u64 { head } else { tail };
    let input = Input {
        file,
        size,
        head,
        tail,
    };
    if let Some(probe) = format_probe(rec.mime) {
        if let Err(reason) = probe(&input, rec) {
            add_error(rec, reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::record::time_source;

    #[test]
    fn zero_byte_file_is_an_error_with_a_record() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("empty.jpg"), b"").unwrap();
        let rec = probe_path(t.path(), Path::new("empty.jpg"));
        assert_eq!(rec.path, b"empty.jpg");
        assert_eq!((rec.kind, rec.mime, rec.size), ("photo", "image/jpeg", 0));
        assert!(rec.error.as_deref().unwrap().contains("empty file"));
        assert_eq!(rec.captured.unwrap().source, time_source::FILE_MTIME);
        assert!(rec.id.is_none());
    }

    #[test]
    fn vanished_file_is_an_error() {
        let t = tempfile::tempdir().unwrap();
        let rec = probe_path(t.path(), Path::new("gone.jpg"));
        let err = rec.error.unwrap();
        assert!(err.contains("vanished"), "{err}");
        assert_eq!(rec.kind, "photo");
    }

    #[test]
    fn unknown_formats_get_the_basics() {
        let t = tempfile::tempdir().unwrap();
        // Sigma X3F has no format probe: the basics only, and no error.
        fs::write(t.path().join("raw.X3F"), vec![7u8; 300_000]).unwrap();
        let rec = probe_path(t.path(), Path::new("raw.X3F"));
        assert_eq!((rec.kind, rec.mime), ("photo", "image/x-sigma-x3f"));
        assert_eq!(rec.size, 300_000);
        assert_eq!(rec.id.as_deref().map(str::len), Some(32));
        assert!(rec.mtime_ns > 0);
        assert_eq!(rec.captured.unwrap().source, time_source::FILE_MTIME);
        assert_eq!(rec.error, None);
        assert_eq!(rec.width, None);

        fs::write(t.path().join("notes.txt"), b"hello").unwrap();
        let rec = probe_path(t.path(), Path::new("notes.txt"));
        assert_eq!(rec.kind, UNKNOWN_KIND);
        assert!(rec.error.unwrap().contains("not a supported media type"));
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let t = tempfile::tempdir().unwrap();
        fs::create_dir(t.path().join("dir.jpg")).unwrap();
        let rec = probe_path(t.path(), Path::new("dir.jpg"));
        assert_eq!(rec.error.as_deref(), Some("not a regular file"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_opened() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("pipe.jpg");
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
        if ok.is_ok_and(|s| s.success()) {
            // Opening it for reading would block forever.
            let rec = probe_path(t.path(), Path::new("pipe.jpg"));
            assert_eq!(rec.error.as_deref(), Some("not a regular file"));
        }
    }

    /// A file swapped for a FIFO after the probe's `stat` reaches the open: it must neither
    /// block (no writer ever comes) nor be read, and the reason is the file's error.
    #[cfg(unix)]
    #[test]
    fn open_regular_refuses_a_fifo_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("swapped.jpg");
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
        if ok.is_ok_and(|s| s.success()) {
            let err = open_regular(&fifo).unwrap_err();
            assert_eq!(err, "not a regular file");
        }
        assert_eq!(
            open_regular(Path::new("/dev/null")).unwrap_err(),
            "not a regular file"
        );
        assert_eq!(open_regular(t.path()).unwrap_err(), "not a regular file");
        let gone = open_regular(&t.path().join("gone.jpg")).unwrap_err();
        assert!(gone.contains("vanished"), "{gone}");
        fs::write(t.path().join("a.jpg"), b"12345").unwrap();
        let (_, meta) = open_regular(&t.path().join("a.jpg")).unwrap();
        assert_eq!(meta.len(), 5);
    }

    #[test]
    fn panic_becomes_the_files_error() {
        let rec = guarded(Path::new("boom.jpg"), || panic!("bad luck"));
        assert_eq!(rec.path, b"boom.jpg");
        assert_eq!(rec.kind, "photo");
        let err = rec.error.unwrap();
        assert!(err.contains("panic") && err.contains("bad luck"), "{err}");
        let rec = guarded(Path::new("x.png"), || panic!("{}", String::from("owned")));
        assert!(rec.error.unwrap().contains("owned"));
    }

    #[test]
    fn read_at_serves_head_tail_and_file() {
        let t = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 256) as u8).collect();
        let p = t.path().join("f.bin");
        fs::write(&p, &data).unwrap();
        let file = File::open(&p).unwrap();
        let input = Input {
            file: &file,
            size: data.len() as u64,
            head: &data[..CHUNK],
            tail: &data[data.len() - CHUNK..],
        };
        assert!(matches!(input.read_at(10, 5).unwrap(), Cow::Borrowed(b) if b == &data[10..15]));
        assert!(
            matches!(input.read_at(299_990, 10).unwrap(), Cow::Borrowed(b) if b == &data[299_990..])
        );
        assert!(
            matches!(input.read_at(100_000, 4).unwrap(), Cow::Owned(b) if b == data[100_000..100_004])
        );
        assert!(input.read_at(299_995, 10).is_err());
        assert!(input.read_at(u64::MAX, 2).is_err());
    }
}
