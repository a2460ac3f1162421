//! The Python bindings (`albumen._core`), one file per concern. Each turns Python arguments
//! into plain Rust values, calls the core (releasing the GIL for anything that may block),
//! and turns plain results back into Python objects; core errors become exceptions in
//! [`errors`] only.

pub mod cache_stats;
pub mod disk_cache;
pub mod errors;
pub mod grid;
pub mod interrupt;
pub mod justified;
pub mod media_types;
pub mod memory_cache;
pub mod paths;
pub mod probe;
pub mod records;
pub mod walk;
