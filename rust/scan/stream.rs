//! The streaming probe engine behind `ProbeStream`: probe many files on a shared rayon pool
//! (see [`pool`](super::pool)) and hand the records out in batches over a bounded channel, so
//! memory stays flat however many files there are and the consumer (Python writing to the
//! store) works while probing goes on.
//!
//! A running job stops soon after [`ScanJob::cancel`] (checked between files) or when its
//! receiver is dropped (the next send fails).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError};
use rayon::prelude::*;

use super::pool::pool;
use crate::error::{Error, Result};
use crate::probe::probe_path;
use crate::probe::record::Record;

/// What waiting for the next batch gave.
pub enum Next {
    Batch(Vec<Record>),
    /// Nothing yet; ask again (the caller checks for Ctrl-C in between).
    Pending,
    /// Every batch has been handed out (or the job was cancelled and drained).
    Done,
}

/// A running probe of many files.
pub struct ScanJob {
    rx: Receiver<Vec<Record>>,
    cancel: Arc<AtomicBool>,
    total: usize,
}

impl ScanJob {
    /// Start probing `paths` (relative to `root`) in batches of at most `batch_size`.
    ///
    /// A batch is also the unit of work a thread takes, so batches are capped at a quarter
    /// of each thread's share of `paths`: one huge `batch_size` must not leave cores idle.
    /// `batch_size` and `workers` must be at least 1 ([`Error::InvalidArgument`]).
    pub fn start(
        root: PathBuf,
        paths: Vec<PathBuf>,
        workers: Option<usize>,
        batch_size: usize,
    ) -> Result<ScanJob> {
        if batch_size == 0 {
            return Err(Error::invalid("batch_size must be at least 1"));
        }
        if workers == Some(0) {
            return Err(Error::invalid("workers must be at least 1"));
        }
        let pool = pool(workers)?;
        let threads = pool.current_num_threads();
        let batch_size = batch_size.min(paths.len().div_ceil(4 * threads)).max(1);
        // A couple of batches in flight per worker keeps everyone busy and memory bounded.
        let (tx, rx) = bounded(2 * threads + 2);
        let cancel = Arc::new(AtomicBool::new(false));
        let total = paths.len();
        let stop = Arc::clone(&cancel);
        pool.spawn(move || {
            let _ = paths
                .par_chunks(batch_size)
                .try_for_each_with(tx, |tx, chunk| {
                    let mut batch = Vec::with_capacity(chunk.len());
                    for rel in chunk {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        batch.push(probe_path(&root, rel));
                    }
                    if !batch.is_empty() {
                        // Fails only when the consumer is gone: stop.
                        tx.send(batch).map_err(|_| ())?;
                    }
                    if stop.load(Ordering::Relaxed) {
                        Err(())
                    } else {
                        Ok(())
                    }
                });
        });
        Ok(ScanJob { rx, cancel, total })
    }

    /// Number of files this job probes.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Stop soon: workers finish the file in hand and send what they have.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Wait up to `timeout` for the next batch.
    pub fn next_batch(&self, timeout: Duration) -> Next {
        match self.rx.recv_timeout(timeout) {
            Ok(batch) => Next::Batch(batch),
            Err(RecvTimeoutError::Timeout) => Next::Pending,
            Err(RecvTimeoutError::Disconnected) => Next::Done,
        }
    }
}

impl Drop for ScanJob {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn drain(job: &ScanJob) -> Vec<Vec<Record>> {
        let mut out = Vec::new();
        loop {
            match job.next_batch(Duration::from_secs(10)) {
                Next::Batch(b) => out.push(b),
                Next::Pending => panic!("scan stalled"),
                Next::Done => return out,
            }
        }
    }

    fn corpus(n: usize) -> (tempfile::TempDir, Vec<PathBuf>) {
        let t = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..n)
            .map(|i| PathBuf::from(format!("f{i:04}.jpg")))
            .collect();
        for p in &paths {
            fs::write(t.path().join(p), b"not really a jpeg").unwrap();
        }
        (t, paths)
    }

    #[test]
    fn every_path_gets_exactly_one_record_in_batches() {
        let (t, mut paths) = corpus(250);
        paths.push(PathBuf::from("missing.jpg"));
        let job = ScanJob::start(t.path().to_path_buf(), paths.clone(), None, 40).unwrap();
        assert_eq!(job.total(), 251);
        let batches = drain(&job);
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= 40));
        let mut got: Vec<Vec<u8>> = batches.into_iter().flatten().map(|r| r.path).collect();
        got.sort();
        let mut want: Vec<Vec<u8>> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned().into_bytes())
            .collect();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn cancel_stops_early() {
        let (t, paths) = corpus(2000);
        let job = ScanJob::start(t.path().to_path_buf(), paths, None, 10).unwrap();
        let Next::Batch(first) = job.next_batch(Duration::from_secs(10)) else {
            panic!("no first batch");
        };
        job.cancel();
        let rest: usize = drain(&job).iter().map(Vec::len).sum();
        assert!(first.len() + rest < 2000, "cancel did not stop the scan");
    }

    #[test]
    fn bad_arguments_are_invalid() {
        for (workers, batch) in [(None, 0), (Some(0), 10)] {
            let err = ScanJob::start(PathBuf::from("."), Vec::new(), workers, batch).err();
            assert!(matches!(err, Some(Error::InvalidArgument(_))), "{err:?}");
        }
    }

    #[test]
    fn dropping_the_job_releases_the_workers() {
        let (t, paths) = corpus(500);
        let job = ScanJob::start(t.path().to_path_buf(), paths.clone(), None, 1).unwrap();
        drop(job);
        // The same pool must still serve a new job to the end.
        let job = ScanJob::start(t.path().to_path_buf(), paths, None, 100).unwrap();
        assert_eq!(drain(&job).iter().map(Vec::len).sum::<usize>(), 500);
    }
}
