//! Veracode REST Findings API (v2) JSON: static, dynamic and SCA findings.

use serde_json::Value;

use crate::cvss::base_score_v3;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::{parse_date, parse_json, py_repr, JsonExt};

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let data = parse_json(bytes)?;
    // The documented shape is `{"findings": [...]}`; the API's own response
    // nests them under `_embedded`.
    let items = match data.arr_at("findings") {
        [] => data.arr_at("_embedded.findings"),
        items => items,
    };
    let mut out = Vec::new();
    for vuln in items {
        // Closed findings are history, not work.
        if vuln.str_at("finding_status.status").as_deref() == Some("CLOSED") {
            continue;
        }
        let scan_type = vuln.str_at("scan_type");
        let empty = Value::Null;
        let details = vuln.get("finding_details").unwrap_or(&empty);
        let Some(mut f) = from_details(details, scan_type.as_deref(), vuln) else {
            continue;
        };
        f.date = vuln
            .str_at("finding_status.last_found_date")
            .as_deref()
            .and_then(parse_date);
        describe(&mut f, vuln.get("description"), scan_type.as_deref());
        f.nb_occurences = Some(vuln.i64_at("count").unwrap_or(1));
        out.push(f);
    }
    Ok(out)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// A JSON value Python would treat as true.
fn truthy(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    })
}

/// A vector written with or without the `CVSS:3.x/` prefix, as a full v3
/// vector; `None` when it is not a valid v3 vector.
fn v3_vector(raw: &str) -> Option<String> {
    let vector = if raw.starts_with("CVSS:3.1/") || raw.starts_with("CVSS:3.0/") {
        raw.to_string()
    } else if raw.starts_with("CVSS") {
        return None;
    } else {
        format!("CVSS:3.1/{raw}")
    };
    base_score_v3(&vector).map(|_| vector)
}

fn from_details(details: &Value, scan_type: Option<&str>, vuln: &Value) -> Option<Finding> {
    let severity = match details.get("severity").and_then(Value::as_i64).unwrap_or(1) {
        2 => "Low",
        3 => "Medium",
        4 => "High",
        5 => "Critical",
        _ => "Info",
    };
    let mut f = Finding::new_dynamic(format!("{} Finding", scan_type.unwrap_or("None")), severity);
    f.description = "### Meta Information\n".into();
    if truthy(vuln.get("violates_policy")).is_some() {
        f.tags.push("policy-violation".into());
    }
    let cwe = truthy(details.get("cwe"));
    let cwe_title = cwe.and_then(|c| c.str_at("name"));
    f.cwe = cwe
        .and_then(|c| c.i64_at("id"))
        .and_then(|id| u32::try_from(id).ok());
    match truthy(details.get("cvss")) {
        Some(Value::String(s)) => f.cvssv3 = v3_vector(s),
        Some(Value::Number(n)) => f.cvssv3_score = n.as_f64(),
        _ => {}
    }
    match scan_type {
        Some("STATIC") => static_details(&mut f, details, cwe_title),
        Some("DYNAMIC") => dynamic_details(&mut f, details, cwe_title),
        Some("SCA") => sca_details(&mut f, details, cwe_title),
        _ => return None,
    }
    Some(f)
}

fn category_title(details: &Value, fallback: Option<String>) -> Option<String> {
    truthy(details.get("finding_category"))
        .and_then(|c| c.str_at("name"))
        .or(fallback)
}

fn static_details(f: &mut Finding, details: &Value, cwe_title: Option<String>) {
    f.static_finding = true;
    f.dynamic_finding = false;
    if let Some(t) = category_title(details, cwe_title) {
        f.title = t;
    }
    if let Some(path) = details.str_at("file_path") {
        f.sast_source_file_path = Some(path.clone());
        f.file_path = Some(path);
    }
    if let Some(line) = truthy(details.get("file_line_number")).and_then(Value::as_i64) {
        f.sast_source_line = Some(line);
        f.line = Some(line);
    }
    if let Some(Value::String(p)) = truthy(details.get("procedure")) {
        f.sast_source_object = Some(p.clone());
        f.sast_sink_object = Some(p.clone());
    }
    if let Some(score) = truthy(details.get("exploitability")) {
        let label = match score.as_i64() {
            Some(-2) => "Very Unlikely",
            Some(-1) => "Unlikely",
            Some(0) => "Neutral",
            Some(1) => "Likely",
            Some(2) => "Very Likely",
            _ => "None",
        };
        f.description
            .push_str(&format!("**Exploitability Predication**: {label}\n"));
    }
    meta_line(f, details, "attack_vector", "Attack Vector");
    meta_line(f, details, "module", "Module");
}

fn meta_line(f: &mut Finding, details: &Value, key: &str, label: &str) {
    if let Some(v) = truthy(details.get(key)) {
        f.description
            .push_str(&format!("**{label}**: {}\n", text(v)));
    }
}

fn dynamic_details(f: &mut Finding, details: &Value, cwe_title: Option<String>) {
    f.static_finding = false;
    f.dynamic_finding = true;
    if let Some(t) = category_title(details, cwe_title) {
        f.title = t;
    }
    match truthy(details.get("url")) {
        Some(url) => f.endpoints.push(Endpoint::from_uri(&text(url))),
        None => {
            let path = details.str_at("path");
            f.endpoints.push(Endpoint {
                port: details.i64_at("port").and_then(|p| u16::try_from(p).ok()),
                path: path.map(|p| p.trim_start_matches('/').to_string()),
                ..Endpoint::host(details.str_at("hostname").unwrap_or_default())
            });
        }
    }
    meta_line(f, details, "plugin", "Plugin");
    meta_line(f, details, "attack_vector", "Attack Vector");
    meta_line(f, details, "vulnerable_parameter", "Vulnerable Parameter");
    if truthy(details.get("discovered_by_vsa")).is_some() {
        f.description
            .push_str("**Note**: This finding was discovered by Virtual Scan Appliance\n");
    }
}

