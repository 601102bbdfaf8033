#![no_main]
//! Feeds each input, as `report.xml`, to every scan type whose reports are XML.

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

mod common;

static FAMILY: common::Family = common::Family {
    file_name: "report.xml",
    exts: &[".xml", ".nessus"],
    cell: OnceLock::new(),
};

fuzz_target!(|data: &[u8]| FAMILY.run(data));
