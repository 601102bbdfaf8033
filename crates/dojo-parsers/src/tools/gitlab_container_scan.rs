//! GitLab container scanning report (`gl-container-scanning-report.json`).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_date, parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let date = data.str_at("scan.end_time").and_then(|d| parse_date(&d));
    let mut out = Vec::new();
    for v in data.arr_at("vulnerabilities") {
        let dep = v.get_path("location.dependency").unwrap_or(&Value::Null);
        let name = dep.str_at("package.name");
        let version = dep.str_at("version");
        let cves: Vec<String> = v
            .arr_at("identifiers")
            .iter()
            .filter(|i| i.str_at("type").as_deref() == Some("cve"))
            .filter_map(|i| i.get("value").and_then(scalar_string))
            .collect();
        // Schema 15 dropped "message"; the title is then built from the id.
        let title = v.str_at("message").unwrap_or_else(|| {
            format!(
                "{} in {}-{}",
                cves.first()
                    .cloned()
                    .or_else(|| v.str_at("id"))
                    .unwrap_or_default(),
                name.clone().unwrap_or_default(),
                version.clone().unwrap_or_default()
            )
        });
        let severity = match v.str_at("severity").as_deref() {
            Some("Unknown") | None => "Info".to_string(),
            Some(s) => s.to_string(),
        };
        let mut f = Finding::new_static(title, severity);
        f.description = v.str_at("description").unwrap_or_default();
        f.date = date;
        f.unique_id_from_tool = v.str_at("id");
        f.vulnerability_ids = cves;
        f.cwe = v
            .arr_at("identifiers")
            .iter()
            .filter(|i| i.str_at("type").as_deref() == Some("cwe"))
            .find_map(|i| i.get("value").and_then(scalar_string))
            .and_then(|c| parse_cwe(&c));
        f.component_name = name.map(|n| crate::util::truncate_chars(&n, 190));
        f.component_version = version.map(|n| crate::util::truncate_chars(&n, 90));
        f.mitigation = v.str_at("solution");
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
