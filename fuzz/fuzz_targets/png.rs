//! The png probe on arbitrary bytes (see `fuzz_targets/common.rs`).
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::probe_as("image.png", data, albumen_core::probe::formats::Container::Png);
});
