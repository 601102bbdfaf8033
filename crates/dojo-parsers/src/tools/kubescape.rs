//! Kubescape JSON results: one finding per failed rule of a failed control
//! on a Kubernetes resource.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, shorten, JsonExt};

fn severity(score: f64) -> &'static str {
    if score <= 4.0 {
        "Low"
    } else if score <= 7.0 {
        "Medium"
    } else if score <= 9.0 {
        "High"
    } else {
        "Critical"
    }
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    for resource in data.arr_at("resources") {
        let id = resource.str_at("resourceID").unwrap_or_default();
        let parts: Vec<&str> = id.split('/').collect();
        let kind_name = match parts.as_slice() {
            [.., kind, name] if !kind.is_empty() && !name.is_empty() => Some((*kind, *name)),
            _ => None,
        };
        let Some(result) = data
            .arr_at("results")
            .iter()
            .find(|r| r.str_at("resourceID").as_deref() == Some(id.as_str()))
        else {
            continue;
        };
        for control in result.arr_at("controls") {
            // Old reports carry no per-control status; every listed rule failed.
            let failed = match control.get_path("status.status") {
                Some(s) => s.as_str() == Some("failed"),
                None => true,
            };
            for rule in control.arr_at("rules") {
                if rule.str_at("status").as_deref() == Some("passed") || !failed {
                    continue;
                }
                out.push(finding(&data, control, &id, kind_name));
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn finding(data: &Value, control: &Value, id: &str, kind_name: Option<(&str, &str)>) -> Finding {
    let name = control.str_at("name").unwrap_or_default();
    let control_id = control.str_at("controlID").unwrap_or_default();
    let title = match kind_name {
        Some((kind, res)) if !name.is_empty() => format!("{name} - {kind} {res}"),
        _ => format!("{name} - {id}"),
    };
    let summary = data
        .get_path("summaryDetails.controls")
        .and_then(|c| c.get(&control_id));
    let (sev, mitigation) = match summary {
        Some(s) => (
            severity(s.f64_at("scoreFactor").unwrap_or(0.0)),
            s.str_at("mitigation").unwrap_or_default(),
        ),
        None => ("Info", String::new()),
    };
    let mut description =
        format!("**Summary:** The ressource '{id}' has failed the control '{name}'.\n");
    if let Some(d) = summary.and_then(|s| s.str_at("description")) {
        description.push_str(&format!("**Description:** {d}\n"));
    }
    if let Some(cat) = summary.and_then(|s| s.get("category")) {
        match (cat.str_at("name"), cat.str_at("subCategory.name")) {
            (Some(n), Some(sub)) => description.push_str(&format!("**Category:** {n} > {sub}\n")),
            (Some(n), None) => description.push_str(&format!("**Category:** {n}\n")),
            _ => {}
        }
    }
    let mut f = Finding::new_static(shorten(&title, 150), sev);
    f.description = description;
    f.mitigation = Some(mitigation);
    f.references = Some(format!(
        "https://hub.armosec.io/docs/{}",
        control_id.to_lowercase()
    ));
    f.component_name = Some(id.to_string());
    if !control_id.is_empty() {
        f.vulnerability_ids = vec![control_id];
    }
    f
}
