//! Waiting for Rust work without losing Ctrl-C: the GIL is released while waiting, and every
//! [`SIGNAL_POLL`] the wait wakes up to run Python's signal handlers. When one raises
//! (`KeyboardInterrupt`), the work is cancelled and the exception propagates.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::RecvTimeoutError;
use pyo3::prelude::*;

use crate::error::Error;

/// How long a wait for Rust work lasts before Python gets a chance to see Ctrl-C.
pub const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Call `poll` (with the GIL released) until it gives a value. `poll` waits at most the
/// duration it is given and returns `None` when nothing is ready yet; after every call the
/// signal handlers run, and if one raises, `on_interrupt` runs and the exception propagates.
///
/// The handlers also run when `poll` did give a value: a consumer that never returns to
/// Python's eval loop between calls (`list(stream)`, `extend`) with work always ready would
/// otherwise not see Ctrl-C until the work ran out. The value is then dropped.
pub fn wait_interruptibly<T: Send>(
    py: Python<'_>,
    mut poll: impl FnMut(Duration) -> Option<T> + Send,
    on_interrupt: impl FnOnce(),
) -> PyResult<T> {
    loop {
        let value = py.detach(|| poll(SIGNAL_POLL));
        if let Err(e) = py.check_signals() {
            on_interrupt();
            return Err(e);
        }
        if let Some(value) = value {
            return Ok(value);
        }
    }
}

/// Run blocking `work` on a thread of its own (named `name`) and wait for it as
/// [`wait_interruptibly`] does. `work` gets a cancel flag: Ctrl-C sets it (the work should
/// check it and return soon; its result is then dropped). A panic in `work` becomes
/// [`Error::Internal`].
pub fn run_interruptibly<T: Send + 'static>(
    py: Python<'_>,
    name: &str,
    work: impl FnOnce(&Arc<AtomicBool>) -> T + Send + 'static,
) -> PyResult<T> {
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = crossbeam_channel::bounded(1);
    let flag = Arc::clone(&cancel);
    let what = name.to_owned();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&flag)))
                .map_err(|payload| Error::panicked(&what, &*payload));
            // The receiver is gone only after Ctrl-C: nobody wants the result then.
            let _ = tx.send(out);
        })
        .map_err(|source| Error::System {
            doing: "cannot start a thread",
            source,
        })?;
    let out = wait_interruptibly(
        py,
        |timeout| match rx.recv_timeout(timeout) {
            Ok(out) => Some(out),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Err(Error::Internal(format!(
                "{name} ended without a result"
            )))),
        },
        || cancel.store(true, Ordering::Relaxed),
    )?;
    Ok(out?)
}
