//! Synthetic scanner reports for benchmarks and tests: realistic field sizes,
//! CVEs, CWEs, code locations and (for every third finding) endpoints. Finding
//! `i` is the same in every report that contains it, so reports built from
//! overlapping index ranges model a rescan where some findings are fixed and
//! some are new.

use serde_json::{json, Value};

const WORDS: &[&str] = &[
    "the",
    "application",
    "passes",
    "user-controlled",
    "input",
    "to",
    "a",
    "SQL",
    "query",
    "without",
    "sanitisation,",
    "which",
    "allows",
    "an",
    "attacker",
    "read",
    "modify",
    "database",
    "records.",
    "Affected",
    "versions",
    "of",
    "package",
    "are",
    "vulnerable",
    "Regular",
    "Expression",
    "Denial",
    "Service",
    "(ReDoS)",
    "via",
    "crafted",
    "header.",
    "Upgrade",
    "component",
    "latest",
    "release",
    "and",
    "validate",
    "parameters.",
];

/// Deterministic filler text of about `len` bytes.
pub fn prose(seed: usize, len: usize) -> String {
    let mut s = String::with_capacity(len + 16);
    let mut i = seed;
    while s.len() < len {
        if !s.is_empty() {
            s.push(if i.is_multiple_of(17) { '\n' } else { ' ' });
        }
        s.push_str(WORDS.get(i % WORDS.len()).copied().unwrap_or("the"));
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    s
}

const SEVERITIES: &[&str] = &["Critical", "High", "Medium", "Low", "Info"];

fn generic_finding(i: usize) -> Value {
    let mut finding = json!({
        "title": format!("Improper neutralization of input in module_{} handler {}", i % 97, i),
        "description": prose(i, 800),
        "severity": SEVERITIES.get(i % SEVERITIES.len()).copied().unwrap_or("Info"),
        "mitigation": prose(i + 1, 300),
        "impact": prose(i + 2, 200),
        "references": format!(
            "https://nvd.nist.gov/vuln/detail/CVE-2024-{i:06}\nhttps://cwe.mitre.org/data/definitions/{}.html",
            79 + i % 50
        ),
        "date": "2024-05-17",
        "cve": format!("CVE-2024-{i:06}"),
        "vulnerability_ids": [format!("GHSA-{:04x}-{:04x}-{:04x}", i % 65_521, (i / 7) % 65_521, (i / 13) % 65_521)],
        "cwe": 79 + i % 50,
        "cvssv3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "file_path": format!("src/main/java/com/example/service/module_{}/Handler{}.java", i % 97, i % 13),
        "line": 10 + i % 900,
        "component_name": format!("com.example:library-{}", i % 211),
        "component_version": format!("{}.{}.{}", i % 5, i % 11, i % 7),
        "active": true,
        "verified": i.is_multiple_of(3),
        "tags": ["security", "sast"],
        "unique_id_from_tool": format!("{:08x}-554f-491b-8516-{:012x}", i, i * 7919),
        "vuln_id_from_tool": format!("RULE-{}", i % 300),
    });
    if let (true, Some(map)) = (i.is_multiple_of(3), finding.as_object_mut()) {
        map.insert(
            "endpoints".into(),
            json!([
                format!("https://app{}.example.com/api/v1/items/{}", i % 7, i % 50),
                format!("https://app{}.example.com/login", i % 7),
            ]),
        );
    }
    finding
}

/// A Generic Findings Import JSON report with the findings of `indices`.
pub fn generic_report(indices: impl IntoIterator<Item = usize>) -> Vec<u8> {
    let findings: Vec<Value> = indices.into_iter().map(generic_finding).collect();
    serde_json::to_vec(&json!({ "findings": findings })).unwrap_or_default()
}

/// A SARIF 2.1.0 report (300 rules) with the results of `indices`.
pub fn sarif_report(indices: impl IntoIterator<Item = usize>) -> Vec<u8> {
    let rules: Vec<Value> = (0..300)
        .map(|r| {
            json!({
                "id": format!("java/rule-{r}"),
                "name": format!("Rule{r}"),
                "shortDescription": { "text": format!("Potential injection flaw number {r}") },
                "fullDescription": { "text": prose(r, 400) },
                "help": { "text": prose(r + 3, 600) },
                "properties": {
                    "tags": ["security", format!("external/cwe/cwe-{}", 79 + r % 50)],
                    "security-severity": format!("{}.{}", 3 + r % 7, r % 10),
                    "precision": "high"
                }
            })
        })
        .collect();
    let levels = ["error", "warning", "note"];
    let results: Vec<Value> = indices
        .into_iter()
        .map(|i| {
            json!({
                "ruleId": format!("java/rule-{}", i % 300),
                "ruleIndex": i % 300,
                "level": levels.get(i % levels.len()).copied().unwrap_or("note"),
                "message": { "text": format!("{} (result {i})", prose(i, 300)) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": format!("src/main/java/com/example/service/module_{}/Handler{}.java", i % 97, i),
                            "uriBaseId": "%SRCROOT%"
                        },
                        "region": {
                            "startLine": 10 + i % 900,
                            "startColumn": 5 + i % 40,
                            "endLine": 12 + i % 900,
                            "endColumn": 60,
                            "snippet": { "text": "String q = \"SELECT * FROM users WHERE id = '\" + request.getParameter(\"id\") + \"'\";" }
                        }
                    }
                }],
                "partialFingerprints": {
                    "primaryLocationLineHash": format!("{:016x}:1", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
                }
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "CodeQL", "semanticVersion": "2.17.0", "rules": rules } },
            "results": results
        }]
    });
    serde_json::to_vec(&log).unwrap_or_default()
}
