//! Inputs the fuzzers found (`make fuzz`), kept in `fuzz/regressions/` and probed here by
//! every parser on every `cargo test`: none may panic, and what a record says must make sense
//! (sizes are positive, a capture time is always set). A new finding is added by copying its
//! input into that folder (named `<target>-<what>.bin`) and, when it needs more than these
//! checks, a test of its own below.

use std::fs;
use std::path::{Path, PathBuf};

use super::formats::Container;
use super::probe_bytes;
use super::record::Record;

const ALL: [Container; 11] = [
    Container::Jpeg,
    Container::Heif,
    Container::Movie,
    Container::Cr3,
    Container::Png,
    Container::Webp,
    Container::Gif,
    Container::Tiff,
    Container::Raf,
    Container::Avi,
    Container::Matroska,
];

fn inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut out: Vec<_> = fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "bin"))
                .map(|p| {
                    let data = fs::read(&p).expect("read a regression input");
                    (p, data)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn sane(rec: &Record, what: &str) {
    if let Some(e) = &rec.error {
        assert!(!e.starts_with(super::PANIC_ERROR), "{what}: {e}");
    }
    assert!(rec.captured.is_some(), "{what}: no capture time");
    for (w, h) in [
        (rec.width, rec.height),
        (rec.display_width, rec.display_height),
    ] {
        assert!(w != Some(0) && h != Some(0), "{what}: size {w:?}x{h:?}");
    }
}

#[test]
fn every_finding_probes_sanely_with_every_parser() {
    let found = inputs();
    assert!(
        !found.is_empty(),
        "fuzz/regressions/ holds the fuzzers' findings"
    );
    for (path, data) in &found {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        sane(&probe_bytes(Path::new("f.jpg"), data, None), &name);
        for c in ALL {
            sane(
                &probe_bytes(Path::new("f.bin"), data, Some(c)),
                &format!("{name} as {c:?}"),
            );
        }
    }
}

/// `make fuzz` (heif): an `ispe` of 0×16 became a record 0 pixels wide.
#[test]
fn heif_zero_width_is_no_size() {
    let data = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/heif-zero-width.bin"),
    )
    .unwrap();
    let rec = probe_bytes(Path::new("f.heic"), &data, Some(Container::Heif));
    assert_eq!((rec.width, rec.display_width), (None, None));
    assert!(rec.error.unwrap().contains("not a size"));
}

/// `make fuzz` (mp4): `stts` sample counts times deltas summed past `u64` (a panic in builds
/// with overflow checks, a wrong frame rate in release builds).
#[test]
fn mp4_stts_sums_do_not_overflow() {
    let data = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/mp4-stts-tick-overflow.bin"),
    )
    .unwrap();
    let rec = probe_bytes(Path::new("f.mov"), &data, Some(Container::Movie));
    sane(&rec, "mp4-stts-tick-overflow");
    assert!(
        rec.frame_rate.is_none_or(|r| r.is_finite() && r > 0.0),
        "{:?}",
        rec.frame_rate
    );
}
