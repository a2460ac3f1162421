//! Paths across the boundary: arguments accepted as `str`, `bytes` or `os.PathLike` (the OS's
//! own bytes, so names that are not UTF-8 round-trip), and relative paths handed back as `str`
//! decoded like `os.fsdecode`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A path argument: `str`, `bytes` or `os.PathLike` of either (use with
/// `#[pyo3(from_py_with = fs_path)]`).
pub fn fs_path(ob: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    #[cfg(unix)]
    use std::os::unix::ffi::OsStrExt;
    let ob = if ob.is_instance_of::<PyString>() || ob.is_instance_of::<PyBytes>() {
        ob.clone()
    } else {
        ob.py().import("os")?.call_method1("fspath", (ob,))?
    };
    match ob.cast::<PyBytes>() {
        #[cfg(unix)]
        Ok(raw) => Ok(PathBuf::from(std::ffi::OsStr::from_bytes(raw.as_bytes()))),
        #[cfg(not(unix))]
        Ok(raw) => Ok(PathBuf::from(
            String::from_utf8_lossy(raw.as_bytes()).into_owned(),
        )),
        Err(_) => ob.extract(),
    }
}

/// A sequence of path arguments (see [`fs_path`]).
pub fn fs_paths(ob: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    ob.try_iter()?.map(|item| fs_path(&item?)).collect()
}

/// A relative path (raw OS bytes) as a Python `str`, decoded like `os.fsdecode` (bytes that
/// are not valid in the file-system encoding become surrogate escapes).
pub fn path_to_str<'py>(py: Python<'py>, raw: &[u8]) -> PyResult<Bound<'py, PyString>> {
    #[cfg(unix)]
    let os = std::os::unix::ffi::OsStrExt::from_bytes(raw);
    #[cfg(not(unix))]
    let os = std::ffi::OsString::from(String::from_utf8_lossy(raw).into_owned());
    #[cfg(not(unix))]
    let os = os.as_os_str();
    let s: &std::ffi::OsStr = os;
    Ok(s.into_pyobject(py)?)
}
