//! GitLab secret detection report (security-report-schemas, JSON).

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

const DETECTED: &str = "detected; please remove and revoke it if this is a leak.";

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let Some(vulns) = data.get("vulnerabilities").and_then(|v| v.as_array()) else {
        return Err(ParseError::invalid(
            "GitLab secret detection report has no \"vulnerabilities\" list",
        ));
    };
    let date = data.str_at("scan.end_time").and_then(|d| parse_date(&d));
    let mut out = Vec::new();
    for v in vulns {
        let mut title = v
            .str_at("message")
            .or_else(|| v.str_at("name"))
            .unwrap_or_default();
        if !title.contains(DETECTED) {
            title = format!("{title} {DETECTED}");
        }
        let severity = match v.str_at("severity") {
            Some(s) if s == "Unknown" => "Info".to_string(),
            Some(s) => s,
            None => "Info".to_string(),
        };
        let mut f = Finding::new_static(title, severity);
        f.description = v.str_at("description").unwrap_or_default();
        if let Some(extract) = v.str_at("raw_source_code_extract") {
            f.description.push('\n');
            f.description.push_str(&extract);
        }
        f.date = date;
        f.unique_id_from_tool = v.str_at("id");
        f.file_path = v.str_at("location.file");
        f.line = v.i64_at("location.start_line");
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
