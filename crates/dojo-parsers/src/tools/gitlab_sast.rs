//! GitLab SAST report (`gl-sast-report.json`), schema 14 and 15.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput, ParsedTest};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let scanner = data.get_path("scan.scanner");
    let name = scanner.and_then(|s| s.str_at("name"));
    let mut items: Folded<String, Finding> = Folded::new();
    for vuln in data.arr_at("vulnerabilities") {
        let (id, f) = item(vuln, name.as_deref());
        items.insert(id, f);
    }
    Ok(ParseOutput {
        tests: vec![ParsedTest {
            name: name.clone(),
            test_type: name,
            version: scanner.and_then(|s| s.str_at("version")),
            description: None,
            findings: items.into_values(),
        }],
    })
}

fn confidence(c: Option<&str>) -> Option<i64> {
    match c? {
        "Confirmed" => Some(1),
        "High" => Some(3),
        "Medium" => Some(4),
        "Low" => Some(6),
        "Experimental" => Some(7),
        _ => None,
    }
}

fn item(vuln: &Value, scanner: Option<&str>) -> (String, Finding) {
    let id = vuln
        .str_at("id")
        .or_else(|| vuln.str_at("cve"))
        .unwrap_or_default();
    let mut title = vuln
        .str_at("name")
        .or_else(|| vuln.str_at("message"))
        .or_else(|| vuln.str_at("description"))
        .unwrap_or_else(|| id.clone());
    let mut description = format!(
        "Scanner: {}\n",
        scanner.unwrap_or("Could not be determined")
    );
    for k in ["message", "description"] {
        if let Some(v) = vuln.str_at(k) {
            description.push_str(&format!("{v}\n"));
        }
    }
    let loc = vuln.get("location").unwrap_or(&Value::Null);
    let file_path = loc.str_at("file");
    let start = loc.i64_at("start_line");
    let object = match (loc.str_at("class"), loc.str_at("method")) {
        (Some(c), Some(m)) => Some(format!("{c}#{m}")),
        (Some(c), None) => Some(c),
        (None, m) => m,
    };
    // Undefined severities become Info, keeping the original word visible.
    let severity = match vuln.str_at("severity") {
        Some(s) if s != "Undefined" && s != "Unknown" => s,
        other => {
            title = format!(
                "[{} severity] {title}",
                other.unwrap_or_else(|| "None".into())
            );
            "Info".into()
        }
    };
    let mut f = Finding::new_static(title, severity);
    f.description = description;
    f.scanner_confidence = confidence(vuln.str_at("confidence").as_deref());
    f.mitigation = Some(vuln.str_at("solution").unwrap_or_default());
    f.unique_id_from_tool = Some(id.clone());
    f.file_path = file_path.clone();
    f.line = loc.i64_at("end_line").or(start);
    if object.is_some() {
        f.sast_source_file_path = file_path;
        f.sast_source_line = start;
    }
    f.sast_source_object = object.clone();
    f.sast_sink_object = object;
    let mut references = String::new();
    for ident in vuln.arr_at("identifiers") {
        let ty = ident.str_at("type").unwrap_or_default().to_lowercase();
        let value = ident
            .get("value")
            .and_then(scalar_string)
            .unwrap_or_default();
        match ty.as_str() {
            // The first CWE is the primary one; later ones are extra.
            "cwe" => match value.parse() {
                Ok(c) if f.cwe.is_none() => f.cwe = Some(c),
                Ok(c) => f.cwes.push(c),
                Err(_) => {}
            },
            "cve" => f.vulnerability_ids = vec![value],
            _ => {
                references.push_str(&format!(
                    "Identifier type: {}\nName: {}\nValue: {value}\n",
                    ident.str_at("type").unwrap_or_default(),
                    ident.str_at("name").unwrap_or_default()
                ));
                if let Some(u) = ident.str_at("url") {
                    references.push_str(&format!("URL: {u}\n"));
                }
                references.push('\n');
            }
        }
    }
    f.references = Some(references);
    (id, f)
}
