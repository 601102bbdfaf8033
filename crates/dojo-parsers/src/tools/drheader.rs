//! DrHeader JSON output: HTTP security-header rule violations, either a
//! flat list or, for several URLs, one report per URL.

use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{severity_or, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    // DrHeader writes an empty file when every header passes.
    if input.bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ParseOutput::single(Vec::new()));
    }
    let data = parse_json(input.bytes)?;
    let items = match &data {
        Value::Array(a) => a.as_slice(),
        Value::Null => &[],
        _ => return Err(ParseError::invalid("DrHeader report is not a JSON list")),
    };
    let mut out = Vec::new();
    let per_url = items.first().is_some_and(|i| i.str_at("url").is_some());
    if per_url {
        for item in items {
            let url = item.str_at("url").unwrap_or_default();
            for rule in item.arr_at("report") {
                let mut f = finding(rule);
                f.description = format!("{}\nURL : {url}", f.description);
                f.url = Some(url.clone());
                f.endpoints = vec![Endpoint::from_uri(&url)];
                out.push(f);
            }
        }
    } else {
        out.extend(items.iter().map(finding));
    }
    Ok(ParseOutput::single(out))
}

fn finding(rule: &Value) -> Finding {
    let mut f = Finding::new_dynamic(
        format!("Header : {}", rule.str_at("rule").unwrap_or_default()),
        severity_or(&rule.str_at("severity").unwrap_or_default(), "Info"),
    );
    f.description = rule.str_at("message").unwrap_or_default();
    f
}
