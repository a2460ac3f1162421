//! The whole path of a real file through the probe: written to a temporary file, then opened
//! (non-blocking, type checked on the descriptor), read (head, tail), hashed by the identity
//! reader and probed by whatever parser the content sniffs as.
#![no_main]

#[path = "common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("albumen-fuzz-identity-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temporary directory");
        d
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The name's extension only matters when the content is not recognised.
    let name = match data.first().map(|b| b % 4) {
        Some(0) => "f.jpg",
        Some(1) => "f.mov",
        Some(2) => "f.dng",
        _ => "f.png",
    };
    std::fs::write(dir().join(name), data).expect("write the input");
    let rec = albumen_core::probe::probe_path(dir(), Path::new(name));
    common::check(&rec);
    assert_eq!(rec.size, data.len() as u64);
    if data.is_empty() {
        assert!(rec.id.is_none());
    } else {
        let want = albumen_core::scan::identity::hash_parts(
            rec.size,
            &data[..albumen_core::scan::identity::head_len(rec.size)],
            if data.len() <= 2 * albumen_core::scan::identity::CHUNK {
                &[]
            } else {
                &data[data.len() - albumen_core::scan::identity::CHUNK..]
            },
        );
        assert_eq!(rec.id.as_deref(), Some(want.as_str()), "identity");
    }
});
