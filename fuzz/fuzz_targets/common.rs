//! What every probe target checks. A panic aborts the run (libfuzzer-sys installs a panic hook
//! that aborts before the probe's own `catch_unwind` could turn it into a record error), and
//! so does a record that says a panic was caught, in case a hook ever stops doing so.

use std::path::Path;

use albumen_core::probe::formats::Container;
use albumen_core::probe::record::Record;
use albumen_core::probe::PANIC_ERROR;

/// Probe `data` as the file `name` with the parser for `container` (no sniffing), the way
/// `probe_path` runs it after reading the file: same head and tail buffers, same reads.
#[allow(dead_code)] // not used by the identity target
pub fn probe_as(name: &str, data: &[u8], container: Container) {
    let rec = albumen_core::probe::probe_bytes(Path::new(name), data, Some(container));
    check(&rec);
}

pub fn check(rec: &Record) {
    if let Some(e) = &rec.error {
        assert!(!e.starts_with(PANIC_ERROR), "the probe panicked: {e}");
    }
    assert!(rec.captured.is_some(), "every record has a capture time");
    if let (Some(w), Some(h)) = (rec.display_width, rec.display_height) {
        assert!(w > 0 && h > 0, "display size {w}x{h}");
    }
}
