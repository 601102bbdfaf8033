//! WFuzz JSON output (`-f file,json`): each hit is an exposed URL.

use std::collections::HashMap;

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let items = match &data {
        Value::Array(a) => a.as_slice(),
        Value::Null => &[],
        _ => return Err(ParseError::invalid("WFuzz report is not a JSON list")),
    };
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<(String, Option<i64>), usize> = HashMap::new();
    for item in items {
        let url = item.str_at("url").unwrap_or_default();
        let code = item.i64_at("code");
        // The response code says how exposed the resource is.
        let severity = match code {
            None => "Low",
            Some(200) => "High",
            Some(500) => "Low",
            Some(_) => "Medium",
        };
        let key = (url.clone(), code);
        if let Some(prev) = seen.get(&key).and_then(|&i| out.get_mut(i)) {
            prev.nb_occurences = Some(prev.nb_occurences.unwrap_or(1) + 1);
            continue;
        }
        let mut f = Finding::new_dynamic(format!("Found {url}"), severity);
        f.description =
            format!("The URL {url} must not be exposed\n Please review your configuration\n");
        f.payload = item.str_at("payload");
        f.mitigation = Some("N/A".into());
        f.cwe = Some(200);
        f.nb_occurences = Some(1);
        f.endpoints = vec![Endpoint::from_uri(&url)];
        seen.insert(key, out.len());
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}
