//! Finding and reading a library's files: the parallel [`walk`], the streaming probe of many
//! files on the shared [`pool`] ([`stream`]), the content [`identity`] hash, and the one table
//! of [`media_types`] albumen indexes. Plain data in and out; the bindings are in `py/`.

pub mod identity;
pub mod media_types;
pub mod pool;
pub mod stream;
pub mod walk;
