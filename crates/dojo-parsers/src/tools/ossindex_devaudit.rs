//! Sonatype DevAudit (OSS Index) JSON output.

use std::collections::HashMap;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid("DevAudit report is not a JSON object"));
    }
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for package in data.arr_at("Packages") {
        let pkg = |k: &str| package.str_at(&format!("Package.{k}")).unwrap_or_default();
        for vuln in package.arr_at("Vulnerabilities") {
            // DevAudit leaves many advisories without a CWE; DefectDojo files
            // those under CWE-1035 (known-vulnerable components).
            let cwe_text = vuln
                .str_at("cwe")
                .filter(|c| c.starts_with("CWE"))
                .unwrap_or_else(|| "CWE-1035".into());
            let cwe = cwe_text
                .split('-')
                .nth(1)
                .and_then(|n| n.trim().parse().ok());
            let title = format!(
                "{}:{} - ({}, {})",
                pkg("pm"),
                pkg("name"),
                pkg("version"),
                cwe_text
            );
            let mut f = Finding::new_static(title, severity(vuln.str_at("cvssScore")));
            f.static_finding = false;
            f.dynamic_finding = false;
            f.description = vuln.str_at("title").unwrap_or_default();
            f.cwe = cwe;
            f.cvssv3 = vuln.str_at("cvssVector").map(|v| v.replace("CVSS:3.0", ""));
            f.mitigation = Some(
                "Upgrade the component to the latest non-vulnerable version, or remove the package if it is not in use."
                    .into(),
            );
            f.references = Some(vuln.str_at("reference").unwrap_or_default());
            f.impact = Some("No impact provided by scan".into());
            // A repeated advisory id replaces the earlier one in place.
            let key = vuln.str_at("id").unwrap_or_default();
            match seen.get(&key).and_then(|&i| out.get_mut(i)) {
                Some(prev) => *prev = f,
                None => {
                    seen.insert(key, out.len());
                    out.push(f);
                }
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn severity(score: Option<String>) -> &'static str {
    match score.and_then(|s| s.trim().parse::<f64>().ok()) {
        Some(s) if (9.0..=10.0).contains(&s) => "Critical",
        Some(s) if (7.0..=8.9).contains(&s) => "High",
        Some(s) if (4.0..=6.9).contains(&s) => "Medium",
        Some(s) if (0.1..=3.9).contains(&s) => "Low",
        _ => "Info",
    }
}
