//! The probe thread pools. One default pool sized by the core count, built on first use and
//! shared by every scan; a scan that asks for a different `workers` count gets a second pool
//! of that size, kept and reused while later scans ask for the same size (a pool is never
//! built per call). A pool that cannot be built (the system refuses threads) is an error of
//! that call only: the next call tries again.

use std::io;
use std::sync::Arc;

use parking_lot::Mutex;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Error, Result};

/// The number of cores (at least 1).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn build_pool(threads: usize) -> Result<Arc<ThreadPool>> {
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("albumen-probe-{i}"))
        // Probes catch their own panics; anything else must not abort the interpreter.
        .panic_handler(|_| {})
        .build()
        .map(Arc::new)
        .map_err(|e| {
            // Building fails only when a thread cannot be spawned: keep the OS error.
            let source = std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<io::Error>())
                .map_or_else(
                    || io::Error::other(e.to_string()),
                    |io| {
                        io.raw_os_error().map_or_else(
                            || io::Error::new(io.kind(), io.to_string()),
                            io::Error::from_raw_os_error,
                        )
                    },
                );
            Error::System {
                doing: "cannot start the probe thread pool",
                source,
            }
        })
}

static DEFAULT_POOL: Mutex<Option<Arc<ThreadPool>>> = Mutex::new(None);
static SIZED_POOL: Mutex<Option<Arc<ThreadPool>>> = Mutex::new(None);

/// The shared pool for `workers` threads (`None`: one per core).
pub fn pool(workers: Option<usize>) -> Result<Arc<ThreadPool>> {
    let default = default_workers();
    let wanted = workers.unwrap_or(default).max(1);
    let slot = if wanted == default {
        &DEFAULT_POOL
    } else {
        &SIZED_POOL
    };
    let mut held = slot.lock();
    if let Some(p) = held.as_ref().filter(|p| p.current_num_threads() == wanted) {
        return Ok(Arc::clone(p));
    }
    let p = build_pool(wanted)?;
    *held = Some(Arc::clone(&p));
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_shared() {
        let a = pool(None).unwrap();
        let b = pool(Some(default_workers())).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = pool(Some(default_workers() + 3)).unwrap();
        let d = pool(Some(default_workers() + 3)).unwrap();
        assert!(Arc::ptr_eq(&c, &d));
        assert_eq!(c.current_num_threads(), default_workers() + 3);
    }
}
