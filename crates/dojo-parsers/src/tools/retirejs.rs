//! Retire.js (`retire --js --outputformat json`) reports: one finding per
//! vulnerable library version found in a file.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{normalize_severity, severity_or, Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, title_case, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let nodes = match &data {
        Value::Object(o) if o.contains_key("data") => o.get("data").unwrap_or(&Value::Null),
        other => other,
    };
    let nodes = match nodes {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) if o.is_empty() => &[],
        _ => {
            return Err(ParseError::invalid(
                "Retire.js report: expected a list of scanned files",
            ))
        }
    };
    let mut out: Folded<(String, String, String), Finding> = Folded::new();
    for node in nodes {
        let file = node.str_at("file").unwrap_or_default();
        for result in node.arr_at("results") {
            let component = result.str_at("component").unwrap_or_default();
            let version = result.str_at("version").unwrap_or_default();
            for vuln in result.arr_at("vulnerabilities") {
                let f = finding(vuln, &file, &component, &version);
                let key = (
                    f.title.clone(),
                    f.references.clone().unwrap_or_default(),
                    file.clone(),
                );
                // A repeated advisory replaces the earlier one in place.
                out.insert(key, f);
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn finding(vuln: &Value, file: &str, component: &str, version: &str) -> Finding {
    let ids = vuln.get("identifiers");
    let joined = |key: &str| -> Option<String> {
        let v = ids?.get(key)?;
        Some(match v {
            Value::Array(a) => a.iter().filter_map(scalar_string).collect(),
            other => scalar_string(other).unwrap_or_default(),
        })
    };
    let summary = ids
        .and_then(|i| i.get("summary"))
        .map(|s| scalar_string(s).unwrap_or_default());
    let name = summary
        .or_else(|| joined("CVE"))
        .or_else(|| joined("osvdb"))
        .unwrap_or_default();
    let raw_severity = title_case(&vuln.str_at("severity").unwrap_or_default());
    let mut f = Finding::new_dynamic(
        format!("{name} ({component}, {version})"),
        severity_or(&normalize_severity(&raw_severity), "Info"),
    );
    f.cwe = Some(1035);
    f.description = format!(
        "{name}\n\n Affected File - {file}\n\n Raw Result: {}",
        python_json(vuln, 0)
    );
    f.references = Some(
        vuln.arr_at("info")
            .iter()
            .filter_map(scalar_string)
            .collect::<Vec<_>>()
            .join("\n"),
    );
    f.file_path = Some(file.to_string()).filter(|s| !s.is_empty());
    f.component_name = Some(component.to_string()).filter(|s| !s.is_empty());
    f.component_version = Some(version.to_string()).filter(|s| !s.is_empty());
    f
}

/// Python's `json.dumps(v, indent=4, sort_keys=True)`: ASCII-only output,
/// `": "` and `","` separators, keys sorted.
fn python_json(v: &Value, depth: usize) -> String {
    let pad = |d: usize| "    ".repeat(d);
    match v {
        Value::Object(o) if !o.is_empty() => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}{}: {}",
                        pad(depth + 1),
                        ascii_json_string(k),
                        o.get(k)
                            .map_or_else(String::new, |x| python_json(x, depth + 1))
                    )
                })
                .collect();
            format!("{{\n{}\n{}}}", items.join(",\n"), pad(depth))
        }
        Value::Array(a) if !a.is_empty() => {
            let items: Vec<String> = a
                .iter()
                .map(|x| format!("{}{}", pad(depth + 1), python_json(x, depth + 1)))
                .collect();
            format!("[\n{}\n{}]", items.join(",\n"), pad(depth))
        }
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::String(s) => ascii_json_string(s),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
    }
}

/// A JSON string literal with every non-ASCII character escaped.
fn ascii_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_like_python() {
        let v: Value = serde_json::json!({"b": [1, "é"], "a": {}, "c": []});
        assert_eq!(
            python_json(&v, 0),
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        \"\\u00e9\"\n    ],\n    \"c\": []\n}"
        );
    }
}
