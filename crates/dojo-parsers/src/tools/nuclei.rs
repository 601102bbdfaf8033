//! Nuclei JSON (a list) or JSON-lines output: one finding per template,
//! match type and host, with an endpoint per matched location.

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{
    parse_cwe, parse_date, parse_json, parse_json_lines, scalar_string, Folded, JsonExt,
};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let text = crate::xml::decode_text(input.bytes);
    let trimmed = text.trim_start();
    let items: Vec<Value> = if trimmed.is_empty() {
        Vec::new()
    } else if trimmed.starts_with('[') {
        match parse_json(input.bytes)? {
            Value::Array(a) => a,
            _ => Vec::new(),
        }
    } else {
        parse_json_lines(input.bytes)?
    };
    let mut out: Folded<String, Finding> = Folded::new();
    for item in &items {
        let (key, f, endpoint) = finding(item);
        match out.get_mut(&key) {
            Some(o) => {
                if endpoint.is_valid() && !o.endpoints.contains(&endpoint) {
                    o.endpoints.push(endpoint);
                }
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
            }
            None => out.insert(key, f),
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn finding(item: &Value) -> (String, Finding, Endpoint) {
    let template = item
        .str_at("templateID")
        .or_else(|| item.str_at("template-id"))
        .unwrap_or_default();
    let info = item.get("info").unwrap_or(&Value::Null);
    let severity = {
        let t = crate::util::title_case(&info.str_at("severity").unwrap_or_default());
        if ["Critical", "High", "Medium", "Low", "Info"].contains(&t.as_str()) {
            t
        } else {
            "Low".into()
        }
    };
    let matched = item
        .str_at("matched")
        .or_else(|| item.str_at("matched-at"))
        .unwrap_or_default();
    let mut endpoint = if matched.contains("://") {
        Endpoint::from_uri(&matched)
    } else {
        Endpoint::from_uri(&format!("//{matched}"))
    };
    // A URL whose escapes do not decode to UTF-8 is rejected by DefectDojo's
    // URL parser; only the host is kept.
    if endpoint
        .path
        .as_deref()
        .is_some_and(|p| !percent_decodes_to_utf8(p))
    {
        endpoint = Endpoint::host(endpoint.host.clone().unwrap_or_default());
    }
    let mut f = Finding::new_dynamic(info.str_at("name").unwrap_or_default(), severity);
    f.nb_occurences = Some(1);
    f.vuln_id_from_tool = Some(template.clone());
    f.date = item.str_at("timestamp").and_then(|d| parse_date(&d));
    f.description = info.str_at("description").unwrap_or_default();
    let extracted: Vec<String> = item
        .arr_at("extracted-results")
        .iter()
        .filter_map(scalar_string)
        .collect();
    if !extracted.is_empty() {
        f.description
            .push_str(&format!("\n**Results:**\n{}", extracted.join("\n")));
    }
    f.tags = match info.get("tags") {
        Some(Value::Array(a)) => a.iter().filter_map(scalar_string).collect(),
        Some(Value::String(s)) => s.split(',').map(|t| t.trim().to_string()).collect(),
        _ => Vec::new(),
    };
    f.references = match info.get("reference") {
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(scalar_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Some(v) => scalar_string(v),
        None => None,
    };
    if let Some(c) = info.get("classification") {
        for id in c.arr_at("cve-id").iter().filter_map(scalar_string) {
            f.vulnerability_ids.push(id.to_uppercase());
        }
        f.cwe = c
            .arr_at("cwe-id")
            .first()
            .and_then(Value::as_str)
            .and_then(parse_cwe);
        f.cvssv3 = c.str_at("cvss-metrics").filter(|v| v.starts_with("CVSS:3"));
        f.cvssv3_score = c.f64_at("cvss-score");
    }
    let matcher = item
        .str_at("matcher-name")
        .or_else(|| item.str_at("matcher_name"));
    f.component_name = matcher.clone();
    f.mitigation = info.str_at("remediation");
    if let Some(curl) = item.str_at("curl-command") {
        f.steps_to_reproduce = Some(format!("curl command to reproduce the request:\n`{curl}`"));
    }
    let key = format!(
        "{template}{}{}{}",
        item.str_at("type").unwrap_or_default(),
        matcher.unwrap_or_default(),
        endpoint.host.clone().unwrap_or_default()
    );
    if endpoint.is_valid() {
        f.endpoints.push(endpoint.clone());
    }
    (key, f, endpoint)
}

fn percent_decodes_to_utf8(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).is_ok()
}
