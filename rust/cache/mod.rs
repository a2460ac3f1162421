//! The thumbnail caches: L1 in [`memory`] (a byte-bounded LRU) and L2 on [`disk`]
//! (md5-bucketed files, atomic writes, file I/O outside the index lock).

pub mod disk;
pub mod memory;
