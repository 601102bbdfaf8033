//! Clair image scans: clair-scanner output (`vulnerabilities` list) and
//! klar output (`Vulnerabilities` grouped by severity).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, Folded, JsonExt};

const KLAR_SEVERITIES: &[&str] = &[
    "Unknown",
    "Negligible",
    "Low",
    "Medium",
    "High",
    "Critical",
    "Defcon1",
];

fn upsert(out: &mut Folded<String, Finding>, key: String, f: Finding) {
    out.insert(key, f);
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut findings = Vec::new();
    if let Some(groups) = data.get("Vulnerabilities") {
        for sev in KLAR_SEVERITIES {
            let mut out = Folded::new();
            for node in groups.arr_at(sev) {
                let key = format!(
                    "{}{}",
                    node.str_at("Name").unwrap_or_default(),
                    node.str_at("FeatureName").unwrap_or_default()
                );
                upsert(&mut out, key, klar(node));
            }
            findings.extend(out.into_values());
        }
    } else {
        let mut out = Folded::new();
        for node in data.arr_at("vulnerabilities") {
            let key = format!(
                "{}{}",
                node.str_at("vulnerability").unwrap_or_default(),
                node.str_at("featurename").unwrap_or_default()
            );
            upsert(&mut out, key, clair(node));
        }
        findings.extend(out.into_values());
    }
    Ok(ParseOutput::single(findings))
}

fn clair(n: &Value) -> Finding {
    let severity = match n.str_at("severity").unwrap_or_default().as_str() {
        "Negligible" | "Unknown" | "" => "Info".to_string(),
        s => s.to_string(),
    };
    let vuln = n.str_at("vulnerability").unwrap_or_default();
    let name = n.str_at("featurename").unwrap_or_default();
    let version = n.str_at("featureversion").unwrap_or_default();
    let mut f = Finding::new_static(format!("{vuln} - ({name}, {version})"), severity);
    f.description = format!(
        "{}\n Vulnerable feature: {name}\n Vulnerable Versions: {version}\n Fixed by: {}\n Namespace: {}\n CVE: {vuln}",
        n.str_at("description").unwrap_or_default(),
        n.str_at("fixedby").unwrap_or_default(),
        n.str_at("namespace").unwrap_or_default()
    );
    f.mitigation = n.str_at("fixedby");
    f.references = n.str_at("link");
    f.component_name = Some(name);
    f.component_version = Some(version);
    f.impact = Some("No impact provided".into());
    if !vuln.is_empty() {
        f.vulnerability_ids = vec![vuln];
    }
    f
}

fn klar(n: &Value) -> Finding {
    let severity = match n.str_at("Severity").unwrap_or_default().as_str() {
        "Negligible" => "Info".to_string(),
        "Unknown" | "Defcon1" => "Critical".to_string(),
        s => s.to_string(),
    };
    let name = n.str_at("FeatureName").unwrap_or_default();
    let version = n.str_at("FeatureVersion").unwrap_or_default();
    let mut f = Finding::new_static(
        format!(
            "{} - ({name}, {version})",
            n.str_at("Name").unwrap_or_default()
        ),
        severity,
    );
    f.description = format!(
        "{}\nVulnerable feature: {name}\n Vulnerable Versions: {version}",
        n.str_at("Description").unwrap_or_default()
    );
    f.mitigation = Some(match n.str_at("FixedBy") {
        Some(fx) => format!("Please use version {fx} of library {name}"),
        None => "A patch could not been found".into(),
    });
    f.references = Some(n.str_at("Link").unwrap_or_default());
    f.cwe = Some(1035);
    f.impact = Some("No impact provided".into());
    f
}
