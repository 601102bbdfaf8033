//! GitLab DAST report (security-report-schemas, JSON).

use std::collections::HashMap;

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let Some(vulns) = data.get("vulnerabilities").and_then(Value::as_array) else {
        return Err(ParseError::invalid(
            "GitLab DAST report has no \"vulnerabilities\" list",
        ));
    };
    let scanner = data
        .str_at("scan.scanner.name")
        .unwrap_or_else(|| "Could not be determined".into());
    let mut out: Vec<Finding> = Vec::new();
    // The same alert on several URLs is one finding with several endpoints.
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for v in vulns {
        let f = item(v, &scanner);
        let key = (f.severity.clone(), f.title.clone(), f.description.clone());
        if let Some(prev) = seen.get(&key).and_then(|&i| out.get_mut(i)) {
            prev.endpoints.extend(f.endpoints);
            prev.nb_occurences = Some(prev.nb_occurences.unwrap_or(1) + 1);
        } else {
            seen.insert(key, out.len());
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}

fn item(v: &Value, scanner: &str) -> Finding {
    let id = v.str_at("id");
    let title = v.str_at("name").or_else(|| id.clone()).unwrap_or_default();
    let mut f = Finding::new_dynamic(title, v.str_at("severity").unwrap_or_else(|| "Info".into()));
    f.nb_occurences = Some(1);
    f.scanner_confidence = match v.str_at("confidence").as_deref() {
        Some("Confirmed") => Some(1),
        Some("High") => Some(3),
        Some("Medium") => Some(4),
        Some("Low") => Some(6),
        Some("Experimental") => Some(7),
        Some("Unknown") => Some(8),
        Some("Ignore") => Some(10),
        _ => None,
    };
    let mut description = format!("Scanner: {scanner}\n");
    if let Some(m) = v.str_at("message").or_else(|| v.str_at("description")) {
        description.push_str(&m);
        description.push('\n');
    }
    f.description = description;
    f.date = v.str_at("discovered_at").and_then(|d| parse_date(&d));
    f.unique_id_from_tool = id;
    f.cwe = v
        .arr_at("identifiers")
        .iter()
        .find(|i| {
            i.str_at("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("cwe"))
        })
        .and_then(|i| i.i64_at("value"))
        .and_then(|c| u32::try_from(c).ok());
    let links: Vec<String> = v
        .arr_at("links")
        .iter()
        .filter_map(|l| l.str_at("url"))
        .collect();
    if !links.is_empty() {
        f.references = Some(links.join("\n"));
    }
    if let (Some(host), Some(path)) = (v.str_at("location.hostname"), v.str_at("location.path")) {
        f.endpoints = vec![Endpoint::from_uri(&format!("{host}{path}"))];
    }
    f.mitigation = v.str_at("solution");
    f
}
