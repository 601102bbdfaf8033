//! OWASP Dependency-Track Finding Packaging Format (FPF) exports.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    for item in data.arr_at("findings") {
        out.push(finding(item)?);
    }
    Ok(ParseOutput::single(out))
}

fn severity(raw: &str) -> &'static str {
    match raw.to_lowercase().as_str() {
        "critical" => "Critical",
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        s if s.starts_with("info") => "Info",
        // Unmapped severities are treated as the worst case.
        _ => "Critical",
    }
}

const ALIAS_KEYS: &[&str] = &[
    "cveId",
    "sonatypeId",
    "ghsaId",
    "osvId",
    "snykId",
    "gsdId",
    "vulnDbId",
];

fn finding(item: &Value) -> Result<Finding, ParseError> {
    let vuln = item
        .get("vulnerability")
        .ok_or_else(|| ParseError::MissingField("finding.vulnerability".into()))?;
    let vuln_id = vuln
        .str_at("vulnId")
        .ok_or_else(|| ParseError::MissingField("vulnerability.vulnId".into()))?;
    let source = vuln
        .str_at("source")
        .ok_or_else(|| ParseError::MissingField("vulnerability.source".into()))?;
    let component = item
        .get("component")
        .ok_or_else(|| ParseError::MissingField("finding.component".into()))?;
    let name = component
        .str_at("name")
        .ok_or_else(|| ParseError::MissingField("component.name".into()))?;
    let version = component.str_at("version");
    let mut f = Finding::new_static(
        format!(
            "{name}:{} affected by: {vuln_id} ({source})",
            version.clone().unwrap_or_default()
        ),
        severity(&vuln.str_at("severity").unwrap_or_default()),
    );
    let aliases = vuln.arr_at("aliases");
    if !aliases.is_empty() {
        let mut ids: Vec<String> = Vec::new();
        for alias in aliases {
            for k in ALIAS_KEYS {
                if let Some(id) = alias.get(*k).and_then(scalar_string) {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
        f.vulnerability_ids = ids;
    } else {
        f.vulnerability_ids = vec![vuln_id.clone()];
    }
    f.cwe = Some(
        vuln.i64_at("cweId")
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(1035),
    );
    let mut description = match &version {
        Some(v) => format!("You are using a component with a known vulnerability. Version {v} of the {name} component is affected by the vulnerability with an id of {vuln_id} as identified by {source}."),
        None => format!("You are using a component with a known vulnerability. The {name} component is affected by the vulnerability with an id of {vuln_id} as identified by {source}."),
    };
    let purl = component.str_at("purl");
    if let Some(p) = &purl {
        description.push_str(&format!("\nThe purl of the affected component is: {p}."));
    }
    for (label, key) in [
        ("Title", "title"),
        ("Subtitle", "subtitle"),
        ("Description", "description"),
    ] {
        if let Some(v) = vuln.str_at(key) {
            description.push_str(&format!("\nVulnerability {label}: {v}"));
        }
    }
    f.description = description;
    f.file_path = Some(purl.unwrap_or_else(|| "unknown".into()));
    f.component_name = Some(name);
    f.component_version = version;
    f.vuln_id_from_tool = vuln.str_at("uuid");
    f.unique_id_from_tool = item.str_at("matrix");
    f.mitigation = vuln.str_at("recommendation");
    f.cvssv3 = vuln
        .str_at("cvssV3Vector")
        .filter(|v| v.starts_with("CVSS:3"));
    f.cvssv4 = vuln
        .str_at("cvssV4Vector")
        .filter(|v| v.starts_with("CVSS:4"));
    // Without a reported base score, the vector's own score is used.
    f.cvssv3_score = vuln
        .f64_at("cvssV3BaseScore")
        .or_else(|| f.cvssv3.as_deref().and_then(crate::cvss::base_score_v3));
    f.cvssv4_score = vuln
        .f64_at("cvssV4Score")
        .or_else(|| f.cvssv4.as_deref().and_then(crate::cvss4::score_v4));
    if item.str_at("analysis.state").as_deref() == Some("FALSE_POSITIVE") {
        f.false_p = true;
        f.is_mitigated = true;
        f.active = false;
    }
    Ok(f)
}
