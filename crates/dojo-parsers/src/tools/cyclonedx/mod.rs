//! CycloneDX BOMs with vulnerabilities, JSON or XML: one finding per
//! vulnerability and affected component.

mod json;
mod xml;

use crate::error::ParseError;
use crate::finding::{severity_from_cvss, Finding, ParseOutput};
use crate::registry::Input;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let first = input
        .bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    let findings = if input.extension() == "xml" || first == Some(&b'<') {
        xml::findings(input.bytes)?
    } else {
        json::findings(input.bytes)?
    };
    Ok(ParseOutput::single(findings))
}

/// CycloneDX severities are lower-case words; "unknown"/"none" mean Info.
fn fix_severity(raw: Option<&str>) -> String {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => "Medium".into(),
        Some(s) => {
            let mut c = s.chars();
            let cap: String = match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            };
            match cap.as_str() {
                "Unknown" | "None" => "Info".into(),
                _ => cap,
            }
        }
    }
}

/// Applies a CVSS v3 rating: the vector, and the severity the rating states
/// or else the one its base score implies.
fn apply_cvss3(f: &mut Finding, vector: Option<&str>, severity: Option<&str>) {
    let Some(raw) = vector.map(str::trim).filter(|v| !v.is_empty()) else {
        return;
    };
    let vector = if raw.starts_with("CVSS:3") {
        raw.to_string()
    } else {
        format!("CVSS:3.1/{raw}")
    };
    let Some(score) = crate::cvss::base_score_v3(&vector) else {
        return;
    };
    f.cvssv3 = Some(vector);
    f.severity = match severity.filter(|s| !s.trim().is_empty()) {
        Some(s) => fix_severity(Some(s)),
        None => severity_from_cvss(score).into(),
    };
}

/// VEX analysis: resolved or not-affected is mitigated, false positives are
/// flagged; both stop being active.
fn apply_analysis(f: &mut Finding, state: Option<&str>, detail: Option<&str>) {
    match state {
        Some("resolved") | Some("resolved_with_pedigree") | Some("not_affected") => {
            f.is_mitigated = true;
            f.active = false;
        }
        Some("false_positive") => {
            f.false_p = true;
            f.active = false;
        }
        _ => {}
    }
    if !f.active {
        if let Some(d) = detail.filter(|d| !d.is_empty()) {
            let m = f.mitigation.take().unwrap_or_default();
            f.mitigation = Some(format!(
                "{m}\n**This vulnerability is mitigated and/or suppressed:** {d}\n"
            ));
        }
    }
}
