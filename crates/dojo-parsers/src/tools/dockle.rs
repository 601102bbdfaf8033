//! Dockle (container image linter) JSON output.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out: Folded<String, Finding> = Folded::new();
    for item in data.arr_at("details") {
        let code = item.str_at("code").unwrap_or_default();
        let title = item.str_at("title").unwrap_or_default();
        let level = item.str_at("level").unwrap_or_default();
        if level == "IGNORE" {
            continue;
        }
        let key = format!("{code}{title}");
        if let Some(f) = out.get_mut(&key) {
            f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
            continue;
        }
        let severity = match level.as_str() {
            "INFO" => "Low",
            "FATAL" => "High",
            _ => "Medium",
        };
        let mut alerts: Vec<String> = item
            .arr_at("alerts")
            .iter()
            .filter_map(scalar_string)
            .collect();
        alerts.sort();
        let mut f = Finding::new_static(format!("{code}: {title}"), severity);
        f.description = alerts.join("\n");
        f.vuln_id_from_tool = Some(code);
        f.nb_occurences = Some(1);
        out.insert(key, f);
    }
    Ok(ParseOutput::single(out.into_values()))
}
