//! Hadolint (Dockerfile linter) `--format json` output.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let items = data
        .as_array()
        .ok_or_else(|| ParseError::invalid("Hadolint report must be a JSON list"))?;
    let mut out = Vec::new();
    for item in items {
        let code = item.str_at("code").unwrap_or_default();
        let message = item.str_at("message").unwrap_or_default();
        let severity = match item.str_at("level").unwrap_or_default().as_str() {
            "error" => "Critical",
            "warning" => "High",
            "style" => "Low",
            _ => "Info",
        };
        let mut f = Finding::new_static(format!("{code}: {message}"), severity);
        f.description = format!("Vulnerability ID: {code}\nDetails: {message}");
        f.file_path = item.str_at("file");
        f.line = item.i64_at("line");
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
