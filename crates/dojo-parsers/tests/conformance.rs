#![allow(
    clippy::unwrap_used,
    reason = "test harness: a broken fixture should fail loudly"
)]

//! Conformance against DefectDojo 3.2's own parser output.
//!
//! For every supported scan type, each sample report in the shared
//! conformance folder is parsed and compared with DefectDojo's golden output
//! on the key fields `score.py` scores. A file that differs fails the test
//! unless `tests/known_differences.txt` lists it (with the reason), so any
//! regression is caught while deliberate differences stay documented.

use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

const KEY_FIELDS: &[&str] = &[
    "title",
    "severity",
    "cwe",
    "file_path",
    "line",
    "component_name",
    "component_version",
    "unique_id_from_tool",
    "vuln_id_from_tool",
    "vulnerability_ids",
    "endpoints",
    "cvssv3_score",
    "date",
    "active",
    "verified",
    "false_p",
    "is_mitigated",
    "static_finding",
    "dynamic_finding",
];

fn conformance_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("DOJO_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        });
    dir.join("index.json").exists().then_some(dir)
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Norm {
    None,
    Int(i64),
    Float(i64),
    Text(String),
    Bool(bool),
    Set(BTreeSet<String>),
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn endpoint_str(v: &Value) -> String {
    let s = match v {
        Value::Object(o) => ["str", "url", "value"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
            .unwrap_or("")
            .to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.trim_end_matches('/').to_string()
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Mirrors score.py's `norm`.
fn norm(field: &str, v: Option<&Value>) -> Norm {
    let v = v.unwrap_or(&Value::Null);
    let zero = matches!(field, "cwe" | "line" | "cvssv3_score")
        && (v.as_f64() == Some(0.0) || v.as_str() == Some("0"));
    if zero || is_empty(v) {
        return Norm::None;
    }
    match field {
        "date" => Norm::Text(scalar_text(v).chars().take(10).collect()),
        "vulnerability_ids" => Norm::Set(
            v.as_array()
                .map(|a| a.iter().map(scalar_text).collect())
                .unwrap_or_default(),
        ),
        "endpoints" => Norm::Set(
            v.as_array()
                .map(|a| a.iter().map(endpoint_str).collect())
                .unwrap_or_default(),
        ),
        "line" | "cwe" => match v {
            Value::Number(n) => n
                .as_i64()
                .map(Norm::Int)
                .unwrap_or(Norm::Text(n.to_string())),
            Value::String(s) => s
                .trim()
                .parse()
                .map(Norm::Int)
                .unwrap_or(Norm::Text(s.clone())),
            other => Norm::Text(other.to_string()),
        },
        "cvssv3_score" => match v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(f) => Norm::Float((f * 10.0).round() as i64),
            None => Norm::Text(scalar_text(v)),
        },
        _ => match v {
            Value::String(s) => Norm::Text(s.trim().to_string()),
            Value::Bool(b) => Norm::Bool(*b),
            other => Norm::Text(other.to_string()),
        },
    }
}

fn golden_field<'a>(g: &'a Value, field: &str) -> Option<&'a Value> {
    match field {
        "vulnerability_ids" => g.get("unsaved_vulnerability_ids"),
        "endpoints" => g.get("unsaved_endpoints"),
        _ => g.get(field),
    }
}

/// Key fields that differ between a golden finding and ours.
fn mismatches(g: &Value, o: &Value) -> Vec<String> {
    let default_today = g.get("date_is_default_today") == Some(&Value::Bool(true));
    KEY_FIELDS
        .iter()
        .filter(|f| !(**f == "date" && default_today))
        .filter_map(|f| {
            let a = norm(f, golden_field(g, f));
            let b = norm(f, o.get(*f));
            (a != b).then(|| format!("{f}: DefectDojo {a:?} / ours {b:?}"))
        })
        .collect()
}

fn compare(gold: &[Value], ours: &[Value]) -> Result<(), String> {
    if gold.len() != ours.len() {
        return Err(format!(
            "{} findings, DefectDojo {}",
            ours.len(),
            gold.len()
        ));
    }
    let positional: Vec<String> = gold
        .iter()
        .zip(ours)
        .flat_map(|(g, o)| mismatches(g, o))
        .collect();
    if positional.is_empty() {
        return Ok(());
    }
    // Order is not a key property: pair each golden finding with an unused
    // identical one of ours before declaring a difference.
    let mut used = HashSet::new();
    for g in gold {
        match (0..ours.len()).find(|i| {
            !used.contains(i) && ours.get(*i).is_some_and(|o| mismatches(g, o).is_empty())
        }) {
            Some(i) => {
                used.insert(i);
            }
            None => {
                return Err(positional
                    .into_iter()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("; "))
            }
        }
    }
    Ok(())
}

fn flatten(out: &Value) -> Vec<Value> {
    if let Some(f) = out.get("findings").and_then(Value::as_array) {
        return f.clone();
    }
    out.get("tests")
        .and_then(Value::as_array)
        .map(|tests| {
            tests
                .iter()
                .flat_map(|t| {
                    t.get("findings")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn known_differences() -> HashSet<String> {
    include_str!("known_differences.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn outcome(scan_type: &str, name: &str, bytes: &[u8], golden: &Value) -> Result<(), String> {
    let result = dojo_parsers::parse(scan_type, name, bytes);
    match (&result, golden.get("error")) {
        (Err(_), Some(_)) => Ok(()),
        (Ok(out), Some(e)) => Err(format!(
            "DefectDojo rejects it ({e}), we gave {} findings",
            out.finding_count()
        )),
        (Err(e), None) => Err(format!("error: {e}")),
        (Ok(out), None) => {
            let info = dojo_parsers::scan_type(scan_type).unwrap();
            let ours = flatten(&dojo_parsers::to_json(out, info));
            let gold = golden["findings"].as_array().cloned().unwrap_or_default();
            compare(&gold, &ours)
        }
    }
}

#[test]
fn parsers_match_defectdojo_golden_output() {
    let Some(dir) = conformance_dir() else {
        println!("conformance data not found; set DOJO_CONFORMANCE_DIR to run this test");
        return;
    };
    let supported: HashSet<&str> = dojo_parsers::supported_scan_types()
        .map(|t| t.name)
        .collect();
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let known = known_differences();
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in index["files"].as_array().unwrap() {
        let scan_type = entry["scan_type"].as_str().unwrap_or("");
        let golden_path = dir.join(entry["golden"].as_str().unwrap());
        let golden: Value =
            serde_json::from_str(&std::fs::read_to_string(&golden_path).unwrap()).unwrap();
        let sample = entry["path"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(sample)).unwrap();
        let name = Path::new(sample).file_name().unwrap().to_string_lossy();
        // The top-level result, then the other scan types DefectDojo's tests
        // run on the same file (detailed modes, parser v2, ...).
        let mut runs = vec![(scan_type.to_string(), golden.clone())];
        for v in golden["variants"].as_array().cloned().unwrap_or_default() {
            if let Some(st) = v["scan_type"].as_str() {
                runs.push((st.to_string(), v));
            }
        }
        for (run_type, gold_run) in runs {
            if !supported.contains(run_type.as_str()) {
                continue;
            }
            checked += 1;
            let outcome = outcome(&run_type, &name, &bytes, &gold_run);
            let key = format!("{run_type}|{sample}");
            match outcome {
                Err(why) if !known.contains(&key) => failures.push(format!("{key}: {why}")),
                Ok(()) if known.contains(&key) => {
                    println!("now matches DefectDojo, remove from known_differences.txt: {key}")
                }
                _ => {}
            }
        }
    }
    println!("checked {checked} sample files");
    assert!(
        failures.is_empty(),
        "{} sample(s) differ from DefectDojo:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
