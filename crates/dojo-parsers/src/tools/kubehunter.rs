//! kube-hunter JSON report (`--report json`).

use std::collections::HashSet;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

const REQUIRED: [&str; 7] = [
    "hunter",
    "category",
    "location",
    "description",
    "evidence",
    "avd_reference",
    "severity",
];

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let Some(vulns) = data.get("vulnerabilities").and_then(|v| v.as_array()) else {
        return Err(ParseError::invalid(
            "kube-hunter report has no \"vulnerabilities\" list",
        ));
    };
    for (i, v) in vulns.iter().enumerate() {
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|k| v.get(*k).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(ParseError::invalid(format!(
                "vulnerability {} lacks {}",
                i + 1,
                missing.join(", ")
            )));
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for v in vulns {
        let s = |k: &str| v.str_at(k).unwrap_or_default();
        let vid = v.str_at("vid");
        let severity = match s("severity").to_lowercase().as_str() {
            "low" => "Low",
            "medium" => "Medium",
            "high" => "High",
            "critical" => "Critical",
            _ => "Info",
        };
        let mut f = Finding::new_dynamic(s("vulnerability"), severity);
        f.description = format!(
            "**Hunter**: {}\n\n**Category**: {}\n\n**Location**: {}\n\n**Description**:\n{}\n\n",
            s("hunter"),
            s("category"),
            s("location"),
            s("description")
        );
        let avd = s("avd_reference");
        if !avd.is_empty() && vid.as_deref() != Some("None") {
            f.mitigation = Some(format!(
                "Further details can be found in kube-hunter documentation available at : {avd}"
            ));
            f.references = Some(format!("**Kube-hunter AVD reference**: {avd}"));
        }
        let evidence = s("evidence");
        let steps = if evidence.is_empty() || evidence == "none" {
            String::new()
        } else {
            format!("**Evidence**: {evidence}")
        };
        f.steps_to_reproduce = Some(steps.clone()).filter(|s| !s.is_empty());
        f.vuln_id_from_tool = vid.clone();
        // Identical hunter output for the same check is reported once.
        if seen.insert((f.description.clone(), f.title.clone(), steps, vid)) {
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