/// Veracode's license risk ratings, with the meaning its documentation
/// gives each.
fn license_risk(rating: i64) -> Option<(&'static str, &'static str)> {
    Some(match rating {
        0 => ("Non OSS", "Non-OSS indicates that this file could be subject to commercial license terms. If so, you should refer to your applicable license agreement with such vendor for additional information."),
        1 => ("Unrecognized", "Unrecognized indicates that no license was found for the component. However, this does not indicate that there is no risk associated with the license."),
        2 => ("Low", "Low-risk licenses are typically permissive licenses that require you to preserve the copyright and license notices, but allow distribution under different terms without disclosing source code."),
        3 => ("Medium", "Medium-risk licenses are typically weak copyleft licenses that require you to preserve the copyright and license notices, and require distributors to make the source code of the component and any modifications under the same terms."),
        4 => ("High", "High-risk licenses are typically strong copyleft licenses that require you to preserve the copyright and license notices, and require distributors to make the source code of the component and any modifications under the same terms."),
        _ => return None,
    })
}

fn sca_details(f: &mut Finding, details: &Value, cwe_title: Option<String>) {
    f.static_finding = false;
    f.dynamic_finding = false;
    let mut vuln_id = None;
    if let Some(cve) = truthy(details.get("cve")) {
        vuln_id = cve.get("name").map(text);
        if let Some(id) = &vuln_id {
            f.add_vulnerability_id(id.clone());
        }
        if f.cvssv3.is_none() {
            f.cvssv3 = cve.str_at("cvss3.vector").as_deref().and_then(v3_vector);
        }
    }
    meta_line(f, details, "product_id", "Product ID");
    meta_line(f, details, "component_id", "Component ID");
    meta_line(f, details, "language", "Language");
    let paths = details.arr_at("component_path");
    if !paths.is_empty() {
        f.description.push_str("#### Component Locations\n");
        for p in paths {
            f.description.push_str(&format!(
                "- {}\n",
                p.get("path").map_or_else(|| "None".into(), text)
            ));
        }
    }
    let licenses = details.arr_at("licenses");
    if !licenses.is_empty() {
        f.description.push_str("#### Licenses\n");
        for l in licenses {
            let Some((label, meaning)) = l.i64_at("risk_rating").and_then(license_risk) else {
                continue;
            };
            f.description.push_str(&format!(
                "- {}: {label}\n    - {meaning}\n",
                l.get("license_id").map_or_else(|| "None".into(), text)
            ));
        }
    }
    if let Some(file) = details.str_at("component_filename") {
        f.component_version = details.str_at("version");
        // "okio-2.8.0.jar" less its version is "okio.jar".
        let mut name = match &f.component_version {
            Some(v) => file.replace(v.as_str(), ""),
            None => file,
        };
        name = name.replace("-.", ".").replace("_.", ".");
        if name.ends_with('-') || name.ends_with('_') {
            name.pop();
        }
        f.component_name = Some(name);
    }
    f.title = match cwe_title {
        Some(t) => t,
        None => format!(
            "{} - {}",
            f.component_name.as_deref().unwrap_or("None"),
            vuln_id.as_deref().unwrap_or("None")
        ),
    };
}

/// The API's description is HTML: up to three `<span>` sections holding the
/// details, the remediation and the references.
fn describe(f: &mut Finding, body: Option<&Value>, scan_type: Option<&str>) {
    let body = body.map(text).unwrap_or_else(|| "None".into());
    if scan_type == Some("SCA") {
        f.description.push_str(&format!("### Details\n{body}"));
        return;
    }
    let sections: Vec<String> = body
        .split("<span>")
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("</span>", "").trim().to_string())
        .collect();
    if let Some(first) = sections.first() {
        f.description.push_str(&format!("### Details\n{first}"));
    }
    // Static findings label their references section; dynamic ones only
    // hold links there.
    let marker = if scan_type == Some("STATIC") {
        "References:"
    } else {
        "<a href"
    };
    if let Some(second) = sections.get(1) {
        if second.contains(marker) {
            f.references = Some(references(second));
        } else {
            f.mitigation = Some(second.clone());
        }
    }
    if let Some(third) = sections.get(2).filter(|s| s.contains(marker)) {
        f.references = Some(references(third));
    }
}

/// `<a href="link">label</a>` anchors as a markdown list.
fn references(section: &str) -> String {
    let section = section.replace("References: ", "");
    let mut out = String::new();
    for part in section.split("<a ").filter(|p| !p.is_empty()) {
        let Some((link, label)) = anchor(part.trim()) else {
            continue;
        };
        if link.is_empty() {
            continue;
        }
        if label.is_empty() {
            out.push_str(&format!("- {link}\n"));
        } else {
            out.push_str(&format!("- [{label}]({link})\n"));
        }
    }
    out
}

/// Link and label of the first `href="…">…</a>` on one line, the link
/// reaching to the last `">` and the label to the last `</a>` (a greedy
/// match, as DefectDojo's pattern is).
fn anchor(part: &str) -> Option<(String, String)> {
    for (start, _) in part.match_indices("href=\"") {
        let rest = part.get(start + 6..)?;
        let line = rest.split('\n').next().unwrap_or_default();
        let Some(close) = line.rfind("</a>") else {
            continue;
        };
        let head = line.get(..close)?;
        let Some(sep) = head.rfind("\">") else {
            continue;
        };
        let link = head.get(..sep)?.to_string();
        let label = head.get(sep + 2..)?.to_string();
        return Some((link, label));
    }
    None
}
