//! `pnpm audit --json`: the npm-6 style `advisories` map, one finding per
//! advisory and installed version.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid(
            "pnpm audit report must be a JSON object with \"advisories\"",
        ));
    }
    let mut out: Folded<String, Finding> = Folded::new();
    if let Some(advisories) = data.get("advisories").and_then(Value::as_object) {
        for adv in advisories.values().filter(|a| a.is_object()) {
            let module = adv.str_at("module_name").unwrap_or_default();
            let id = adv
                .str_at("github_advisory_id")
                .or_else(|| adv.get("id").and_then(scalar_string))
                .unwrap_or_default();
            let mut versions: Vec<String> = Vec::new();
            for v in adv
                .arr_at("findings")
                .iter()
                .filter_map(|e| e.str_at("version"))
            {
                if !versions.contains(&v) {
                    versions.push(v);
                }
            }
            if versions.is_empty() {
                versions.push(String::new());
            }
            for version in versions {
                let key = format!("{module}\u{0}{version}\u{0}{id}");
                if !out.contains(&key) {
                    out.insert(key, finding(adv, &module, &version));
                }
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn finding(adv: &Value, module: &str, version: &str) -> Finding {
    let title = adv
        .str_at("title")
        .unwrap_or_else(|| "Unnamed advisory".into());
    let severity = match adv
        .str_at("severity")
        .unwrap_or_default()
        .to_lowercase()
        .as_str()
    {
        "critical" => "Critical",
        "high" => "High",
        "low" => "Low",
        "info" => "Info",
        _ => "Medium",
    };
    let patched = adv.str_at("patched_versions");
    let mut f = Finding::new_static(
        if module.is_empty() {
            title.clone()
        } else {
            format!("{module}: {title}")
        },
        severity,
    );
    let mut parts = vec![title];
    if !module.is_empty() {
        parts.push(format!("**Module:** {module}"));
    }
    if !version.is_empty() {
        parts.push(format!("**Installed version:** {version}"));
    }
    if let Some(v) = adv.str_at("vulnerable_versions") {
        parts.push(format!("**Vulnerable versions:** {v}"));
    }
    if let Some(p) = &patched {
        parts.push(format!("**Patched versions:** {p}"));
    }
    f.description = parts.join("\n");
    f.mitigation = Some(match &patched {
        Some(p) => format!("Upgrade {module} to {p}."),
        None => format!("Upgrade {module} to a version that is not affected."),
    });
    f.component_name = Some(module.to_string()).filter(|m| !m.is_empty());
    f.component_version = Some(version.to_string()).filter(|v| !v.is_empty());
    f.cwe = adv
        .str_at("cwe")
        .filter(|c| c.to_uppercase().starts_with("CWE-"))
        .and_then(|c| c.get(4..).and_then(|n| n.trim().parse().ok()));
    let ghsa = adv.str_at("github_advisory_id");
    f.vuln_id_from_tool = ghsa
        .clone()
        .or_else(|| adv.get("id").and_then(scalar_string));
    f.references = adv.str_at("url");
    f.vulnerability_ids = ghsa.into_iter().collect();
    f
}
