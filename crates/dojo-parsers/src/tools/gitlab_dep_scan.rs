//! GitLab dependency scanning report (`gl-dependency-scanning-report.json`).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut items: Folded<String, Finding> = Folded::new();
    for vuln in data.arr_at("vulnerabilities") {
        // Other categories can share the file; only dependency findings count.
        if vuln
            .str_at("category")
            .as_deref()
            .is_some_and(|c| c != "dependency_scanning")
        {
            continue;
        }
        let (id, f) = item(vuln);
        items.insert(id, f);
    }
    Ok(ParseOutput::single(items.into_values()))
}

fn item(vuln: &Value) -> (String, Finding) {
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
        vuln.str_at("scanner.name").unwrap_or_default()
    );
    for k in ["message", "description"] {
        if let Some(v) = vuln.str_at(k) {
            description.push_str(&format!("{v}\n"));
        }
    }
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
    let mut cwe = None;
    let mut cve = None;
    let mut references = String::new();
    for ident in vuln.arr_at("identifiers") {
        let value = ident
            .get("value")
            .and_then(scalar_string)
            .unwrap_or_default();
        match ident
            .str_at("type")
            .unwrap_or_default()
            .to_lowercase()
            .as_str()
        {
            // The first CWE listed is the primary one.
            "cwe" => cwe = cwe.or(parse_cwe(&value)),
            "cve" => cve = Some(value),
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
    let title = match &cve {
        Some(c) => format!("{c}: {title}"),
        None => title,
    };
    let mut f = Finding::new_static(title, severity);
    f.description = description;
    f.mitigation = Some(vuln.str_at("solution").unwrap_or_default());
    f.unique_id_from_tool = Some(id.clone());
    f.references = Some(references);
    f.file_path = vuln.str_at("location.file");
    f.component_version = vuln.str_at("location.dependency.version");
    f.component_name = vuln.str_at("location.dependency.package.name");
    f.cwe = cwe;
    f.vulnerability_ids = cve.into_iter().collect();
    (id, f)
}
