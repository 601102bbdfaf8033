//! ESLint `--format json` output (typically with eslint-plugin-security).

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    for file in data.as_array().map(Vec::as_slice).unwrap_or_default() {
        let path = file.str_at("filePath");
        for msg in file.arr_at("messages") {
            // ESLint's numeric levels: 2 is an error, 1 a warning.
            let severity = match msg.i64_at("severity") {
                Some(2) => "High",
                Some(1) => "Medium",
                _ => "Info",
            };
            let rule = msg.str_at("ruleId").unwrap_or_else(|| "None".into());
            let message = msg.str_at("message").unwrap_or_default();
            let mut f = Finding::new_dynamic(format!("{message} Test ID: {rule}"), severity);
            // DefectDojo marks ESLint findings both static and dynamic.
            f.static_finding = true;
            f.description = format!(
                "{message}\n**Rule:** {rule}\n**Line:** {}\n**Column:** {}",
                msg.i64_at("line")
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                msg.i64_at("column")
                    .map(|l| l.to_string())
                    .unwrap_or_default()
            );
            f.file_path = path.clone();
            f.line = msg.i64_at("line");
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}
