//! Aqua Security image scans: the `resources` report (also wrapped in a list
//! by Aqua DevOps exports) and the older `cves` report.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut items: Vec<(String, Finding)> = Vec::new();
    match &data {
        Value::Array(list) => {
            for entry in list {
                if let Some(results) = entry.get("results") {
                    tree(results, &mut items);
                }
            }
        }
        _ => tree(&data, &mut items),
    }
    Ok(ParseOutput::single(
        items.into_iter().map(|(_, f)| f).collect(),
    ))
}

fn upsert(items: &mut Vec<(String, Finding)>, key: String, f: Finding) {
    match items.iter_mut().find(|(k, _)| *k == key) {
        Some((_, slot)) => *slot = f,
        None => items.push((key, f)),
    }
}

fn tree(t: &Value, items: &mut Vec<(String, Finding)>) {
    if t.get("resources").is_some() {
        for node in t.arr_at("resources") {
            let resource = node.get("resource").unwrap_or(&Value::Null);
            for vuln in node.arr_at("vulnerabilities") {
                // The same package can sit at several paths in one image.
                let key = format!(
                    "{}{}{}",
                    resource.str_at("cpe").unwrap_or_default(),
                    vuln.str_at("name").unwrap_or_else(|| "None".into()),
                    resource.str_at("path").unwrap_or_default()
                );
                upsert(items, key, item(resource, vuln));
            }
        }
    } else if let Some(Value::Array(results)) = t.get("result") {
        // Aqua REST API v2 export: each entry is a vulnerability carrying
        // its resource.
        for vuln in results {
            let resource = vuln.get("resource").unwrap_or(&Value::Null);
            let key = format!(
                "{}{}{}",
                resource.str_at("cpe").unwrap_or_default(),
                vuln.str_at("name").unwrap_or_else(|| "None".into()),
                resource.str_at("path").unwrap_or_default()
            );
            upsert(items, key, item(resource, vuln));
        }
    } else {
        for cve in t.arr_at("cves") {
            let key = format!(
                "{}{}",
                cve.str_at("file").unwrap_or_default(),
                cve.str_at("name").unwrap_or_default()
            );
            upsert(items, key, item_v2(cve));
        }
    }
}

fn aqua_severity(word: &str) -> &'static str {
    match word {
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        "negligible" => "Info",
        _ => "Critical",
    }
}

/// Aqua's score bands. Scores exactly on a boundary (4.0, 7.0) fall through
/// to Critical in DefectDojo, and that behaviour is kept for parity.
fn severity_of(score: f64) -> &'static str {
    if score == 0.0 {
        "Info"
    } else if score < 4.0 {
        "Low"
    } else if score > 4.0 && score < 7.0 {
        "Medium"
    } else if score > 7.0 && score < 9.0 {
        "High"
    } else {
        "Critical"
    }
}

fn item(resource: &Value, vuln: &Value) -> Finding {
    let name = resource
        .str_at("name")
        .or_else(|| resource.str_at("path"))
        .unwrap_or_default();
    let version = resource
        .str_at("version")
        .unwrap_or_else(|| "No version".into());
    let id = vuln.str_at("name").unwrap_or_else(|| "No CVE".into());
    let mut url = String::new();
    for k in ["nvd_url", "vendor_url"] {
        if let Some(u) = vuln.str_at(k) {
            url.push_str(&format!("\n{u}"));
        }
    }
    let mut justification = String::new();
    let mut cvssv3 = None;
    let severity = if let Some(word) = vuln.str_at("aqua_severity") {
        justification = vuln
            .str_at("aqua_severity_classification")
            .unwrap_or_default();
        if vuln.get("nvd_score_v3").is_some() {
            cvssv3 = vuln.str_at("nvd_vectors_v3");
        }
        aqua_severity(&word)
    } else {
        let (score, used) = if let Some(s) = vuln.f64_at("aqua_score") {
            (s, format!("Aqua score ({s}) used for classification.\n"))
        } else if let Some(s) = vuln.f64_at("vendor_score") {
            (s, format!("Vendor score ({s}) used for classification.\n"))
        } else if let Some(s) = vuln.f64_at("nvd_score_v3") {
            cvssv3 = vuln.str_at("nvd_vectors_v3");
            (s, format!("NVD score v3 ({s}) used for classification.\n"))
        } else if let Some(s) = vuln.f64_at("nvd_score") {
            (s, format!("NVD score v2 ({s}) used for classification.\n"))
        } else {
            (0.0, String::new())
        };
        justification.push_str(&format!("\n{used}"));
        severity_of(score)
    };
    let mut f = Finding::new_dynamic(format!("{id} - {name} ({version}) "), severity);
    f.severity_justification = Some(justification);
    f.cvssv3 = cvssv3;
    f.cvssv3_score = vuln.f64_at("nvd_score_v3");
    f.description = vuln
        .str_at("description")
        .unwrap_or_else(|| "No description.".into())
        .trim()
        .to_string();
    f.mitigation = Some(vuln.str_at("fix_version").unwrap_or_else(|| "None".into()));
    f.references = Some(url);
    f.component_name = resource.str_at("name");
    f.component_version = resource.str_at("version");
    f.impact = Some(severity.into());
    if id != "No CVE" {
        f.vulnerability_ids = vec![id];
    }
    f
}

fn item_v2(cve: &Value) -> Finding {
    let id = cve.str_at("name").unwrap_or_default();
    let score = cve.f64_at("score").unwrap_or(0.0);
    let severity = severity_of(score);
    let mut f = Finding::new_dynamic(
        format!("{id}: {}", cve.str_at("file").unwrap_or_default()),
        severity,
    );
    f.description = cve.str_at("description").unwrap_or_default();
    f.url = cve.str_at("url");
    f.impact = Some(severity.into());
    f.mitigation = Some(
        match (
            cve.str_at("solution"),
            cve.get("fix_version").and_then(scalar_string),
        ) {
            (Some(s), _) => s,
            (None, Some(v)) => format!("Upgrade to {v}"),
            (None, None) => "No known mitigation".into(),
        },
    );
    f.vulnerability_ids = vec![id];
    f
}
