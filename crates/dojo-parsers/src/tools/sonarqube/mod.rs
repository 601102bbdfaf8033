//! SonarQube: soprasteria `sonar-report` JSON, and JSON from SonarQube's
//! REST API (issues and hotspots). "SonarQube Scan" aggregates per CWE,
//! rule and file; the detailed variant keeps each issue.
//!
//! A zip of REST API JSON files is read member by member.

mod restapi_json;
mod soprasteria_html;
mod soprasteria_json;

use crate::error::ParseError;
use crate::finding::ParseOutput;
use crate::registry::Input;
use crate::util::parse_json;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    match input.extension().as_str() {
        "json" => {}
        "html" | "htm" => {
            let text = crate::xml::decode_text(input.bytes);
            return Ok(ParseOutput::single(soprasteria_html::findings(
                &text,
                input.detailed(),
            )));
        }
        "zip" => {
            let mut findings = Vec::new();
            for (name, bytes) in crate::archive::read_members(input.bytes)? {
                if name.to_ascii_lowercase().ends_with(".json") {
                    findings.extend(restapi_json::findings(&parse_json(&bytes)?));
                }
            }
            return Ok(ParseOutput::single(findings));
        }
        other => {
            return Err(ParseError::invalid(format!(
                "unsupported SonarQube file type .{other}"
            )))
        }
    }
    let data = parse_json(input.bytes)?;
    let findings = if data.get("rules").is_some() && data.get("issues").is_some() {
        soprasteria_json::findings(&data, input.detailed())
    } else {
        restapi_json::findings(&data)
    };
    Ok(ParseOutput::single(findings))
}

/// Sonar's five-level severities (and the newer three-level impact words).
fn convert_severity(raw: &str) -> &'static str {
    match raw.to_ascii_lowercase().as_str() {
        "blocker" => "Critical",
        "critical" | "high" => "High",
        "major" | "medium" => "Medium",
        "minor" | "low" => "Low",
        _ => "Info",
    }
}
