//! `composer audit --format=json` (PHP / Packagist advisories).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid(
            "composer audit report must be a JSON object with \"advisories\"",
        ));
    }
    let mut out: Folded<String, Finding> = Folded::new();
    if let Some(map) = data.get("advisories").and_then(Value::as_object) {
        for (package, advisories) in map {
            for adv in advisories.as_array().map(Vec::as_slice).unwrap_or_default() {
                let id = adv.str_at("advisoryId").unwrap_or_default();
                let key = format!("{package}\u{0}{id}");
                if !out.contains(&key) {
                    out.insert(key, finding(adv, package));
                }
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

fn finding(adv: &Value, package: &str) -> Finding {
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
        _ => "Medium",
    };
    let mut f = Finding::new_static(
        if package.is_empty() {
            title.clone()
        } else {
            format!("{package}: {title}")
        },
        severity,
    );
    let affected = adv.str_at("affectedVersions");
    let mut parts = vec![title, format!("**Package:** {package}")];
    if let Some(a) = &affected {
        parts.push(format!("**Affected versions:** {a}"));
    }
    if let Some(r) = adv.str_at("reportedAt") {
        parts.push(format!("**Reported:** {r}"));
    }
    f.description = parts.join("\n");
    f.mitigation = Some(match &affected {
        Some(a) => format!("Upgrade {package} to a version outside the affected range {a}."),
        None => format!("Upgrade {package} to a version that is not affected by this advisory."),
    });
    f.component_name = Some(package.to_string()).filter(|p| !p.is_empty());
    f.vuln_id_from_tool = adv.str_at("advisoryId");
    f.references = adv.str_at("link");
    if let Some(cve) = adv.str_at("cve") {
        f.vulnerability_ids.push(cve);
    }
    for src in adv.arr_at("sources") {
        if let Some(id) = src.str_at("remoteId").filter(|r| r.starts_with("GHSA-")) {
            if !f.vulnerability_ids.contains(&id) {
                f.vulnerability_ids.push(id);
            }
        }
    }
    f
}
