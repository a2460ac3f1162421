//! Parallel discovery of the media files below a root, on the `ignore` crate's parallel walker.
//!
//! Rules: every ignore-file mechanism is off (albumen indexes what is there, `.gitignore` or
//! not); entries whose name starts with `.` are hidden and not entered; symlinks are never
//! followed (so they cannot loop); the folders in `skip` (the library folder) are not entered;
//! only files whose extension is in [`media_types`](crate::scan::media_types) are kept. A folder or
//! file that cannot be read becomes an error entry and the walk goes on.

use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};
use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::scan::media_types;

/// One media file found: path relative to the root, size in bytes, mtime in ns since the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub rel: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

/// What a walk found: files sorted by the bytes of their relative path, and per-path errors
/// `(relative path, message)` sorted the same way.
#[derive(Debug, Default)]
pub struct WalkResult {
    pub files: Vec<Found>,
    pub errors: Vec<(PathBuf, String)>,
}

/// Modification time of `meta` in nanoseconds since the Unix epoch.
pub fn mtime_ns(meta: &Metadata) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.mtime() * 1_000_000_000 + meta.mtime_nsec()
    }
    #[cfg(not(unix))]
    {
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64)
    }
}

/// The bytes of a path, for sorting and for records (raw OS bytes on Unix).
pub fn path_bytes(p: &Path) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(p.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        std::borrow::Cow::Owned(p.to_string_lossy().into_owned().into_bytes())
    }
}

/// Identity of a directory, to recognise the skip folders however they are spelled.
#[derive(Clone, Copy, PartialEq, Eq)]
struct DirId {
    dev: u64,
    ino: u64,
}

#[allow(clippy::unnecessary_wraps)] // `None` off Unix
fn dir_id(meta: &Metadata) -> Option<DirId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(DirId {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    path_bytes(Path::new(name)).first() == Some(&b'.')
}

/// The directory to walk for `root`: an error naming `root` when it cannot be listed (missing,
/// not a directory, no permission: the OS error as it is, errno included).
fn check_root(root: &Path) -> Result<PathBuf> {
    fs::read_dir(root).map_err(|e| Error::io(e, root))?;
    // The walker does not follow a symlinked root; the root is what the user named, so
    // resolve it. Paths stay relative to it either way.
    let is_link = fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        fs::canonicalize(root).map_err(|e| Error::io(e, root))
    } else {
        Ok(root.to_path_buf())
    }
}

/// Per-thread collector; merges into the shared result when the walker drops it.
struct Collector {
    root: Arc<PathBuf>,
    files: Vec<Found>,
    errors: Vec<(PathBuf, String)>,
    shared: Arc<Mutex<WalkResult>>,
    cancel: Arc<AtomicBool>,
}

impl Collector {
    fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.root.as_path())
            .unwrap_or(path)
            .to_path_buf()
    }

    fn error(&mut self, err: &ignore::Error) {
        let (path, message) = describe(err);
        let rel = path.map_or_else(PathBuf::new, |p| self.rel(&p));
        self.errors.push((rel, message));
    }

    fn entry(&mut self, entry: &DirEntry) {
        let Some(ft) = entry.file_type() else { return };
        if !ft.is_file() || media_types::lookup_path(entry.path()).is_none() {
            return;
        }
        match entry.metadata() {
            Ok(meta) => self.files.push(Found {
                rel: self.rel(entry.path()),
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
            }),
            Err(e) => self.error(&e),
        }
    }
}

impl ParallelVisitor for Collector {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        if self.cancel.load(Ordering::Relaxed) {
            return WalkState::Quit;
        }
        match entry {
            Ok(e) => self.entry(&e),
            Err(e) => self.error(&e),
        }
        WalkState::Continue
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let mut shared = self.shared.lock();
        shared.files.append(&mut self.files);
        shared.errors.append(&mut self.errors);
    }
}

struct Builder {
    root: Arc<PathBuf>,
    shared: Arc<Mutex<WalkResult>>,
    cancel: Arc<AtomicBool>,
}

