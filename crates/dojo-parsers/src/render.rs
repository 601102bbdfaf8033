//! Rendering parse results as DefectDojo-shaped JSON and as SARIF 2.1.0.

use serde_json::{json, Map, Value};

use crate::finding::{Finding, ParseOutput, ParsedTest};
use crate::registry::ScanTypeInfo;

/// One finding with DefectDojo's field names. `date: null` means the report
/// had none and the importer stamps today.
pub fn finding_json(f: &Finding) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("title", json!(f.title));
    put("severity", json!(f.severity));
    put("description", json!(f.description));
    put("mitigation", json!(f.mitigation));
    put("impact", json!(f.impact));
    put("references", json!(f.references));
    put("steps_to_reproduce", json!(f.steps_to_reproduce));
    put("severity_justification", json!(f.severity_justification));
    put("date", json!(f.date.map(|d| d.to_string())));
    put("date_is_default_today", json!(f.date.is_none()));
    put("cwe", json!(f.cwe));
    put("cwes", json!(f.cwes));
    put("cve", json!(f.cve));
    put("cvssv3", json!(f.cvssv3));
    put("cvssv3_score", json!(f.cvssv3_score));
    put("cvssv4", json!(f.cvssv4));
    put("cvssv4_score", json!(f.cvssv4_score));
    put("epss_score", json!(f.epss_score));
    put("epss_percentile", json!(f.epss_percentile));
    put("known_exploited", json!(f.known_exploited));
    put("url", json!(f.url));
    put("file_path", json!(f.file_path));
    put("line", json!(f.line));
    put("sast_source_object", json!(f.sast_source_object));
    put("sast_sink_object", json!(f.sast_sink_object));
    put("sast_source_line", json!(f.sast_source_line));
    put("sast_source_file_path", json!(f.sast_source_file_path));
    put("component_name", json!(f.component_name));
    put("component_version", json!(f.component_version));
    put("unique_id_from_tool", json!(f.unique_id_from_tool));
    put("vuln_id_from_tool", json!(f.vuln_id_from_tool));
    put("vulnerability_ids", json!(f.vulnerability_ids));
    put("endpoints", json!(f.endpoints));
    put("tags", json!(f.tags));
    put("active", json!(f.active));
    put("verified", json!(f.verified));
    put("false_p", json!(f.false_p));
    put("duplicate", json!(f.duplicate));
    put("out_of_scope", json!(f.out_of_scope));
    put("risk_accepted", json!(f.risk_accepted));
    put("under_review", json!(f.under_review));
    put("is_mitigated", json!(f.is_mitigated));
    put(
        "mitigated",
        json!(f
            .mitigated
            .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())),
    );
    put("static_finding", json!(f.static_finding));
    put("dynamic_finding", json!(f.dynamic_finding));
    put("nb_occurences", json!(f.nb_occurences));
    put("param", json!(f.param));
    put("payload", json!(f.payload));
    put("service", json!(f.service));
    put("fix_available", json!(f.fix_available));
    put("fix_version", json!(f.fix_version));
    put("scanner_confidence", json!(f.scanner_confidence));
    put("publish_date", json!(f.publish_date.map(|d| d.to_string())));
    put(
        "planned_remediation_date",
        json!(f.planned_remediation_date.map(|d| d.to_string())),
    );
    put(
        "planned_remediation_version",
        json!(f.planned_remediation_version),
    );
    put("effort_for_fixing", json!(f.effort_for_fixing));
    put("parser_hash_code", json!(f.hash_code));
    if !f.req_resp.is_empty() {
        let rr: Vec<Value> = f
            .req_resp
            .iter()
            .map(|(req, resp)| json!({"req": req, "resp": resp}))
            .collect();
        put("req_resp", Value::Array(rr));
    }
    Value::Object(m)
}

fn test_json(t: &ParsedTest) -> Value {
    json!({
        "name": t.name,
        "type": t.test_type,
        "version": t.version,
        "description": t.description,
        "findings": t.findings.iter().map(finding_json).collect::<Vec<_>>(),
    })
}

