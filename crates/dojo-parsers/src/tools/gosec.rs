//! Gosec (Go SAST) JSON reports.

use crate::error::ParseError;
use crate::finding::{severity_or, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Vec<Finding> = Vec::new();
    for item in data.arr_at("Issues") {
        let details = item.str_at("details").unwrap_or_default();
        let rule = item.str_at("rule_id").unwrap_or_default();
        let severity = severity_or(&item.str_at("severity").unwrap_or_default(), "Info");
        let mut f = Finding::new_static(format!("{details} - rule {rule}"), severity);
        // DefectDojo leaves the model's dynamic default on for gosec too.
        f.dynamic_finding = true;
        let file = item.str_at("file").unwrap_or_default();
        // Gosec gives "12" or a range "12-14"; the finding starts at the first.
        let line_text = item.str_at("line").unwrap_or_default();
        let line = line_text
            .split('-')
            .next()
            .and_then(|l| l.trim().parse().ok());
        let confidence = item.str_at("confidence").unwrap_or_default();
        f.description = format!(
            "Filename: {file}\n\nLine number: {line_text}\n\nIssue Confidence: {confidence}\n\nCode:\n\n```{}```",
            item.str_at("code").unwrap_or_default()
        );
        f.cwe = item.str_at("cwe.id").and_then(|c| c.parse().ok());
        f.references = item.str_at("cwe.url");
        f.file_path = Some(file);
        f.line = line;
        f.scanner_confidence = match confidence.to_ascii_uppercase().as_str() {
            "HIGH" => Some(1),
            "MEDIUM" => Some(4),
            "LOW" => Some(7),
            _ => None,
        };
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
