//! The one error type of the core. It knows nothing of Python: `py/errors.rs` turns it into a
//! Python exception, in one place (`impl From<Error> for PyErr`).
//!
//! Per-file problems of a scan are not errors of this kind: they become the `error` of a
//! record or an entry of a walk's error list, and the scan goes on. This type is for a call
//! that cannot do what it was asked at all.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why a call into the core failed.
#[derive(Debug)]
pub enum Error {
    /// The operating system refused an operation on `path` (and `path2`, the destination of a
    /// rename). Becomes the `OSError` subclass Python's own `open()` / `os.rename()` would
    /// raise, with `errno`, `strerror`, `filename` (and `filename2`).
    Io {
        source: io::Error,
        path: PathBuf,
        path2: Option<PathBuf>,
    },
    /// The operating system refused something not about one path (e.g. starting threads):
    /// `doing` says what albumen was doing. Becomes an `OSError` subclass with `errno`.
    System {
        doing: &'static str,
        source: io::Error,
    },
    /// An argument outside what the call accepts (`ValueError`).
    InvalidArgument(String),
    /// An index past the end of a sequence (`IndexError`).
    IndexOutOfRange(&'static str),
    /// A bug in albumen: a panic caught at a thread's edge, or a worker that ended without a
    /// result (`SystemError`, the exception Python raises for its own internal errors).
    Internal(String),
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An OS error about `path`.
    pub fn io(source: io::Error, path: impl AsRef<Path>) -> Self {
        Error::Io {
            source,
            path: path.as_ref().to_path_buf(),
            path2: None,
        }
    }

    /// An OS error of a rename from `from` to `to`.
    pub fn rename(source: io::Error, from: impl AsRef<Path>, to: impl AsRef<Path>) -> Self {
        Error::Io {
            source,
            path: from.as_ref().to_path_buf(),
            path2: Some(to.as_ref().to_path_buf()),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }

    /// A caught panic, with the message it carried.
    pub fn panicked(doing: &str, payload: &(dyn std::any::Any + Send)) -> Self {
        Error::Internal(format!("{doing} panicked: {}", panic_message(payload)))
    }
}

/// The text a panic was raised with.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                source,
                path,
                path2: None,
            } => write!(f, "{}: {source}", path.display()),
            Error::Io {
                source,
                path,
                path2: Some(to),
            } => write!(f, "{} -> {}: {source}", path.display(), to.display()),
            Error::System { doing, source } => write!(f, "{doing}: {source}"),
            Error::InvalidArgument(m) | Error::Internal(m) => f.write_str(m),
            Error::IndexOutOfRange(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::System { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_path_and_the_reason() {
        let e = Error::io(io::Error::from_raw_os_error(2), "/x/y.jpg");
        let s = e.to_string();
        assert!(s.starts_with("/x/y.jpg: "), "{s}");
        let e = Error::rename(io::Error::from_raw_os_error(13), "/a", "/b");
        assert!(e.to_string().starts_with("/a -> /b: "));
        assert_eq!(
            Error::invalid("batch_size must be at least 1").to_string(),
            "batch_size must be at least 1"
        );
    }

    #[test]
    fn panic_payloads_become_messages() {
        let p = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
        assert_eq!(
            Error::panicked("the walk", &*p).to_string(),
            "the walk panicked: boom 1"
        );
        let p = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(panic_message(&*p), "unknown panic");
    }
}
