//! `yarn audit --json` (JSON lines of typed events) and audit-ci's JSON
//! summary of yarn advisories.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, parse_json_lines, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let text = crate::xml::decode_text(input.bytes);
    // Yarn 2+ (`yarn npm audit --json`): one {"value", "children"} per line.
    if text.trim_start().starts_with("{\"value\"") {
        let mut out = Vec::new();
        for e in parse_json_lines(input.bytes)? {
            let c = e.get("children").unwrap_or(&Value::Null);
            let severity = match c.str_at("Severity").as_deref() {
                Some("low") => "Low",
                Some("moderate") => "Medium",
                Some("high") => "High",
                Some("critical") => "Critical",
                _ => "Info",
            };
            let mut f = Finding::new_static(
                c.get("ID").and_then(scalar_string).unwrap_or_default(),
                severity,
            );
            f.description = format!(
                "**Issue:** {}\n**Vulnerable Versions:** {}",
                c.str_at("Issue").unwrap_or_default(),
                c.str_at("Vulnerable Versions").unwrap_or_default()
            );
            f.references = c.str_at("URL");
            f.component_name = e.str_at("value");
            f.component_version = c.arr_at("Tree Versions").first().and_then(scalar_string);
            out.push(f);
        }
        return Ok(ParseOutput::single(out));
    }
    if text.contains("\"type\"") {
        let events = parse_json_lines(input.bytes)?;
        let mut out: Folded<String, Finding> = Folded::new();
        for e in &events {
            match e.str_at("type").as_deref() {
                Some("auditAdvisory") => {
                    let Some(node) = e.get_path("data.advisory") else {
                        continue;
                    };
                    let key = format!(
                        "{}{}",
                        node.get("id").and_then(scalar_string).unwrap_or_default(),
                        node.str_at("module_name").unwrap_or_default()
                    );
                    let f = super::npm_audit::advisory(node);
                    out.insert(key, f);
                }
                Some("error") => {
                    return Err(ParseError::invalid(format!(
                        "yarn audit report contains errors: {}",
                        e.get("data").map(|d| d.to_string()).unwrap_or_default()
                    )))
                }
                _ => {}
            }
        }
        return Ok(ParseOutput::single(out.into_values()));
    }
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    if let Some(advisories) = data.get("advisories").and_then(Value::as_object) {
        for adv in advisories.values() {
            out.push(audit_ci(adv));
        }
    }
    Ok(ParseOutput::single(out))
}

fn audit_ci(adv: &Value) -> Finding {
    let cve = adv
        .arr_at("cves")
        .first()
        .and_then(scalar_string)
        .unwrap_or_default();
    let module = adv.str_at("module_name").unwrap_or_default();
    let severity = match adv.str_at("severity").as_deref() {
        Some("low") => "Low",
        Some("moderate") => "Medium",
        Some("high") => "High",
        Some("critical") => "Critical",
        _ => "Info",
    };
    let mut f = Finding::new_static(format!("{cve}_{module}"), severity);
    f.description = [
        "vulnerable_versions",
        "github_advisory_id",
        "patched_versions",
        "id",
        "title",
        "overview",
    ]
    .iter()
    .map(|k| {
        format!(
            "**{k}:** {}\n",
            adv.get(*k)
                .and_then(scalar_string)
                .unwrap_or_else(|| "None".into())
        )
    })
    .collect();
    f.vulnerability_ids = vec![cve.clone()];
    f.cve = Some(cve);
    f.mitigation = adv.str_at("recommendation");
    f.references = Some(format!(
        "**url:** {}\n**references:** {}",
        adv.str_at("url").unwrap_or_default(),
        adv.str_at("references").unwrap_or_default()
    ));
    f.component_name = Some(module);
    f.component_version = adv
        .arr_at("findings")
        .first()
        .and_then(|x| x.str_at("version"));
    f.impact = Some("No impact provided".into());
    f.cwe = adv
        .arr_at("cwe")
        .first()
        .and_then(Value::as_str)
        .and_then(parse_cwe);
    f
}
