//! Terrascan JSON output (`-o json`).

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Folded<String, Finding> = Folded::new();
    for item in data.arr_at("results.violations") {
        let s = |k: &str| item.str_at(k).unwrap_or_default();
        let line = item.i64_at("line");
        let key = format!(
            "{}{}{}{}{}{line:?}",
            s("rule_id"),
            s("rule_name"),
            s("resource_name"),
            s("resource_type"),
            s("file")
        );
        if let Some(f) = out.get_mut(&key) {
            f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
            continue;
        }
        let severity = match s("severity").as_str() {
            "HIGH" => "High",
            "MEDIUM" => "Medium",
            "LOW" => "Low",
            _ => "Info",
        };
        let mut f =
            Finding::new_dynamic(format!("{}: {}", s("category"), s("rule_name")), severity);
        f.description = s("description");
        f.file_path = item.str_at("file");
        f.line = line;
        f.component_name = Some(format!("{}/{}", s("resource_type"), s("resource_name")));
        f.vuln_id_from_tool = item.str_at("rule_id");
        f.nb_occurences = Some(1);
        out.insert(key, f);
    }
    Ok(ParseOutput::single(out.into_values()))
}
