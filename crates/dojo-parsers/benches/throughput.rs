//! Parsing throughput (issue 3: JSON ≥ 100 MB/s, XML ≥ 50 MB/s).
//!
//! Cases:
//! - the largest JSON and XML conformance samples of supported scan types
//!   (found at run time in `../../../shared/conformance/index.json` relative to
//!   this crate; skipped with a message when that folder is absent);
//! - synthetic SARIF and Generic Findings Import JSON reports of 10,000
//!   findings with realistic field sizes (`dojo_parsers::synthetic`, shared
//!   with the import benchmark), since the samples are small.
//!
//! Run: `cargo bench -p dojo-parsers --bench throughput`. Each case's time
//! covers `dojo_parsers::parse` only (bytes in memory, findings out).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many of the largest samples per family to measure.
const LARGEST_PER_FAMILY: usize = 3;
const SYNTHETIC_FINDINGS: usize = 10_000;

struct Case {
    family: &'static str,
    label: String,
    scan_type: String,
    file_name: String,
    bytes: Vec<u8>,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
}

/// The largest samples of supported scan types with one of `exts`, skipping
/// samples that the parser rejects (DefectDojo's error-case samples).
fn largest_samples(index: &Value, family: &'static str, exts: &[&str]) -> Vec<Case> {
    let dir = conformance_dir();
    let mut files: Vec<(u64, String, String, String)> = index["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let path = f["path"].as_str()?;
            let file = f["file"].as_str()?;
            let scan_type = f["scan_type"].as_str()?;
            let lower = file.to_ascii_lowercase();
            if !exts.iter().any(|e| lower.ends_with(e))
                || dojo_parsers::scan_type(scan_type).is_none()
            {
                return None;
            }
            let size = std::fs::metadata(dir.join(path)).ok()?.len();
            Some((
                size,
                path.to_string(),
                file.to_string(),
                scan_type.to_string(),
            ))
        })
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut cases = Vec::new();
    for (_, path, file, scan_type) in files {
        if cases.len() == LARGEST_PER_FAMILY {
            break;
        }
        let Ok(bytes) = std::fs::read(dir.join(&path)) else {
            continue;
        };
        match dojo_parsers::parse(&scan_type, &file, &bytes) {
            Ok(out) if out.finding_count() > 0 => cases.push(Case {
                family,
                label: path.trim_start_matches("scans/").to_string(),
                scan_type,
                file_name: file,
                bytes,
            }),
            Ok(_) => eprintln!("throughput: skipping {path}: no findings"),
            Err(e) => eprintln!("throughput: skipping {path}: {e}"),
        }
    }
    cases
}

fn sample_cases() -> Vec<Case> {
    let index_path = conformance_dir().join("index.json");
    let index: Value = match std::fs::read(&index_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "throughput: conformance samples not available ({}: {e}); only synthetic cases run",
                index_path.display()
            );
            return Vec::new();
        }
    };
    let mut cases = largest_samples(&index, "json", &[".json", ".sarif"]);
    cases.extend(largest_samples(&index, "xml", &[".xml", ".nessus"]));
    cases
}

fn synthetic_cases() -> Vec<Case> {
    vec![
        Case {
            family: "json",
            label: format!("synthetic/generic_{SYNTHETIC_FINDINGS}.json"),
            scan_type: "Generic Findings Import".into(),
            file_name: "generic.json".into(),
            bytes: dojo_parsers::synthetic::generic_report(0..SYNTHETIC_FINDINGS),
        },
        Case {
            family: "json",
            label: format!("synthetic/sarif_{SYNTHETIC_FINDINGS}.sarif"),
            scan_type: "SARIF".into(),
            file_name: "report.sarif".into(),
            bytes: dojo_parsers::synthetic::sarif_report(0..SYNTHETIC_FINDINGS),
        },
    ]
}

fn throughput(c: &mut Criterion) {
    let mut cases = sample_cases();
    cases.extend(synthetic_cases());
    let mut group = c.benchmark_group("parse");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    for case in &cases {
        // A case that fails to parse would measure the error path only.
        match dojo_parsers::parse(&case.scan_type, &case.file_name, &case.bytes) {
            Ok(out) => eprintln!(
                "throughput: {} {} ({}, {} bytes, {} findings)",
                case.family,
                case.label,
                case.scan_type,
                case.bytes.len(),
                out.finding_count()
            ),
            Err(e) => {
                eprintln!("throughput: skipping {}: {e}", case.label);
                continue;
            }
        }
        group.throughput(Throughput::Bytes(case.bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::new(case.family, &case.label),
            case,
            |b, case| {
                b.iter(|| {
                    dojo_parsers::parse(
                        black_box(&case.scan_type),
                        black_box(&case.file_name),
                        black_box(&case.bytes),
                    )
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
