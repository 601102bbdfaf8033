//! Aqua Security image scans: the `resources` report (also wrapped in a list
//! by Aqua DevOps exports) and the older `cves` report.

use serde_json::Value;

use crate::cvss::base_score_v3;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, py_repr, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut items: Folded<String, Finding> = Folded::new();
    match &data {
        // Aqua DevOps (Azure DevOps job) exports: a list whose first entry
        // holds the scan.
        Value::Array(list) => {
            if let Some(first) = list.first() {
                resources(first.arr_at("results.resources"), &mut items);
            }
        }
        _ if data.get("resources").is_some() => resources(data.arr_at("resources"), &mut items),
        // Aqua REST API v2 export: each entry is a vulnerability carrying
        // its resource.
        _ if data.get("result").is_some() => {
            for vuln in data.arr_at("result") {
                let resource = vuln.get("resource").unwrap_or(&Value::Null);
                items.insert(vuln_key(resource, vuln), item(resource, vuln));
            }
        }
        _ => {
            for cve in data.arr_at("cves") {
                let key = format!(
                    "{}{}",
                    cve.str_at("file").unwrap_or_default(),
                    cve.str_at("name").unwrap_or_default()
                );
                items.insert(key, item_v2(cve));
            }
        }
    }
    Ok(ParseOutput::single(items.into_values()))
}

/// Python's `str()` of a field DefectDojo formats into text.
fn py_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "None".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => py_repr(other),
    }
}

/// A resource field with DefectDojo's `"None"` default.
fn or_none(resource: &Value, key: &str) -> String {
    resource.str_at(key).unwrap_or_else(|| "None".into())
}

/// The same package can sit at several paths in one image.
fn vuln_key(resource: &Value, vuln: &Value) -> String {
    format!(
        "{}{}{}",
        resource.str_at("cpe").unwrap_or_default(),
        or_none(vuln, "name"),
        or_none(resource, "path")
    )
}

fn resources(nodes: &[Value], items: &mut Folded<String, Finding>) {
    for node in nodes {
        let resource = node.get("resource").unwrap_or(&Value::Null);
        for vuln in node.arr_at("vulnerabilities") {
            items.insert(vuln_key(resource, vuln), item(resource, vuln));
        }
        // Files holding secrets (keys, tokens) found by sensitive-data scans.
        for sensitive in resource.arr_at("sensitive_items") {
            let key = format!(
                "{}{}{}",
                resource.str_at("cpe").unwrap_or_default(),
                or_none(resource, "path"),
                py_str(Some(sensitive))
            );
            items.insert(key, sensitive_item(resource, sensitive));
        }
    }
}

fn sensitive_item(resource: &Value, sensitive: &Value) -> Finding {
    let name = or_none(resource, "name");
    let path = or_none(resource, "path");
    let mut f = Finding::new_dynamic(format!("{name} - {name} ({path}) "), "Info");
    f.description = format!(
        "**Senstive Item:** {}\n**Layer:** {}\n**Layer_Digest:** {}\n**Path:** {path}",
        py_str(Some(sensitive)),
        or_none(resource, "layer"),
        or_none(resource, "layer_digest"),
    )
    .trim()
    .to_string();
    f.component_name = resource.str_at("name");
    if name != "No CVE" {
        f.vulnerability_ids = vec![name];
    }
    f
}

/// DefectDojo's classification: Aqua's severity word, or a score in bands
/// where a score exactly on a boundary (4.0, 7.0) falls through to Critical.
fn severity_of(score: Option<&Value>) -> &'static str {
    let n = match score {
        Some(Value::String(word)) => {
            return match word.as_str() {
                "high" => "High",
                "medium" => "Medium",
                "low" => "Low",
                "negligible" => "Info",
                _ => "Critical",
            }
        }
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        // DefectDojo cannot compare a missing score and rejects the report;
        // a finding without any score is kept as Info instead.
        _ => 0.0,
    };
    band(n)
}

