//! JFrog Xray Unified (Xray 3+) vulnerability report JSON: `{"rows": [...]}`,
//! one row per issue and component.

use serde_json::Value;

use crate::cvss::base_score_v3;
use crate::error::ParseError;
use crate::finding::{normalize_severity, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, scalar_string, title_case, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    Ok(ParseOutput::single(
        data.arr_at("rows").iter().map(row_finding).collect(),
    ))
}

/// The CVE entry to report. Rows may list several; the one with the highest
/// CVSS v3 score wins, except that (as in DefectDojo) the last entry is
/// never considered, and the first is the fallback.
fn worst_cve(cves: &[Value]) -> Option<&Value> {
    let mut best = 0;
    let mut best_score = 0.0;
    for (i, c) in cves.iter().enumerate().take(cves.len().saturating_sub(1)) {
        if let Some(s) = c.f64_at("cvss_v3_score") {
            if s > best_score {
                best = i;
                best_score = s;
            }
        }
    }
    cves.get(best)
}

fn row_finding(row: &Value) -> Finding {
    let severity = match row.str_at("severity") {
        None => "Info".to_string(),
        Some(s) if s == "Unknown" => "Info".to_string(),
        Some(s) => normalize_severity(&title_case(&s)),
    };
    let cve = worst_cve(row.arr_at("cves"));
    let cvss_v3 = cve.and_then(|c| c.str_at("cvss_v3_vector"));
    let cvss_v2 = cve.and_then(|c| c.str_at("cvss_v2_vector"));

    let summary = row.str_at("summary").unwrap_or_default();
    let issue_id = row.str_at("issue_id");
    let title = match &issue_id {
        Some(id) => format!("{id} - {summary}"),
        None => summary.clone(),
    };
    let mut f = Finding::new_static(title, severity.clone());

    let advisory = match (
        row.str_at("external_advisory_source"),
        row.str_at("external_advisory_severity"),
    ) {
        (Some(src), Some(sev)) => format!("{src}: {sev}"),
        _ => String::new(),
    };
    let body = match row.get("description") {
        Some(Value::String(d)) => d.clone(),
        _ => summary,
    };
    f.description = format!("{body}\n\n{advisory}").trim().to_string();

    let fixed: Vec<String> = row
        .arr_at("fixed_versions")
        .iter()
        .filter_map(scalar_string)
        .collect();
    f.fix_available = Some(!fixed.is_empty());
    if !fixed.is_empty() {
        f.mitigation = Some(format!("Versions containing a fix:\n{}", fixed.join("\n")));
    }

    // "pypi://Jinja2:2.11.2": the part after the last colon is the version,
    // the rest (without the package-type scheme) the name.
    if let Some(component) = row.str_at("vulnerable_component") {
        let (name, version) = component.rsplit_once(':').unwrap_or(("", &component));
        let name = name.split_once("://").map_or(name, |(_, n)| n);
        f.component_name = Some(name.to_string());
        f.component_version = Some(version.to_string());
    }

    f.references = Some(match row.get("references") {
        Some(Value::Array(refs)) => refs
            .iter()
            .map(|r| scalar_string(r).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    });
    f.file_path = row.str_at("path");
    f.severity_justification = Some(format!(
        "CVSS v3 base score: {}\nCVSS v2 base score: {}",
        cvss_v3.as_deref().unwrap_or("No CVSS v3 score."),
        cvss_v2.as_deref().unwrap_or("No CVSS v2 score.")
    ));
    f.impact = Some(severity);
    f.date = row
        .str_at("artifact_scan_time")
        .as_deref()
        .and_then(parse_date);
    f.unique_id_from_tool = issue_id;
    if let Some(pt) = row.str_at("package_type") {
        f.tags.push(format!("packagetype_{pt}"));
    }
    if let Some(vector) = cvss_v3 {
        if let Some(score) = base_score_v3(&vector) {
            f.cvssv3 = Some(vector);
            f.cvssv3_score = Some(score);
        }
    }
    if let Some(id) = cve.and_then(|c| c.str_at("cve")) {
        f.add_vulnerability_id(id);
    }
    f
}
