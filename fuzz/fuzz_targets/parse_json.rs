#![no_main]
//! Feeds each input, as `report.json`, to every scan type whose reports are JSON.

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

mod common;

static FAMILY: common::Family = common::Family {
    file_name: "report.json",
    exts: &[".json", ".sarif", ".jsonl"],
    cell: OnceLock::new(),
};

fuzz_target!(|data: &[u8]| FAMILY.run(data));
