//! Hostile and broken input: every supported parser must return an error
//! with a one-line message or a valid result, never panic.

#![allow(clippy::unwrap_used, reason = "test code: a failure should be loud")]

use std::path::Path;

const GARBAGE: &[&[u8]] = &[
    b"",
    b"   ",
    b"{",
    b"[",
    b"{}",
    b"[]",
    b"null",
    b"42",
    b"\"text\"",
    b"<",
    b"<root/>",
    b"<a><b></a>",
    b"\xff\xfe\x00\x01garbage",
    b"a,b,c\n1,2",
    b"{\"results\": [1, \"x\", null, {\"line\": \"x\"}]}",
    b"{\"runs\": [{\"results\": [{}]}]}",
    b"{\"vulnerabilities\": {\"x\": 1}}",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaa'><!ENTITY b '&a;&a;&a;'>]><x>&b;</x>",
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><issues><issue>&e;</issue></issues>",
];

const NAMES: &[&str] = &[
    "report.json",
    "report.xml",
    "report.csv",
    "report.nessus",
    "report.html",
];

fn check(scan_type: &str, name: &str, bytes: &[u8]) {
    match dojo_parsers::parse(scan_type, name, bytes) {
        Ok(out) => {
            let info = dojo_parsers::scan_type(scan_type).unwrap();
            let _ = dojo_parsers::to_json(&out, info);
            let _ = dojo_parsers::to_sarif(&out, info);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "{scan_type}: multi-line error {msg:?}");
            assert!(!msg.is_empty());
        }
    }
}

#[test]
fn garbage_never_panics() {
    for t in dojo_parsers::supported_scan_types() {
        for name in NAMES {
            for g in GARBAGE {
                check(t.name, name, g);
            }
        }
    }
}

#[test]
fn truncated_samples_never_panic() {
    let dir = std::env::var_os("DOJO_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        });
    let Ok(index) = std::fs::read_to_string(dir.join("index.json")) else {
        println!("conformance data not found; skipping");
        return;
    };
    let index: serde_json::Value = serde_json::from_str(&index).unwrap();
    for entry in index["files"].as_array().unwrap() {
        let scan_type = entry["scan_type"].as_str().unwrap_or("");
        if dojo_parsers::scan_type(scan_type).is_none() {
            continue;
        }
        let path = dir.join(entry["path"].as_str().unwrap());
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy();
        for cut in [
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(7),
        ] {
            check(scan_type, &name, bytes.get(..cut).unwrap());
        }
    }
}

#[test]
fn entity_declarations_are_rejected() {
    let bomb = b"<?xml version='1.0'?><!DOCTYPE issues [<!ENTITY a 'x'>]><issues><issue><name>&a;</name></issue></issues>";
    let err = dojo_parsers::parse("Burp Scan", "b.xml", bomb).unwrap_err();
    assert!(err.to_string().contains("entity"), "{err}");
}

#[test]
fn empty_reports_give_zero_findings() {
    let out = dojo_parsers::parse("Bandit Scan", "b.json", b"{\"results\": []}").unwrap();
    assert_eq!(out.finding_count(), 0);
    let out = dojo_parsers::parse("SARIF", "s.sarif", b"{\"runs\": []}").unwrap();
    assert_eq!(out.finding_count(), 0);
}

#[test]
fn bandit_finding_fields() {
    let report = br#"{"generated_at": "2021-03-30T18:23:12Z", "results": [{"code": "2 assert False\n", "filename": "a.py", "issue_confidence": "HIGH", "issue_severity": "LOW", "issue_text": "Use of assert detected.", "line_number": 2, "more_info": "https://x", "test_id": "B101", "test_name": "assert_used"}]}"#;
    let out = dojo_parsers::parse("Bandit Scan", "b.json", report).unwrap();
    let f = out.findings().next().unwrap();
    assert_eq!(f.severity, "Low");
    assert_eq!(f.line, Some(2));
    assert_eq!(f.vuln_id_from_tool.as_deref(), Some("assert_used:B101"));
    assert_eq!(f.date.map(|d| d.to_string()).as_deref(), Some("2021-03-30"));
    assert!(f.static_finding && !f.dynamic_finding);
}
