//! Shared by the fuzz targets: which scan types belong to an input family,
//! and the per-input check.
//!
//! A scan type belongs to a family when one of its conformance samples has one
//! of the family's extensions (`../shared/conformance/index.json`, located
//! relative to this crate). Supported scan types that have no sample at all
//! are put in every family; without the index every supported scan type is
//! used. This picks up parsers added to the registry without editing here.

use std::collections::BTreeSet;
use std::sync::OnceLock;

const INDEX: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/index.json"
);

fn scan_types_with_ext(exts: &[&str]) -> Vec<&'static str> {
    let supported: Vec<&'static str> = dojo_parsers::supported_scan_types()
        .map(|t| t.name)
        .collect();
    let Some(index) = std::fs::read(INDEX)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    else {
        return supported;
    };
    let mut with_samples = BTreeSet::new();
    let mut matching = BTreeSet::new();
    for file in index["files"].as_array().into_iter().flatten() {
        let name = file["file"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let hit = exts.iter().any(|e| name.ends_with(e));
        let variants = file["variants"].as_array().into_iter().flatten();
        for st in std::iter::once(&file["scan_type"]).chain(variants.map(|v| &v["scan_type"])) {
            if let Some(st) = st.as_str() {
                with_samples.insert(st.to_string());
                if hit {
                    matching.insert(st.to_string());
                }
            }
        }
    }
    supported
        .into_iter()
        .filter(|s| matching.contains(*s) || !with_samples.contains(*s))
        .collect()
}

pub struct Family {
    pub file_name: &'static str,
    pub exts: &'static [&'static str],
    pub cell: OnceLock<Vec<&'static str>>,
}

impl Family {
    pub fn scan_types(&self) -> &[&'static str] {
        self.cell.get_or_init(|| {
            let v = scan_types_with_ext(self.exts);
            eprintln!(
                "fuzzing {} scan types with {:?}: {v:?}",
                v.len(),
                self.file_name
            );
            v
        })
    }

    /// Parse errors are expected; only a panic (or a sanitizer report, a
    /// timeout, an OOM) is a bug. Successful output is rendered too, since the
    /// server renders whatever a parser returns.
    pub fn run(&self, data: &[u8]) {
        for st in self.scan_types() {
            if let Ok(out) = dojo_parsers::parse(st, self.file_name, data) {
                if let Some(info) = dojo_parsers::scan_type(st) {
                    let _ = dojo_parsers::to_json(&out, info);
                    let _ = dojo_parsers::to_sarif(&out, info);
                }
            }
        }
    }
}
