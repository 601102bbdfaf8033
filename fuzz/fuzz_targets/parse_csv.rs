#![no_main]
//! Feeds each input, as `report.csv`, to every scan type whose reports are CSV.

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

mod common;

static FAMILY: common::Family = common::Family {
    file_name: "report.csv",
    exts: &[".csv"],
    cell: OnceLock::new(),
};

fuzz_target!(|data: &[u8]| FAMILY.run(data));
