//! PHP_CodeSniffer with the phpcs-security-audit v2 ruleset, JSON report.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, Folded, JsonExt};

/// phpcs severities run 1–10; halved and rounded up they map onto five levels.
fn severity(n: i64) -> &'static str {
    match (n + 1) / 2 {
        5.. => "Critical",
        4 => "High",
        3 => "Medium",
        _ => "Low",
    }
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Folded<String, Finding> = Folded::new();
    let Some(files) = data.get("files").and_then(Value::as_object) else {
        return Ok(ParseOutput::single(Vec::new()));
    };
    for (path, report) in files {
        for issue in report.arr_at("messages") {
            let source = issue.str_at("source").unwrap_or_default();
            let line = issue.i64_at("line");
            let column = issue.i64_at("column");
            let key = format!("{source}{path}{line:?}{column:?}");
            if out.contains(&key) {
                continue;
            }
            let mut f = Finding::new_static(
                source.clone(),
                severity(issue.i64_at("severity").unwrap_or(0)),
            );
            f.description = format!(
                "Filename: {path}\nLine: {}\nColumn: {}\nRule Source: {source}\nDetails: {}\n",
                line.map(|l| l.to_string()).unwrap_or_default(),
                column.map(|c| c.to_string()).unwrap_or_default(),
                issue.str_at("message").unwrap_or_default()
            );
            f.file_path = Some(path.clone());
            f.line = line;
            out.insert(key, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}