fn band(n: f64) -> &'static str {
    if n == 0.0 {
        "Info"
    } else if n < 4.0 {
        "Low"
    } else if n > 4.0 && n < 7.0 {
        "Medium"
    } else if n > 7.0 && n < 9.0 {
        "High"
    } else {
        "Critical"
    }
}

/// The score that classifies the finding (the first present of Aqua's
/// severity, Aqua score, vendor score, NVD v3 and v2 scores) and the
/// justification listing all of them.
fn classification(vuln: &Value) -> (Option<&Value>, String) {
    const SOURCES: [(&str, &str); 5] = [
        ("aqua_severity", "Aqua severity"),
        ("aqua_score", "Aqua score"),
        ("vendor_score", "Vendor score"),
        ("nvd_score_v3", "NVD score v3"),
        ("nvd_score", "NVD score v2"),
    ];
    let mut score = None;
    let mut used = String::new();
    let mut justification = String::new();
    for (key, label) in SOURCES {
        let Some(v) = vuln.get(key) else { continue };
        // DefectDojo keeps looking while the chosen score is null.
        if score.is_none() {
            score = Some(v).filter(|v| !v.is_null());
            used = format!("{label} ({}) used for classification.\n", py_str(Some(v)));
        }
        let field = |k: &str| py_str(vuln.get(k));
        justification.push_str(&match key {
            "aqua_severity" => format!(
                "\nAqua severity classification: {}\nAqua scoring system: {}",
                field("aqua_severity_classification"),
                field("aqua_scoring_system")
            ),
            "aqua_score" => format!("\nAqua score: {}", field("aqua_score")),
            "vendor_score" => format!("\nVendor score: {}", field("vendor_score")),
            "nvd_score_v3" => format!("\nNVD v3 vectors: {}", field("nvd_vectors_v3")),
            _ => format!("\nNVD v2 vectors: {}", field("nvd_vectors")),
        });
    }
    justification.push_str(&format!("\n{used}"));
    (score, justification)
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
        if vuln.get(k).is_some() {
            url.push_str(&format!("\n{}", py_str(vuln.get(k))));
        }
    }
    let (score, justification) = classification(vuln);
    let severity = severity_of(score);
    let mut f = Finding::new_dynamic(format!("{id} - {name} ({version}) "), severity);
    f.severity_justification = Some(justification);
    // The NVD v3 vector, when DefectDojo's CVSS parser accepts it.
    if vuln.get("nvd_score_v3").is_some() {
        if let Some(vector) = vuln
            .str_at("nvd_vectors_v3")
            .filter(|v| v.starts_with("CVSS:3"))
        {
            f.cvssv3_score = base_score_v3(&vector);
            f.cvssv3 = f.cvssv3_score.map(|_| vector);
        }
    }
    let mut description = format!("{}\n", or_default(vuln, "description", "No description."));
    if let Some(path) = resource.str_at("path") {
        description.push_str(&format!("**Path:** {path}\n"));
    }
    f.description = description.trim().to_string();
    f.mitigation = vuln
        .get("fix_version")
        .filter(|v| !v.is_null())
        .map(|v| py_str(Some(v)));
    f.fix_available = Some(f.mitigation.is_some());
    f.references = Some(url);
    f.component_name = resource.str_at("name");
    f.component_version = resource.str_at("version");
    f.impact = Some(severity.into());
    if id != "No CVE" {
        f.vulnerability_ids = vec![id];
    }
    f.epss_score = vuln.f64_at("epss_score").filter(|s| *s != 0.0);
    f.epss_percentile = vuln.f64_at("epss_percentile").filter(|s| *s != 0.0);
    f
}

/// `dict.get(key, default)`: the default only when the key is absent.
fn or_default(v: &Value, key: &str, default: &str) -> String {
    match v.get(key) {
        None => default.to_string(),
        some => py_str(some),
    }
}

fn item_v2(cve: &Value) -> Finding {
    let id = cve.str_at("name").unwrap_or_default();
    let severity = band(cve.f64_at("score").unwrap_or(0.0));
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
    f.fix_available = Some(cve.get("fix_version").is_some_and(|v| !v.is_null()));
    f.vulnerability_ids = vec![id];
    f
}
