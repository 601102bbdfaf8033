//! Checkmarx Open Source Analysis: `jq -s . CxOSAVulnerabilities.json
//! CxOSALibraries.json`, i.e. a two-element list (vulnerabilities, libraries).

use std::collections::HashMap;

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let (vulns, libs) = match data.as_array().map(Vec::as_slice) {
        Some([v, l]) => (v, l),
        _ => {
            return Err(ParseError::invalid(
                "Checkmarx OSA report must be a list of two lists (vulnerabilities, libraries)",
            ))
        }
    };
    let libraries: HashMap<String, &Value> = libs
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|l| l.str_at("id").map(|id| (id, l)))
        .collect();
    let mut out = Vec::new();
    for item in vulns.as_array().map(Vec::as_slice).unwrap_or_default() {
        let lib_id = item
            .str_at("libraryId")
            .ok_or_else(|| ParseError::MissingField("libraryId".into()))?;
        let lib = libraries
            .get(&lib_id)
            .ok_or_else(|| ParseError::invalid(format!("unknown libraryId {lib_id}")))?;
        let name = lib.str_at("name").unwrap_or_default();
        let version = lib.str_at("version").unwrap_or_default();
        let cve = item.str_at("cveName").unwrap_or_default();
        let mut f = Finding::new_static(
            format!("{name} {version} | {cve}"),
            item.str_at("severity.name")
                .unwrap_or_else(|| "Info".into()),
        );
        f.description = item.str_at("description").unwrap_or_default();
        f.unique_id_from_tool = item.str_at("id");
        f.references = Some(item.str_at("url").unwrap_or_default());
        f.mitigation = Some(item.str_at("recommendations").unwrap_or_default());
        f.impact = Some("NC".into());
        f.component_name = Some(name);
        f.component_version = Some(version);
        // CWE-1035: using components with known vulnerabilities.
        f.cwe = Some(1035);
        f.cvssv3_score = item.f64_at("score");
        f.publish_date = item.str_at("publishDate").and_then(|d| parse_date(&d));
        // Checkmarx rates match confidence 0-100 (100 = exact); DefectDojo
        // uses 1 (certain) upwards; Python rounds ties to even.
        f.scanner_confidence = lib
            .f64_at("confidenceLevel")
            .map(|c| ((100.0 - c) / 10.0).round_ties_even() as i64 + 1);
        let status = item.str_at("state.name").unwrap_or_default();
        f.active = status != "NOT_EXPLOITABLE";
        f.false_p = status == "NOT_EXPLOITABLE";
        f.verified = !matches!(
            status.as_str(),
            "TO_VERIFY" | "NOT_EXPLOITABLE" | "PROPOSED_NOT_EXPLOITABLE"
        );
        if !cve.is_empty() {
            f.vulnerability_ids = vec![cve];
        }
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
