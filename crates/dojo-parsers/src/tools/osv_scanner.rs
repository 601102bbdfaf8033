//! OSV-Scanner JSON (`--format json`): one finding per vulnerability of each
//! package in each scanned source.

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, scalar_string, JsonExt};

fn severity(raw: Option<String>) -> &'static str {
    match raw.unwrap_or_default().to_ascii_uppercase().as_str() {
        "CRITICAL" => "Critical",
        "HIGH" => "High",
        "MODERATE" | "MEDIUM" => "Medium",
        // Advisories without a rating (e.g. malicious-package reports).
        _ => "Low",
    }
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    // osv-scanner writes nothing at all when it finds nothing.
    if input.bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(ParseOutput::single(Vec::new()));
    }
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    for result in data.arr_at("results") {
        let source_path = result.str_at("source.path");
        let source_type = result.str_at("source.type");
        for pkg in result.arr_at("packages") {
            let name = pkg.str_at("package.name").unwrap_or_default();
            let version = pkg.str_at("package.version");
            let ecosystem = pkg.str_at("package.ecosystem").unwrap_or_default();
            for v in pkg.arr_at("vulnerabilities") {
                let id = v.str_at("id").unwrap_or_default();
                let mut f = Finding::new_static(
                    format!("{id}_{name}"),
                    severity(v.str_at("database_specific.severity")),
                );
                f.description = format!(
                    "**Source type**: {}\n**Package ecosystem**: {ecosystem}\n**Vulnerability details**: {}\n**Vulnerability summary**: {}\n",
                    source_type.clone().unwrap_or_default(),
                    v.str_at("details").unwrap_or_default(),
                    v.str_at("summary").unwrap_or_default()
                );
                f.file_path = source_path.clone();
                f.component_name = Some(name.clone());
                f.component_version = version.clone();
                f.add_vulnerability_id(id);
                let affected = v.arr_at("affected").first();
                f.cwe = affected
                    .map(|a| a.arr_at("database_specific.cwes"))
                    .and_then(|c| c.first())
                    .and_then(|c| c.str_at("cweId"))
                    .and_then(|c| parse_cwe(&c));
                let fixes: Vec<String> = affected
                    .map(|a| a.arr_at("ranges"))
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|r| {
                        let ty = r.str_at("type").unwrap_or_default();
                        r.arr_at("events")
                            .iter()
                            .filter_map(|e| e.get("fixed").and_then(scalar_string))
                            .map(move |fx| format!("\t{ty} :\n\t\t- {fx}\n"))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                if !fixes.is_empty() {
                    f.mitigation = Some(format!("**Upgrade to versions**:\n{}", fixes.concat()));
                }
                let refs: Vec<String> = v
                    .arr_at("references")
                    .iter()
                    .filter_map(|r| r.str_at("url"))
                    .collect();
                if !refs.is_empty() {
                    f.references = Some(refs.join("\n"));
                }
                if let Some(vector) = v
                    .arr_at("severity")
                    .iter()
                    .find(|s| s.str_at("type").as_deref() == Some("CVSS_V3"))
                    .and_then(|s| s.str_at("score"))
                {
                    f.cvssv3 = Some(vector);
                }
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}
