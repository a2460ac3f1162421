//! `walk(root, *, skip=())`: the parallel discovery of media files (see `_core.pyi`).

use std::ffi::OsString;
use std::path::PathBuf;

use pyo3::prelude::*;

use super::interrupt::run_interruptibly;
use crate::py::paths::{fs_path, fs_paths};
use crate::scan::walk;

type WalkOutput = (Vec<(OsString, u64, i64)>, Vec<(OsString, String)>);

/// `walk(root, *, skip=())`: see `_core.pyi`. Runs on a thread of its own so Ctrl-C can stop it.
#[pyfunction(name = "walk")]
#[pyo3(signature = (root, *, skip = Vec::new()), text_signature = "(root, *, skip=())")]
pub fn py_walk(
    py: Python<'_>,
    #[pyo3(from_py_with = fs_path)] root: PathBuf,
    #[pyo3(from_py_with = fs_paths)] skip: Vec<PathBuf>,
) -> PyResult<WalkOutput> {
    let found = run_interruptibly(py, "albumen-walk", move |cancel| {
        walk::walk(&root, &skip, 0, cancel)
    })??;
    let files = found
        .files
        .into_iter()
        .map(|f| (f.rel.into_os_string(), f.size, f.mtime_ns))
        .collect();
    let errors = found
        .errors
        .into_iter()
        .map(|(p, m)| (p.into_os_string(), m))
        .collect();
    Ok((files, errors))
}
