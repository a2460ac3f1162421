//! The one place where the core's [`Error`] becomes a Python exception.
//!
//! * [`Error::Io`] / [`Error::System`]: `OSError(errno, strerror[, filename[, None,
//!   filename2]])`. Python's `OSError` constructor picks the subclass from `errno`
//!   (`FileNotFoundError`, `PermissionError`, `NotADirectoryError`, `FileExistsError`, ...)
//!   exactly as it does for `open()`; `strerror` is `os.strerror(errno)`, the text Python
//!   itself would show; `filename` is the path as a `str` (decoded like `os.fsdecode`).
//! * [`Error::InvalidArgument`]: `ValueError`; [`Error::IndexOutOfRange`]: `IndexError`.
//! * [`Error::Internal`] (a bug: a caught panic): `SystemError`, Python's exception for
//!   internal errors.
//!
//! The exception's arguments are built lazily, when Python first looks at the exception.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

use pyo3::exceptions::{PyIndexError, PyOSError, PySystemError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::error::Error;

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        match e {
            Error::Io {
                source,
                path,
                path2,
            } => PyOSError::new_err(OsErrorArgs {
                source,
                doing: None,
                path: Some(path),
                path2,
            }),
            Error::System { doing, source } => PyOSError::new_err(OsErrorArgs {
                source,
                doing: Some(doing),
                path: None,
                path2: None,
            }),
            Error::InvalidArgument(message) => PyValueError::new_err(message),
            Error::IndexOutOfRange(message) => PyIndexError::new_err(message),
            Error::Internal(message) => PySystemError::new_err(format!(
                "internal error in albumen's Rust core (please report it): {message}"
            )),
        }
    }
}

/// The arguments of an `OSError`, turned into the tuple Python expects when it is needed.
struct OsErrorArgs {
    source: io::Error,
    doing: Option<&'static str>,
    path: Option<PathBuf>,
    path2: Option<PathBuf>,
}

impl<'py> IntoPyObject<'py> for OsErrorArgs {
    type Target = PyTuple;
    type Output = Bound<'py, PyTuple>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let errno = errno_of(py, &self.source);
        let reason = match errno {
            Some(n) => py
                .import("os")?
                .call_method1("strerror", (n,))?
                .extract::<String>()?,
            None => self.source.to_string(),
        };
        let strerror = match self.doing {
            Some(doing) => format!("{doing}: {reason}"),
            None => reason,
        };
        let path = |p: PathBuf| -> PyResult<Bound<'py, PyString>> {
            OsString::from(p).into_pyobject(py).map_err(Into::into)
        };
        match (self.path, self.path2) {
            (None, _) if errno.is_none() => (strerror,).into_pyobject(py),
            (None, _) => (errno, strerror).into_pyobject(py),
            (Some(p), None) => (errno, strerror, path(p)?).into_pyobject(py),
            (Some(p), Some(p2)) => {
                (errno, strerror, path(p)?, py.None(), path(p2)?).into_pyobject(py)
            }
        }
    }
}

/// The `errno` of an I/O error: the OS's own code, or for an error the core made from a kind
/// alone, the code Python's `errno` module gives that kind's name.
fn errno_of(py: Python<'_>, e: &io::Error) -> Option<i32> {
    use io::ErrorKind as K;
    if let Some(code) = e.raw_os_error() {
        return Some(code);
    }
    let name = match e.kind() {
        K::NotFound => "ENOENT",
        K::PermissionDenied => "EACCES",
        K::AlreadyExists => "EEXIST",
        K::NotADirectory => "ENOTDIR",
        K::IsADirectory => "EISDIR",
        K::DirectoryNotEmpty => "ENOTEMPTY",
        K::ReadOnlyFilesystem => "EROFS",
        K::StorageFull => "ENOSPC",
        K::InvalidInput => "EINVAL",
        K::Interrupted => "EINTR",
        K::WouldBlock => "EAGAIN",
        K::TimedOut => "ETIMEDOUT",
        _ => return None,
    };
    py.import("errno").ok()?.getattr(name).ok()?.extract().ok()
}
