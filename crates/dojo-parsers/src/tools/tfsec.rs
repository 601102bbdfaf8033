//! tfsec (Terraform static analysis) JSON output.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if data.get("results").is_none() {
        return Err(ParseError::MissingField(
            "tfsec report has no \"results\"".into(),
        ));
    }
    let mut out: Folded<String, Finding> = Folded::new();
    for item in data.arr_at("results") {
        if item.bool_at("passed") == Some(true) {
            continue;
        }
        let rule_id = item.str_at("rule_id").unwrap_or_default();
        let file = item.str_at("location.filename").unwrap_or_default();
        let start = item.i64_at("location.start_line");
        let end = item.i64_at("location.end_line");
        let key = format!(
            "{}{rule_id}{file}{start:?}{end:?}",
            item.str_at("rule_provider").unwrap_or_default()
        );
        if let Some(f) = out.get_mut(&key) {
            f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
            continue;
        }
        let severity = match item
            .str_at("severity")
            .unwrap_or_default()
            .to_uppercase()
            .as_str()
        {
            "CRITICAL" => "Critical",
            "HIGH" | "ERROR" => "High",
            "MEDIUM" | "WARNING" => "Medium",
            "INFO" => "Info",
            _ => "Low",
        };
        let mut f = Finding::new_dynamic(
            item.str_at("rule_description").unwrap_or_default(),
            severity,
        );
        f.description = format!(
            "Rule ID: {rule_id}\n{}",
            item.str_at("description").unwrap_or_default()
        );
        f.mitigation = item.str_at("resolution");
        f.impact = item.str_at("impact");
        let links: Vec<String> = item
            .arr_at("links")
            .iter()
            .filter_map(scalar_string)
            .collect();
        f.references = if links.is_empty() {
            item.str_at("link")
        } else {
            Some(links.join("\n"))
        };
        f.file_path = Some(file);
        f.line = start;
        f.vuln_id_from_tool = Some(rule_id);
        f.nb_occurences = Some(1);
        out.insert(key, f);
    }
    Ok(ParseOutput::single(out.into_values()))
}
