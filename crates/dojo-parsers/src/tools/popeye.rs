//! Popeye (Kubernetes cluster sanitizer) JSON reports.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Folded<String, Finding> = Folded::new();
    // Newer Popeye names the list "sections" (entries keyed "linter"),
    // older versions "sanitizers".
    let sections = if data.get_path("popeye.sanitizers").is_some() {
        data.arr_at("popeye.sanitizers")
    } else {
        data.arr_at("popeye.sections")
    };
    for section in sections {
        let name = section
            .str_at("sanitizer")
            .or_else(|| section.str_at("linter"))
            .unwrap_or_default();
        let Some(issues) = section.get("issues").and_then(Value::as_object) else {
            continue;
        };
        for (group_name, list) in issues {
            for issue in list.as_array().map(Vec::as_slice).unwrap_or_default() {
                let level = issue.i64_at("level").unwrap_or(0);
                if level == 0 {
                    continue;
                }
                let message = issue.str_at("message").unwrap_or_default();
                let title = format!("{name} {group_name} {message}");
                let (severity, level_word) = match level {
                    1 => ("Info", "Info"),
                    2 => ("Low", "Warning"),
                    _ => ("High", "Error"),
                };
                let description = format!(
                    "**Sanitizer** : {name}\n\n**Resource** : {group_name}\n\n**Group** : {}\n\n**Severity** : {level_word}\n\n**Message** : {message}",
                    issue.str_at("group").unwrap_or_default()
                );
                let key = format!("{description}{title}");
                if out.contains(&key) {
                    continue;
                }
                let mut f = Finding::new_dynamic(title, severity);
                f.description = description;
                f.vuln_id_from_tool = message
                    .find("[POP-")
                    .and_then(|i| message.get(i + 1..))
                    .and_then(|rest| rest.split(']').next())
                    .map(str::to_string);
                out.insert(key, f);
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}