/// `{"scan_type", "findings"}`, or `{"scan_type", "tests": [...]}` for scan
/// types whose reports carry several tests.
pub fn to_json(out: &ParseOutput, info: &ScanTypeInfo) -> Value {
    if info.multi_test {
        json!({
            "scan_type": info.name,
            "tests": out.tests.iter().map(test_json).collect::<Vec<_>>(),
        })
    } else {
        json!({
            "scan_type": info.name,
            "findings": out.findings().map(finding_json).collect::<Vec<_>>(),
        })
    }
}

fn sarif_level(severity: &str) -> &'static str {
    match severity {
        "Critical" | "High" => "error",
        "Medium" => "warning",
        "Low" => "note",
        _ => "none",
    }
}

fn sarif_result(f: &Finding) -> Value {
    let rule = f
        .vuln_id_from_tool
        .clone()
        .or_else(|| f.cwe.map(|c| format!("CWE-{c}")))
        .unwrap_or_else(|| f.title.clone());
    let mut result = Map::new();
    let base = json!({
        "ruleId": rule,
        "level": sarif_level(&f.severity),
        "message": { "text": if f.description.is_empty() { &f.title } else { &f.description } },
        "properties": {
            "title": f.title,
            "severity": f.severity,
            "cwe": f.cwe,
            "vulnerability_ids": f.vulnerability_ids,
            "component_name": f.component_name,
            "component_version": f.component_version,
            "cvssv3": f.cvssv3,
            "cvssv3_score": f.cvssv3_score,
            "tags": f.tags,
        },
    });
    if let Value::Object(b) = base {
        result.extend(b);
    }
    let mut locations = Vec::new();
    if let Some(path) = &f.file_path {
        let physical = match f.line.filter(|l| *l > 0) {
            Some(line) => {
                json!({ "artifactLocation": { "uri": path }, "region": { "startLine": line } })
            }
            None => json!({ "artifactLocation": { "uri": path } }),
        };
        locations.push(json!({ "physicalLocation": physical }));
    }
    for e in &f.endpoints {
        locations
            .push(json!({ "physicalLocation": { "artifactLocation": { "uri": e.to_string() } } }));
    }
    if !locations.is_empty() {
        result.insert("locations".into(), Value::Array(locations));
    }
    if let Some(uid) = &f.unique_id_from_tool {
        result.insert("fingerprints".into(), json!({ "unique_id_from_tool": uid }));
    }
    Value::Object(result)
}

/// A SARIF 2.1.0 log with one run per test.
pub fn to_sarif(out: &ParseOutput, info: &ScanTypeInfo) -> Value {
    let runs: Vec<Value> = out
        .tests
        .iter()
        .map(|t| {
            let name = t
                .test_type
                .clone()
                .or_else(|| t.name.clone())
                .unwrap_or_else(|| info.name.to_string());
            let mut rules: Vec<String> = Vec::new();
            let results: Vec<Value> = t
                .findings
                .iter()
                .map(|f| {
                    let r = sarif_result(f);
                    if let Some(id) = r.get("ruleId").and_then(Value::as_str) {
                        if !rules.iter().any(|x| x == id) {
                            rules.push(id.to_string());
                        }
                    }
                    r
                })
                .collect();
            let mut driver = Map::new();
            driver.insert("name".into(), json!(name));
            // SARIF requires version to be a string when present.
            if let Some(v) = &t.version {
                driver.insert("version".into(), json!(v));
            }
            driver.insert(
                "rules".into(),
                Value::Array(rules.iter().map(|r| json!({"id": r})).collect()),
            );
            json!({ "tool": { "driver": driver }, "results": results })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::scan_type_info;

    #[test]
    fn json_and_sarif_shapes() {
        let mut f = Finding::new_static("SQLi", "High");
        f.file_path = Some("a.py".into());
        f.line = Some(3);
        f.vuln_id_from_tool = Some("B608".into());
        let out = ParseOutput::single(vec![f]);
        let info = scan_type_info("Bandit Scan").expect("bandit");
        let j = to_json(&out, info);
        assert_eq!(j["scan_type"], "Bandit Scan");
        assert_eq!(j["findings"][0]["line"], 3);
        assert_eq!(j["findings"][0]["date"], Value::Null);
        let s = to_sarif(&out, info);
        assert_eq!(s["version"], "2.1.0");
        assert_eq!(s["runs"][0]["results"][0]["ruleId"], "B608");
        assert_eq!(s["runs"][0]["results"][0]["level"], "error");
        assert_eq!(
            s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
    }
}
