//! Checkov JSON reports: one check type per object, or a list of them when
//! several frameworks were scanned.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let reports: Vec<&Value> = match &data {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![&data],
        _ => {
            return Err(ParseError::invalid(
                "Checkov report must be a JSON object or list",
            ))
        }
    };
    let mut out = Vec::new();
    for report in reports {
        let check_type = report.str_at("check_type").unwrap_or_default();
        for check in report.arr_at("results.failed_checks") {
            out.push(finding(check, &check_type));
        }
    }
    Ok(ParseOutput::single(out))
}

fn finding(check: &Value, check_type: &str) -> Finding {
    let severity = match check
        .str_at("severity")
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "CRITICAL" => "Critical",
        "HIGH" => "High",
        "LOW" => "Low",
        "INFO" => "Info",
        _ => "Medium",
    };
    let mut f = Finding::new_static(check.str_at("check_name").unwrap_or_default(), severity);
    f.description = format!(
        "Check Type: {check_type}\nCheck Id: {}\n{}\n",
        check.str_at("check_id").unwrap_or_default(),
        check.str_at("check_name").unwrap_or_default()
    );
    f.file_path = check.str_at("file_path");
    f.line = check
        .arr_at("file_line_range")
        .first()
        .and_then(Value::as_i64);
    f.component_name = check.str_at("resource");
    f.references = check.str_at("guideline");
    let mut mitigation = String::new();
    if let Some(Value::Object(benchmarks)) = check.get("benchmarks") {
        mitigation.push_str("\nBenchmarks:\n");
        for (name, entries) in benchmarks {
            for e in entries.as_array().map(Vec::as_slice).unwrap_or_default() {
                mitigation.push_str(&format!(
                    "- {name} # {} : {}\n",
                    e.str_at("name").unwrap_or_default(),
                    e.str_at("description").unwrap_or_default()
                ));
            }
        }
    }
    f.mitigation = Some(mitigation);
    f
}
