//! Bandit (Python SAST) JSON reports.

use crate::error::ParseError;
use crate::finding::{severity_or, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let date = data.str_at("generated_at").and_then(|d| parse_date(&d));
    let mut out = Vec::new();
    for item in data.arr_at("results") {
        let title = item.str_at("issue_text").unwrap_or_default();
        let severity = severity_or(&item.str_at("issue_severity").unwrap_or_default(), "Info");
        let mut f = Finding::new_static(title, severity);
        let test_name = item.str_at("test_name").unwrap_or_default();
        let test_id = item.str_at("test_id").unwrap_or_default();
        let file = item.str_at("filename").unwrap_or_default();
        let line = item.i64_at("line_number");
        let confidence = item.str_at("issue_confidence").unwrap_or_default();
        f.description = format!(
            "**Test Name:** `{test_name}`\n**Test ID:** `{test_id}`\n**Filename:** `{file}`\n**Line number:** `{}`\n**Issue Confidence:** `{confidence}`\n**Code:**\n```\n{}\n```",
            line.map(|l| l.to_string()).unwrap_or_default(),
            item.str_at("code").unwrap_or_default()
        );
        f.file_path = Some(file);
        f.line = line;
        f.date = date;
        f.references = item.str_at("more_info");
        f.vuln_id_from_tool = Some(format!("{test_name}:{test_id}"));
        f.scanner_confidence = match confidence.to_ascii_uppercase().as_str() {
            "HIGH" => Some(2),
            "MEDIUM" => Some(5),
            "LOW" => Some(8),
            _ => None,
        };
        f.nb_occurences = Some(1);
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
