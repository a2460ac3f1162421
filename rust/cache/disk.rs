//! L2 thumbnail cache: one file per value under `<md5(key)[:2]>/<md5(key)>.jpg`, bounded in
//! bytes by evicting the least recently used files.
//!
//! # A reader never sees half a value
//! * Writes go to a temporary file in the destination directory (`.<md5>.<pid>.<n>.tmp`) and are
//!   renamed over the final name, so a reader sees the old file, the new file or none, and a
//!   writer killed mid-write leaves only a temporary file (never served; swept at start-up when
//!   older than [`STALE_TMP_SECS`]).
//! * Every file ends with a 16-byte trailer: `xxh3_64(payload)` (u64 LE), `payload length`
//!   (u32 LE), magic `ALB1`. `get` checks it; a file that is short, has no trailer, a wrong
//!   length or a wrong checksum (torn by a crash, truncated, edited) is a miss and is removed.
//!   A trailer after the JPEG's end-of-image marker is ignored by JPEG decoders, so the files
//!   stay viewable as they are.
//! * No fsync by default: a killed process cannot tear a renamed file (the data is in the page
//!   cache), and after a power loss a torn file fails its checksum. `fsync=true` syncs each file
//!   before the rename for callers that prefer durability to speed (see the benchmarks).
//!
//! # Size bound
//! Recency is tracked in memory (no file is rewritten or touched on a hit). At start the index
//! is rebuilt from a directory scan ordered by modification time; `put` evicts from the least
//! recently used end until the total (payload + trailer) is within `max_bytes`. Files written by
//! another process are adopted into the index when first read.
//!
//! # Free space
//! The cache never fills its disk: a `put` that would leave less than `min_free` bytes
//! available on the file system (`statvfs`, as an unprivileged user sees it) writes nothing and
//! fails with `ENOSPC` (counted in [`DiskStats::refused_low_space`]); so does a write the
//! file system itself refuses. Thumbnails are a cache: the caller goes on without storing it.
//!
//! # No file I/O under the index lock
//! One slow file system call must not stall every other caller (the viewer reads this cache
//! from its GUI thread). The index lock is held only to read or update the in-memory index;
//! every read, write, rename and removal happens outside it:
//! * A thread that renames or removes the file of a key first *claims* the key under the lock
//!   (the `busy` set), does the file operation without the lock, then updates the index and
//!   releases the claim under the lock. A second writer of the same key waits for the claim
//!   (on a condition variable, which releases the lock); other keys never wait. So for each
//!   key, file operations and index updates happen in the same order, and the index always
//!   describes the files this process left.
//! * Eviction chooses its victims under the lock (removing them from the index and claiming
//!   them) and deletes their files after releasing it; `clear` likewise.
//! * `get` reads without the lock. It then changes the index only for what it read (adopting a
//!   file written by another process, dropping a missing or damaged one) if no claim on the key
//!   was released since it started (the `generation` counter) and none is held: otherwise the
//!   file it read may already have been replaced, and it only counts the hit or the miss.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use lru::LruCache;
use md5::{Digest, Md5};
use parking_lot::{Condvar, Mutex, MutexGuard};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::{Error, Result};

/// Bytes appended to every stored value.
pub const TRAILER_LEN: usize = 16;
const MAGIC: &[u8; 4] = b"ALB1";
/// Temporary files older than this are leftovers of killed writers and are removed at start.
pub const STALE_TMP_SECS: u64 = 300;
/// Free space a cache leaves on its file system by default.
pub const DEFAULT_MIN_FREE: u64 = 256 * 1024 * 1024;

