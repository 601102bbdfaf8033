//! Brakeman (Ruby on Rails SAST) JSON reports.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let date = data
        .str_at("scan_info.end_time")
        .and_then(|d| parse_date(&d));
    let mut out = Vec::new();
    for w in data.arr_at("warnings") {
        let title = format!(
            "{}. {}",
            w.str_at("warning_type").unwrap_or_default(),
            w.str_at("message").unwrap_or_default()
        );
        // Brakeman's confidence is not a severity, so everything is Medium.
        let mut f = Finding::new_dynamic(title, "Medium");
        f.static_finding = true;
        let line = w.i64_at("line");
        f.description = format!(
            "Filename: {}\nLine number: {}\nIssue Confidence: {}\n\n{}",
            w.str_at("file").unwrap_or_default(),
            line.map(|l| l.to_string()).unwrap_or_default(),
            w.str_at("confidence").unwrap_or_default(),
            w.str_at("code").unwrap_or_default()
        );
        f.file_path = w.str_at("file");
        f.line = line;
        f.references = w.str_at("link");
        f.date = date;
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
