//! Horusec (multi-language SAST) JSON output; one test named after the tool
//! and its version.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput, ParsedTest};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let date = data.str_at("createdAt").and_then(|d| parse_date(&d));
    let findings = data
        .arr_at("analysisVulnerabilities")
        .iter()
        .map(|node| finding(node, date))
        .collect();
    Ok(ParseOutput {
        tests: vec![ParsedTest {
            name: Some("Horusec".into()),
            test_type: Some("Horusec".into()),
            version: data
                .str_at("version")
                .map(|v| v.trim_start_matches('v').to_string()),
            description: Some(format!(
                "**Status:** {}\n**Errors:**\n```\n{}\n```",
                data.str_at("status").unwrap_or_default(),
                data.str_at("errors")
                    .unwrap_or_default()
                    .replace("```", "``````")
            )),
            findings,
        }],
    })
}

fn finding(node: &Value, date: Option<chrono::NaiveDate>) -> Finding {
    let v = node.get("vulnerabilities").unwrap_or(&Value::Null);
    let details = v.str_at("details").unwrap_or_default();
    let title = details.split('\n').next().unwrap_or_default().to_string();
    let severity = crate::util::title_case(&v.str_at("severity").unwrap_or_default());
    let mut f = Finding::new_dynamic(title, severity);
    f.description = format!(
        "{}\n**Code:**\n```{}\n{}\n```",
        details.split('\n').next_back().unwrap_or_default(),
        v.str_at("language").unwrap_or_default(),
        v.str_at("code")
            .unwrap_or_default()
            .replace("```", "``````")
    );
    f.date = date;
    f.file_path = v.str_at("file");
    f.scanner_confidence = match v.str_at("confidence").as_deref() {
        Some("LOW") => Some(7),
        Some("MEDIUM") => Some(4),
        Some("HIGH") => Some(1),
        _ => None,
    };
    f.line = v
        .str_at("line")
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()))
        .and_then(|l| l.parse().ok());
    f
}
