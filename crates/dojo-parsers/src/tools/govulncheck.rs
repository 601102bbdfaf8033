//! govulncheck JSON: the old single-object format (`Vulns`) and the newer
//! stream of messages (`osv`, `finding`, ...) as a JSON list.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = match parse_json(input.bytes) {
        Ok(d) => d,
        // `govulncheck -json` writes a stream of concatenated objects.
        Err(e) => {
            let text = crate::xml::decode_text(input.bytes);
            let stream: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(&text)
                .into_iter::<Value>()
                .collect();
            match stream {
                Ok(values) if values.len() > 1 => Value::Array(values),
                _ => return Err(e),
            }
        }
    };
    if data.get("runs").is_some() {
        return Err(ParseError::invalid(
            "this is a SARIF report; import it with the SARIF scan type",
        ));
    }
    let findings = match &data {
        Value::Object(_) => old_format(&data),
        Value::Array(stream) => new_format(stream),
        _ => {
            return Err(ParseError::invalid(
                "govulncheck report must be a JSON object or list",
            ))
        }
    };
    Ok(ParseOutput::single(findings))
}

fn old_format(data: &Value) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut last_alias: Option<String> = None;
    for vuln in data.arr_at("Vulns") {
        let osv = vuln.get("OSV").unwrap_or(&Value::Null);
        let alias = osv.arr_at("aliases").first().and_then(scalar_string);
        let symbols: Vec<String> = osv
            .arr_at("affected")
            .first()
            .map(|a| a.arr_at("ecosystem_specific.imports"))
            .and_then(|i| i.first())
            .map(|i| {
                i.arr_at("symbols")
                    .iter()
                    .filter_map(scalar_string)
                    .collect()
            })
            .unwrap_or_default();
        // Consecutive entries for the same CVE are one finding.
        if alias.is_some() && alias == last_alias {
            if let Some(f) = out.last_mut() {
                f.description.push_str(&format!("; {}", symbols.join("; ")));
            }
            continue;
        }
        last_alias = alias.clone();
        let id = osv.str_at("id").unwrap_or_default();
        let mut f = Finding::new_dynamic(id.clone(), "Info");
        f.cve = alias;
        let affected = osv.arr_at("affected").first();
        f.component_name = affected.and_then(|a| a.str_at("package.name"));
        f.component_version = vuln
            .get("RequireSink")
            .and_then(scalar_string)
            .and_then(|node| {
                data.get_path("Requires.Modules")
                    .and_then(|m| m.get(&node))
                    .and_then(|m| m.str_at("Version"))
            });
        f.references = osv
            .arr_at("references")
            .first()
            .and_then(|r| r.str_at("url"));
        f.url = affected.and_then(|a| a.str_at("database_specific.url"));
        f.unique_id_from_tool = Some(id);
        f.description = format!("Vulnerable functions: {}", symbols.join("; "));
        out.push(f);
    }
    out
}

/// The first version seen in the traces of the findings for this OSV id.
fn affected_version(stream: &[Value], osv_id: &str) -> String {
    stream
        .iter()
        .filter_map(|e| e.get("finding"))
        .filter(|f| f.str_at("osv").as_deref() == Some(osv_id))
        .flat_map(|f| f.arr_at("trace").iter())
        .find_map(|t| t.str_at("version"))
        .unwrap_or_default()
}

fn new_format(stream: &[Value]) -> Vec<Finding> {
    let mut out = Vec::new();
    for elem in stream {
        let Some(osv) = elem.get("osv") else { continue };
        let id = osv.str_at("id").unwrap_or_default();
        let affected = osv.arr_at("affected").first().unwrap_or(&Value::Null);
        let name = affected.str_at("package.name").unwrap_or_default();
        let import = affected.arr_at("ecosystem_specific.imports").first();
        let path = import.and_then(|i| i.str_at("path")).unwrap_or_default();
        let title = if path.is_empty() {
            format!("{id} - {name}")
        } else {
            format!("{id} - {name} - {path}")
        };
        let mut f = Finding::new_dynamic(
            title,
            osv.str_at("severity").unwrap_or_else(|| "Info".into()),
        );
        f.cve = osv.arr_at("aliases").first().and_then(scalar_string);
        let symbols: Vec<String> = import
            .map(|i| {
                i.arr_at("symbols")
                    .iter()
                    .filter_map(scalar_string)
                    .collect()
            })
            .unwrap_or_default();
        f.description = format!(
            "**Summary:** {}\n**Vulnerable functions:** {}\n**Affected Ecosystem:** {}\n**Vulnerable Package:** {name}\n",
            osv.str_at("summary").unwrap_or_else(|| "Unknown".into()),
            symbols.join(", "),
            affected.str_at("package.ecosystem").unwrap_or_else(|| "Unknown".into())
        );
        f.impact = Some(osv.str_at("details").unwrap_or_else(|| "Unknown".into()));
        let mut refs: Vec<String> = osv
            .arr_at("references")
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    r.str_at("type").unwrap_or_default(),
                    r.str_at("url").unwrap_or_default()
                )
            })
            .collect();
        let db_url = osv.str_at("database_specific.url");
        if let Some(u) = &db_url {
            refs.push(format!("Database: {u}"));
        }
        f.references = Some(refs.join("\n"));
        f.url = db_url;
        // Without call traces, the first affected range's start stands in.
        let traced = affected_version(stream, &id);
        f.component_version = if traced.is_empty() {
            affected
                .arr_at("ranges")
                .first()
                .and_then(|r| r.arr_at("events").first())
                .and_then(|e| e.str_at("introduced"))
        } else {
            Some(traced)
        };
        f.component_name = Some(name);
        f.file_path = Some(path).filter(|p| !p.is_empty());
        f.unique_id_from_tool = Some(id);
        out.push(f);
    }
    out
}
