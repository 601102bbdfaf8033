//! Scanner report parsers for Dojo: bytes in, findings out.
//!
//! The crate is pure (no database, network or async runtime) so every parser
//! can be tested against DefectDojo's own output without any setup. Parsers
//! live in `tools/<dir>.rs`, named after DefectDojo's `dojo/tools/<dir>`, and
//! are listed in [`registry`].

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod archive;
pub mod cvss;
pub mod cvss4;
pub mod endpoint;
pub mod error;
pub mod finding;
pub mod html;
pub(crate) mod html2text;
pub mod lax;
pub mod registry;
mod registry_data;
pub mod render;
pub mod stream;
pub mod synthetic;
mod tools;
pub mod util;
pub mod xlsx;
pub mod xml;

pub use endpoint::Endpoint;
pub use error::ParseError;
pub use finding::{normalize_severity, Finding, ParseOutput, ParsedTest};
pub use registry::{
    all_scan_types, parse, parse_in_slices, scan_type, scan_type_info, supported_scan_types,
    DedupAlgorithm, ScanTypeInfo,
};
pub use render::{to_json, to_sarif};
