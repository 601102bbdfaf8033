//! kube-bench (CIS Kubernetes benchmark) JSON output.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let chapters: Vec<&Value> = match data.get("Controls") {
        Some(Value::Array(c)) => c.iter().collect(),
        _ => match &data {
            Value::Array(c) => c.iter().collect(),
            other => vec![other],
        },
    };
    let mut out = Vec::new();
    for chapter in chapters {
        let head = format!(
            "{}{}\n",
            chapter
                .str_at("id")
                .map(|i| format!("{i} "))
                .unwrap_or_default(),
            chapter.str_at("text").unwrap_or_default()
        );
        for test in chapter.arr_at("tests") {
            let section = format!(
                "{head}{}{}\n",
                test.str_at("section")
                    .map(|s| format!("{s} "))
                    .unwrap_or_default(),
                test.str_at("desc").unwrap_or_default()
            );
            for result in test.arr_at("results") {
                out.extend(item(result, &section));
            }
        }
    }
    Ok(ParseOutput::single(out))
}

/// kube-bench has no severities: failures are Medium, non-manual warnings Info.
fn item(v: &Value, section: &str) -> Option<Finding> {
    let status = v.str_at("status")?.to_uppercase();
    let reason = v.str_at("reason");
    let severity = if status == "FAIL" {
        "Medium"
    } else if status == "WARN" && reason.as_deref() != Some("Test marked as a manual test") {
        "Info"
    } else {
        return None;
    };
    let number = v
        .str_at("test_number")
        .unwrap_or_else(|| "Test number not found".into());
    let desc = v
        .str_at("test_desc")
        .unwrap_or_else(|| "Description not found".into());
    let mut description = format!("{section}{number} {desc}");
    for (label, key) in [
        ("Audit", "audit"),
        ("Reason", "reason"),
        ("Expected result", "expected_result"),
        ("Actual value", "actual_value"),
    ] {
        if let Some(x) = v.str_at(key) {
            description.push_str(&format!("\n{label}: {x}\n"));
        }
    }
    let mut f = Finding::new_static(format!("{number} - {desc}"), severity);
    f.description = description;
    f.mitigation = v.str_at("remediation");
    f.vuln_id_from_tool = Some(number);
    Some(f)
}