impl<'s> ParallelVisitorBuilder<'s> for Builder {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Collector {
            root: Arc::clone(&self.root),
            files: Vec::new(),
            errors: Vec::new(),
            shared: Arc::clone(&self.shared),
            cancel: Arc::clone(&self.cancel),
        })
    }
}

/// The path an `ignore` error is about, and a message naming what went wrong.
fn describe(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (_, msg) = describe(err);
            (Some(path.clone()), msg)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe(err)
        }
        ignore::Error::Io(e) => (None, io_message(e)),
        other => (None, other.to_string()),
    }
}

/// A short reason for an I/O error, naming the common cases plainly (once: the OS text of
/// these two, "Permission denied (os error 13)", would only repeat it).
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::NotFound => "vanished during the scan".to_owned(),
        _ => e.to_string(),
    }
}

/// Walk `root` in parallel with `threads` walker threads (0: one per core, up to 12).
/// Setting `cancel` makes the walk stop soon and return what it found so far.
pub fn walk(
    root: &Path,
    skip: &[PathBuf],
    threads: usize,
    cancel: &Arc<AtomicBool>,
) -> Result<WalkResult> {
    let root = check_root(root)?;
    let skip_ids: Arc<Vec<DirId>> = Arc::new(
        skip.iter()
            .filter_map(|p| fs::metadata(p).ok())
            .filter(Metadata::is_dir)
            .filter_map(|m| dir_id(&m))
            .collect(),
    );

    let mut builder = WalkBuilder::new(&root);
    builder
        .standard_filters(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(move |entry| {
            if is_hidden(entry.file_name()) {
                return false;
            }
            let is_dir = entry.file_type().is_some_and(|ft| ft.is_dir());
            if is_dir && !skip_ids.is_empty() {
                // Compare inode first (free from readdir); stat only on a match.
                let maybe = entry
                    .ino()
                    .is_none_or(|ino| skip_ids.iter().any(|s| s.ino == ino));
                if maybe {
                    if let Some(id) = entry.metadata().ok().as_ref().and_then(dir_id) {
                        return !skip_ids.contains(&id);
                    }
                }
            }
            true
        });

    let shared = Arc::new(Mutex::new(WalkResult::default()));
    let mut visitors = Builder {
        root: Arc::new(root),
        shared: Arc::clone(&shared),
        cancel: Arc::clone(cancel),
    };
    builder.build_parallel().visit(&mut visitors);
    drop(visitors);

    let mut result = std::mem::take(&mut *shared.lock());
    result
        .files
        .sort_unstable_by(|a, b| path_bytes(&a.rel).cmp(&path_bytes(&b.rel)));
    result
        .errors
        .sort_by(|a, b| path_bytes(&a.0).cmp(&path_bytes(&b.0)));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path, data: &[u8]) {
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(p, data).unwrap();
    }

    fn names(r: &WalkResult) -> Vec<String> {
        r.files
            .iter()
            .map(|f| f.rel.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn finds_media_sorted_and_skips_hidden_library_and_other_files() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        touch(&r.join("b/2.JPG"), b"12");
        touch(&r.join("a/1.jpeg"), b"1");
        touch(&r.join("a-b.mov"), b"123");
        touch(&r.join("notes.txt"), b"x");
        touch(&r.join(".hidden.jpg"), b"x");
        touch(&r.join(".cache/in-hidden.jpg"), b"x");
        touch(&r.join("lib/inside-library.jpg"), b"x");
        touch(&r.join("noext"), b"x");
        let res = walk(r, &[r.join("lib")], 2, &Arc::default()).unwrap();
        assert_eq!(names(&res), ["a-b.mov", "a/1.jpeg", "b/2.JPG"]);
        assert!(res.errors.is_empty(), "{:?}", res.errors);
        let f = &res.files[2];
        assert_eq!(f.size, 2);
        let meta = fs::metadata(r.join("b/2.JPG")).unwrap();
        assert_eq!(f.mtime_ns, mtime_ns(&meta));
        // Without skip the library folder is walked.
        let res = walk(r, &[], 0, &Arc::default()).unwrap();
        assert_eq!(res.files.len(), 4);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_not_followed_and_cannot_loop() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        touch(&r.join("d/photo.jpg"), b"x");
        std::os::unix::fs::symlink(r, r.join("d/loop")).unwrap();
        std::os::unix::fs::symlink(r.join("d/photo.jpg"), r.join("link.jpg")).unwrap();
        std::os::unix::fs::symlink(r.join("gone.jpg"), r.join("dangling.jpg")).unwrap();
        let res = walk(r, &[], 2, &Arc::default()).unwrap();
        assert_eq!(names(&res), ["d/photo.jpg"]);
        assert!(res.errors.is_empty(), "{:?}", res.errors);
        // A symlinked root is walked (it is what the user named).
        let link_root = t.path().join("d/loop");
        let res = walk(&link_root, &[], 1, &Arc::default()).unwrap();
        assert_eq!(names(&res), ["d/photo.jpg"]);
    }

    #[cfg(unix)]
    #[test]
    fn hidden_root_is_walked() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path().join(".photos");
        touch(&r.join("x.png"), b"x");
        assert_eq!(
            names(&walk(&r, &[], 1, &Arc::default()).unwrap()),
            ["x.png"]
        );
    }

    fn root_error(root: &Path) -> (io::ErrorKind, PathBuf) {
        match walk(root, &[], 1, &Arc::default()) {
            Err(Error::Io {
                source,
                path,
                path2: None,
            }) => (source.kind(), path),
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }

    #[test]
    fn unusable_roots_are_os_errors_naming_the_root() {
        let t = tempfile::tempdir().unwrap();
        let missing = t.path().join("missing");
        assert_eq!(root_error(&missing), (io::ErrorKind::NotFound, missing));
        let file = t.path().join("file.jpg");
        touch(&file, b"x");
        assert_eq!(root_error(&file), (io::ErrorKind::NotADirectory, file));
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_folder_is_an_error_entry() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        touch(&r.join("ok.jpg"), b"x");
        touch(&r.join("locked/secret.jpg"), b"x");
        fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
        let res = walk(r, &[], 2, &Arc::default());
        fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
        let res = res.unwrap();
        // Root (uid 0) reads the folder anyway; anyone else gets an error entry for it.
        if fs::read_dir(r.join("locked")).is_ok() && is_superuser() {
            assert_eq!(res.files.len(), 2);
        } else {
            assert_eq!(names(&res), ["ok.jpg"]);
            assert_eq!(res.errors.len(), 1);
            assert_eq!(res.errors[0].0, Path::new("locked"));
            assert!(
                res.errors[0].1.contains("permission denied"),
                "{:?}",
                res.errors
            );
        }
    }

    #[cfg(unix)]
    fn is_superuser() -> bool {
        // /proc/self/status "Uid:" line: real, effective, ...
        fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
            })
            .unwrap_or(false)
    }

    #[test]
    fn io_message_says_the_common_reasons_once() {
        assert_eq!(
            io_message(&io::Error::from_raw_os_error(13)),
            "permission denied"
        );
        assert_eq!(
            io_message(&io::Error::from_raw_os_error(2)),
            "vanished during the scan"
        );
        assert!(io_message(&io::Error::from_raw_os_error(5)).contains("os error 5"));
    }

    #[test]
    fn describe_keeps_path_and_reason() {
        let e = ignore::Error::WithPath {
            path: PathBuf::from("/r/locked"),
            err: Box::new(ignore::Error::Io(io::Error::from(
                io::ErrorKind::PermissionDenied,
            ))),
        };
        let (p, msg) = describe(&e);
        assert_eq!(p.as_deref(), Some(Path::new("/r/locked")));
        assert!(msg.starts_with("permission denied"));
        let e = ignore::Error::WithDepth {
            depth: 3,
            err: Box::new(ignore::Error::Io(io::Error::from(io::ErrorKind::NotFound))),
        };
        assert!(describe(&e).1.starts_with("vanished"));
    }
}