/// Bytes available to an unprivileged writer on the file system holding `path`, if known.
#[cfg(unix)]
pub fn available_space(path: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(path).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Bytes available on the file system holding `path`, if known.
#[cfg(not(unix))]
pub fn available_space(_path: &Path) -> Option<u64> {
    None
}

/// md5 of a key: the file identity.
pub type Digest16 = [u8; 16];

pub fn key_digest(key: &str) -> Digest16 {
    Md5::digest(key.as_bytes()).into()
}

fn hex(d: &Digest16) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(32);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn parse_hex(s: &str) -> Option<Digest16> {
    if s.len() != 32
        || !s
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The trailer for `payload` (at most 4 GiB: the trailer stores a u32 length).
pub fn trailer(payload: &[u8]) -> Result<[u8; TRAILER_LEN]> {
    let len = u32::try_from(payload.len())
        .map_err(|_| Error::invalid("a cached value must be smaller than 4 GiB"))?;
    let mut t = [0u8; TRAILER_LEN];
    t[..8].copy_from_slice(&xxh3_64(payload).to_le_bytes());
    t[8..12].copy_from_slice(&len.to_le_bytes());
    t[12..].copy_from_slice(MAGIC);
    Ok(t)
}

/// Check a stored file's bytes; on success strip the trailer in place and return true.
pub fn verify_and_strip(buf: &mut Vec<u8>) -> bool {
    if buf.len() < TRAILER_LEN {
        return false;
    }
    let n = buf.len() - TRAILER_LEN;
    let t = &buf[n..];
    if &t[12..] != MAGIC {
        return false;
    }
    let mut len = [0u8; 4];
    len.copy_from_slice(&t[8..12]);
    if u32::from_le_bytes(len) as usize != n {
        return false;
    }
    let mut sum = [0u8; 8];
    sum.copy_from_slice(&t[..8]);
    if u64::from_le_bytes(sum) != xxh3_64(&buf[..n]) {
        return false;
    }
    buf.truncate(n);
    true
}

/// Counters and gauges of the disk cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub puts: u64,
    /// Damaged files found by `get` (and removed).
    pub corrupt: u64,
    /// `put`s refused because they would have left less than `min_free` bytes free.
    pub refused_low_space: u64,
    pub entries: usize,
    /// Bytes on disk of the indexed files (payload + trailer).
    pub bytes: u64,
    pub max_bytes: u64,
}

struct Index {
    lru: LruCache<Digest16, u64>,
    bytes: u64,
    /// Keys whose file a thread is renaming or removing right now (see the module docs).
    busy: HashSet<Digest16>,
    /// Incremented whenever a claim is released, i.e. after this process changed a file.
    generation: u64,
    hits: u64,
    misses: u64,
    evictions: u64,
    puts: u64,
    corrupt: u64,
    refused_low_space: u64,
}

impl Index {
    fn insert(&mut self, d: Digest16, size: u64) {
        if let Some(old) = self.lru.put(d, size) {
            self.bytes -= old;
        }
        self.bytes += size;
    }

    fn remove(&mut self, d: &Digest16) {
        if let Some(old) = self.lru.pop(d) {
            self.bytes -= old;
        }
    }

    /// Whether what a lock-free read of `d`'s file saw is still what the index describes:
    /// no claim released since `generation` was read, and none held on `d`.
    fn unchanged_since(&self, generation: u64, d: &Digest16) -> bool {
        self.generation == generation && !self.busy.contains(d)
    }
}

/// A test hook: holds the `put`s of one key right before they rename their file into place
/// (temporary file written, key claimed, no lock held), as a slow file system would.
#[derive(Default)]
struct Pause {
    /// Fast path: false unless a pause is set.
    armed: AtomicBool,
    state: Mutex<PauseState>,
    changed: Condvar,
}

#[derive(Default)]
struct PauseState {
    key: Option<Digest16>,
    held: usize,
}

impl Pause {
    fn point(&self, d: &Digest16) {
        if !self.armed.load(Ordering::Acquire) {
            return;
        }
        let mut s = self.state.lock();
        if s.key.as_ref() != Some(d) {
            return;
        }
        s.held += 1;
        self.changed.notify_all();
        while s.key.as_ref() == Some(d) {
            self.changed.wait(&mut s);
        }
        s.held -= 1;
        self.changed.notify_all();
    }
}

pub struct DiskCache {
    root: PathBuf,
    max_bytes: u64,
    min_free: u64,
    fsync: bool,
    index: Mutex<Index>,
    /// Signalled whenever claims are released.
    released: Condvar,
    tmp_seq: AtomicU64,
    pause: Pause,
}

fn remove_quietly(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

impl DiskCache {
    /// Open (creating `root` and its parents) and rebuild the index from the files present;
    /// `put`s leave [`DEFAULT_MIN_FREE`] bytes free (see [`Self::with_min_free`]).
    pub fn open(root: &Path, max_bytes: u64, fsync: bool) -> Result<Self> {
        fs::create_dir_all(root).map_err(|e| Error::io(e, root))?;
        let cache = Self {
            root: root.to_path_buf(),
            max_bytes,
            min_free: DEFAULT_MIN_FREE,
            fsync,
            index: Mutex::new(Index {
                lru: LruCache::unbounded(),
                bytes: 0,
                busy: HashSet::new(),
                generation: 0,
                hits: 0,
                misses: 0,
                evictions: 0,
                puts: 0,
                corrupt: 0,
                refused_low_space: 0,
            }),
            released: Condvar::new(),
            tmp_seq: AtomicU64::new(0),
            pause: Pause::default(),
        };
        let mut found = cache.scan()?;
        // Oldest first, so the most recently written file ends up most recently used.
        found.sort_by_key(|(_, _, mtime)| *mtime);
        let victims = {
            let mut idx = cache.index.lock();
            for (d, size, _) in found {
                idx.insert(d, size);
            }
            cache.choose_victims(&mut idx, None)
        };
        cache.remove_claimed(victims);
        Ok(cache)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The same cache, leaving `min_free` bytes free on its file system (0: only what the file
    /// system itself refuses).
    #[must_use]
    pub fn with_min_free(mut self, min_free: u64) -> Self {
        self.min_free = min_free;
        self
    }

    pub fn min_free(&self) -> u64 {
        self.min_free
    }

    /// `(digest, size, mtime)` of every cache file; stale temporary files are removed.
    fn scan(&self) -> Result<Vec<(Digest16, u64, SystemTime)>> {
        let mut out = Vec::new();
        let now = SystemTime::now();
        let buckets = fs::read_dir(&self.root).map_err(|e| Error::io(e, &self.root))?;
        for bucket in buckets {
            let Ok(bucket) = bucket else { continue };
            let name = bucket.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.len() != 2 || !bucket.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let Ok(entries) = fs::read_dir(bucket.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let fname = entry.file_name();
                let Some(fname) = fname.to_str() else {
                    continue;
                };
                let Ok(meta) = entry.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                let is_tmp = Path::new(fname)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("tmp"));
                if fname.starts_with('.') && is_tmp {
                    let age = now.duration_since(mtime).unwrap_or(Duration::ZERO);
                    if age.as_secs() >= STALE_TMP_SECS {
                        let _ = fs::remove_file(entry.path());
                    }
                    continue;
                }
                let Some(stem) = fname.strip_suffix(".jpg") else {
                    continue;
                };
                match parse_hex(stem) {
                    Some(d) if stem.starts_with(name) => out.push((d, meta.len(), mtime)),
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// Where the value of `key` is (or would be) stored.
    pub fn path_for_digest(&self, d: &Digest16) -> PathBuf {
        let h = hex(d);
        let mut p = self.root.join(&h[..2]);
        p.push(format!("{h}.jpg"));
        p
    }

    pub fn path_for(&self, key: &str) -> PathBuf {
        self.path_for_digest(&key_digest(key))
    }

    /// Claim `d` (waiting, without the lock, while another thread holds it).
    fn claim(&self, idx: &mut MutexGuard<'_, Index>, d: Digest16) {
        while idx.busy.contains(&d) {
            self.released.wait(idx);
        }
        idx.busy.insert(d);
    }

    /// Release claims (under the lock); call [`Self::notify`] after dropping the lock.
    fn release(idx: &mut Index, claimed: impl IntoIterator<Item = Digest16>) {
        for d in claimed {
            idx.busy.remove(&d);
        }
        idx.generation += 1;
    }

    fn notify(&self) {
        self.released.notify_all();
    }

    /// The stored value, or `None` on a miss. A damaged file counts as a miss and is removed.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let d = key_digest(key);
        let path = self.path_for_digest(&d);
        let generation = self.index.lock().generation;
        let Ok(mut buf) = fs::read(&path) else {
            let mut idx = self.index.lock();
            idx.misses += 1;
            if idx.unchanged_since(generation, &d) {
                idx.remove(&d);
            }
            return None;
        };
        let size = buf.len() as u64;
        let intact = verify_and_strip(&mut buf);
        let mut idx = self.index.lock();
        if intact {
            idx.hits += 1;
            if idx.lru.get(&d).is_none() && idx.unchanged_since(generation, &d) {
                // written by another process (or re-created): adopt it
                idx.insert(d, size);
            }
            return Some(buf);
        }
        idx.misses += 1;
        idx.corrupt += 1;
        if idx.unchanged_since(generation, &d) {
            idx.remove(&d);
            idx.busy.insert(d);
            drop(idx);
            let _ = remove_quietly(&path);
            Self::release(&mut self.index.lock(), [d]);
            self.notify();
        }
        None
    }

    /// Whether a file for `key` exists (not verified; no counters, no recency change).
    pub fn contains(&self, key: &str) -> bool {
        self.path_for(key).is_file()
    }

    /// Store `value` under `key` atomically, replacing any previous value, then evict least
    /// recently used files until the cache fits in `max_bytes`.
    pub fn put(&self, key: &str, value: &[u8]) -> Result<()> {
        let tail = trailer(value)?;
        let d = key_digest(key);
        let path = self.path_for_digest(&d);
        let dir = path.parent().unwrap_or(&self.root);
        if self.min_free > 0 {
            let needed = ((value.len() + TRAILER_LEN) as u64).saturating_add(self.min_free);
            if available_space(&self.root).is_some_and(|free| free < needed) {
                self.index.lock().refused_low_space += 1;
                // `StorageFull` becomes `OSError(ENOSPC, ...)` (py/errors.rs)
                return Err(Error::io(
                    io::Error::from(io::ErrorKind::StorageFull),
                    &self.root,
                ));
            }
        }
        let seq = self.tmp_seq.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{}.{}.{seq}.tmp", hex(&d), std::process::id()));
        let written = match Self::write_file(&tmp, value, &tail, self.fsync) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(dir)
                .map_err(|e| Error::io(e, dir))
                .and_then(|()| {
                    Self::write_file(&tmp, value, &tail, self.fsync).map_err(|e| Error::io(e, &tmp))
                }),
            other => other.map_err(|e| Error::io(e, &tmp)),
        };
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        let size = (value.len() + TRAILER_LEN) as u64;

        self.claim(&mut self.index.lock(), d);
        self.pause.point(&d);
        let renamed = fs::rename(&tmp, &path);
        let mut idx = self.index.lock();
        Self::release(&mut idx, [d]);
        let victims = match renamed {
            Ok(()) => {
                idx.puts += 1;
                idx.insert(d, size);
                self.choose_victims(&mut idx, Some(d))
            }
            Err(_) => Vec::new(),
        };
        drop(idx);
        self.notify();
        if let Err(e) = renamed {
            let _ = fs::remove_file(&tmp);
            return Err(Error::rename(e, &tmp, &path));
        }
        self.remove_claimed(victims);
        Ok(())
    }

    fn write_file(tmp: &Path, value: &[u8], tail: &[u8], fsync: bool) -> io::Result<()> {
        let mut f = fs::File::create(tmp)?;
        f.write_all(value)?;
        f.write_all(tail)?;
        if fsync {
            f.sync_all()?;
        }
        Ok(())
    }

    /// Take entries from the LRU end out of the index until it fits in the budget, claiming
    /// them; the caller deletes their files after dropping the lock ([`Self::remove_claimed`]).
    /// `keep` (the value just written) goes last: only when it alone is larger than the
    /// budget. Entries claimed by another thread (a `put` renaming them right now) are
    /// skipped: they are about to become the most recently used.
    fn choose_victims(&self, idx: &mut Index, keep: Option<Digest16>) -> Vec<Digest16> {
        let mut victims = Vec::new();
        let mut in_flight = Vec::new();
        while idx.bytes > self.max_bytes {
            let Some((d, size)) = idx.lru.pop_lru() else {
                break;
            };
            if idx.busy.contains(&d) {
                in_flight.push((d, size));
                continue;
            }
            if Some(d) == keep && !idx.lru.is_empty() {
                // not the last one: put it back as most recent and evict the next
                idx.lru.put(d, size);
                continue;
            }
            idx.bytes -= size;
            idx.evictions += 1;
            idx.busy.insert(d);
            victims.push(d);
        }
        for (d, size) in in_flight {
            idx.lru.put(d, size);
        }
        victims
    }

    /// Delete the files of claimed keys (without the lock), then release the claims.
    fn remove_claimed(&self, claimed: Vec<Digest16>) -> Option<Error> {
        if claimed.is_empty() {
            return None;
        }
        let mut first_error = None;
        for d in &claimed {
            let path = self.path_for_digest(d);
            if let Err(e) = remove_quietly(&path) {
                first_error.get_or_insert(Error::io(e, path));
            }
        }
        Self::release(&mut self.index.lock(), claimed);
        self.notify();
        first_error
    }

    /// Remove the value of `key`; a missing key is fine.
    pub fn invalidate(&self, key: &str) -> Result<()> {
        let d = key_digest(key);
        {
            let mut idx = self.index.lock();
            self.claim(&mut idx, d);
            idx.remove(&d);
        }
        self.remove_claimed(vec![d]).map_or(Ok(()), Err)
    }

    /// Remove every cached file, keeping the counters. A value being written at the same
    /// moment may stay (its `put` is then ordered after the `clear`).
    pub fn clear(&self) -> Result<()> {
        let found = self.scan()?;
        let claimed: Vec<Digest16> = {
            let mut idx = self.index.lock();
            let mut keys: HashSet<Digest16> = idx.lru.iter().map(|(d, _)| *d).collect();
            keys.extend(found.into_iter().map(|(d, _, _)| d));
            keys.retain(|d| !idx.busy.contains(d));
            for d in &keys {
                idx.remove(d);
                idx.busy.insert(*d);
            }
            keys.into_iter().collect()
        };
        self.remove_claimed(claimed).map_or(Ok(()), Err)
    }

    pub fn len(&self) -> usize {
        self.index.lock().lru.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> DiskStats {
        let idx = self.index.lock();
        DiskStats {
            hits: idx.hits,
            misses: idx.misses,
            evictions: idx.evictions,
            puts: idx.puts,
            corrupt: idx.corrupt,
            refused_low_space: idx.refused_low_space,
            entries: idx.lru.len(),
            bytes: idx.bytes,
            max_bytes: self.max_bytes,
        }
    }

    pub fn reset_stats(&self) {
        let mut idx = self.index.lock();
        idx.hits = 0;
        idx.misses = 0;
        idx.evictions = 0;
        idx.puts = 0;
        idx.corrupt = 0;
        idx.refused_low_space = 0;
    }

    /// Test hook: from now on, `put`s of `key` stop right before renaming their file into
    /// place (temporary file written, key claimed, no lock held) until [`Self::resume_writes`].
    pub fn pause_writes(&self, key: &str) {
        let mut s = self.pause.state.lock();
        s.key = Some(key_digest(key));
        self.pause.armed.store(true, Ordering::Release);
    }

    /// Test hook: let held `put`s go on.
    pub fn resume_writes(&self) {
        let mut s = self.pause.state.lock();
        s.key = None;
        self.pause.armed.store(false, Ordering::Release);
        self.pause.changed.notify_all();
    }

    /// Test hook: wait until at least `count` `put`s are held (true), or `timeout` passed.
    pub fn wait_for_paused_writes(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut s = self.pause.state.lock();
        while s.held < count {
            match deadline {
                Some(deadline) => {
                    if self.pause.changed.wait_until(&mut s, deadline).timed_out() {
                        return s.held >= count;
                    }
                }
                None => self.pause.changed.wait(&mut s),
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, max: u64) -> DiskCache {
        DiskCache::open(dir, max, false).expect("open")
    }

    #[test]
    fn layout_is_md5_bucketed() {
        let t = tempfile::tempdir().expect("tmp");
        let c = cache(&t.path().join("a/b"), 1 << 20);
        c.put("k", b"hello").expect("put");
        let h = "8ce4b16b22b58894aa86c421e8759df3"; // md5("k")
        let p = t.path().join("a/b").join(&h[..2]).join(format!("{h}.jpg"));
        assert!(p.is_file());
        assert_eq!(c.get("k").as_deref(), Some(&b"hello"[..]));
        assert_eq!(fs::read(&p).expect("read").len(), 5 + TRAILER_LEN);
    }

    #[test]
    fn damaged_file_is_a_miss_and_removed() {
        let t = tempfile::tempdir().expect("tmp");
        let c = cache(t.path(), 1 << 20);
        c.put("k", &[7u8; 1000]).expect("put");
        let p = c.path_for("k");
        let mut bytes = fs::read(&p).expect("read");
        bytes[10] ^= 1;
        fs::write(&p, &bytes).expect("write");
        assert!(c.get("k").is_none());
        assert!(!p.exists());
        assert_eq!(c.stats().corrupt, 1);
        // truncated
        c.put("k", &[7u8; 1000]).expect("put");
        let bytes = fs::read(&p).expect("read");
        fs::write(&p, &bytes[..600]).expect("write");
        assert!(c.get("k").is_none());
        assert!(!p.exists());
    }

    #[test]
    fn evicts_least_recently_used_to_fit() {
        let t = tempfile::tempdir().expect("tmp");
        let per = (100 + TRAILER_LEN) as u64;
        let c = cache(t.path(), per * 3);
        for k in ["a", "b", "c"] {
            c.put(k, &[1u8; 100]).expect("put");
        }
        assert!(c.get("a").is_some()); // b is now least recent
        c.put("d", &[1u8; 100]).expect("put");
        assert!(c.get("b").is_none());
        assert!(c.get("a").is_some() && c.get("c").is_some() && c.get("d").is_some());
        let s = c.stats();
        assert_eq!((s.entries, s.bytes, s.evictions), (3, per * 3, 1));
    }

    #[test]
    fn index_is_rebuilt_at_start_and_stale_tmp_ignored() {
        let t = tempfile::tempdir().expect("tmp");
        {
            let c = cache(t.path(), 1 << 20);
            c.put("x", b"1").expect("put");
            c.put("y", b"22").expect("put");
        }
        fs::write(t.path().join("zz-not-a-bucket"), b"junk").expect("write");
        let c = cache(t.path(), 1 << 20);
        assert_eq!(c.len(), 2);
        assert_eq!(c.stats().bytes, (3 + 2 * TRAILER_LEN) as u64);
        c.invalidate("x").expect("inv");
        c.invalidate("never-there").expect("inv");
        assert_eq!(c.len(), 1);
        c.clear().expect("clear");
        assert!(c.is_empty() && c.get("y").is_none());
    }

    #[test]
    fn a_put_that_would_eat_the_free_space_margin_writes_nothing() {
        let t = tempfile::tempdir().expect("tmp");
        let c = cache(t.path(), 1 << 20).with_min_free(u64::MAX);
        let err = c
            .put("k", b"value")
            .expect_err("no disk has that much free");
        match err {
            Error::Io { source, .. } => assert_eq!(source.kind(), io::ErrorKind::StorageFull),
            other => panic!("unexpected error {other:?}"),
        }
        assert!(!c.contains("k") && c.is_empty());
        assert_eq!(c.stats().refused_low_space, 1);
        let c = c.with_min_free(0);
        c.put("k", b"value").expect("put");
        assert_eq!(c.get("k").as_deref(), Some(&b"value"[..]));
    }

    #[test]
    fn hex_round_trip() {
        let d = key_digest("abc");
        assert_eq!(parse_hex(&hex(&d)), Some(d));
        assert_eq!(parse_hex("XYZ"), None);
    }

    fn bytes_on_disk(dir: &Path) -> u64 {
        let mut total = 0;
        for bucket in fs::read_dir(dir).expect("read_dir").flatten() {
            for f in fs::read_dir(bucket.path()).expect("read_dir").flatten() {
                if f.file_name().to_string_lossy().ends_with(".jpg") {
                    total += f.metadata().expect("stat").len();
                }
            }
        }
        total
    }

    #[test]
    fn a_held_put_stalls_no_other_key() {
        let t = tempfile::tempdir().expect("tmp");
        let per = (100 + TRAILER_LEN) as u64;
        let c = std::sync::Arc::new(cache(t.path(), per * 3));
        for k in ["slow", "a", "c"] {
            c.put(k, &[1u8; 100]).expect("put");
        }
        c.pause_writes("slow");
        let writer = {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || c.put("slow", &[2u8; 100]))
        };
        assert!(c.wait_for_paused_writes(1, Duration::from_secs(60)));
        // Everything else goes on while the writer is held inside its rename.
        assert_eq!(c.get("a").as_deref(), Some(&[1u8; 100][..]));
        assert_eq!(c.get("slow").as_deref(), Some(&[1u8; 100][..]));
        assert_eq!(c.len(), 3);
        assert_eq!(c.stats().entries, 3);
        // "slow" is least recently used, but it is being written: "c" is evicted instead.
        c.put("b", &[3u8; 100]).expect("put");
        assert!(c.contains("slow") && !c.contains("c"));
        c.invalidate("a").expect("invalidate");
        c.clear().expect("clear");
        assert_eq!(c.len(), 1, "clear leaves the key being written");
        assert!(!writer.is_finished());
        c.resume_writes();
        writer.join().expect("join").expect("put");
        assert_eq!(c.get("slow").as_deref(), Some(&[2u8; 100][..]));
        let s = c.stats();
        assert_eq!((s.entries, s.bytes, s.evictions), (1, per, 1));
        assert_eq!(bytes_on_disk(t.path()), s.bytes);
    }

    #[test]
    fn a_paused_wait_times_out_without_writers() {
        let t = tempfile::tempdir().expect("tmp");
        let c = cache(t.path(), 1 << 20);
        c.pause_writes("k");
        assert!(!c.wait_for_paused_writes(1, Duration::ZERO));
        assert!(c.wait_for_paused_writes(0, Duration::ZERO));
        c.resume_writes();
        c.put("k", b"v").expect("put");
    }

    #[test]
    fn index_matches_the_files_after_concurrent_writers_of_the_same_keys() {
        let t = tempfile::tempdir().expect("tmp");
        let c = cache(t.path(), 6 * 1000);
        std::thread::scope(|scope| {
            for n in 0..6_usize {
                let c = &c;
                scope.spawn(move || {
                    for i in 0..200_usize {
                        let key = format!("k{}", (i + n) % 9);
                        match (i + n) % 4 {
                            0 => c.invalidate(&key).expect("invalidate"),
                            1 => drop(c.get(&key)),
                            _ => c
                                .put(&key, &vec![n as u8; 300 + (i * 37) % 400])
                                .expect("put"),
                        }
                    }
                });
            }
        });
        let s = c.stats();
        assert!(s.bytes <= 6 * 1000);
        assert_eq!(bytes_on_disk(t.path()), s.bytes);
        assert_eq!(s.corrupt, 0);
    }
}
