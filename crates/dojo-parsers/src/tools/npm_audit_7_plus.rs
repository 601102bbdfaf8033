//! `npm audit --json` from npm 7 and later (auditReportVersion 2): one
//! finding per vulnerable package.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, scalar_string, JsonExt};

fn severity(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "critical" => "Critical",
        "high" => "High",
        "moderate" | "medium" => "Medium",
        "low" => "Low",
        _ => "Info",
    }
    .into()
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let Some(vulns) = data.get("vulnerabilities").and_then(Value::as_object) else {
        return Ok(ParseOutput::single(Vec::new()));
    };
    let mut out = Vec::new();
    for (name, v) in vulns {
        // The first advisory object describes the package's own problem;
        // string entries only name the dependency that brings it in.
        let advisory = v.arr_at("via").iter().find(|x| x.is_object());
        let mut f = match advisory {
            Some(a) => {
                let mut f = Finding::new_static(
                    a.str_at("title").unwrap_or_else(|| name.clone()),
                    severity(&v.str_at("severity").unwrap_or_default()),
                );
                f.component_name = v
                    .arr_at("nodes")
                    .first()
                    .and_then(scalar_string)
                    .or_else(|| Some(name.clone()));
                f.vuln_id_from_tool = a.get("source").and_then(scalar_string);
                f.cwe = a
                    .arr_at("cwe")
                    .first()
                    .and_then(Value::as_str)
                    .and_then(parse_cwe);
                f.cvssv3_score = a.f64_at("cvss.score").filter(|s| *s > 0.0);
                f.cvssv3 = a
                    .str_at("cvss.vectorString")
                    .filter(|s| s.starts_with("CVSS:3"));
                f.references = a.str_at("url");
                f
            }
            None => {
                let mut f = Finding::new_static(
                    name.clone(),
                    severity(&v.str_at("severity").unwrap_or_default()),
                );
                f.component_name = Some(name.clone());
                f.cwe = Some(1035);
                f
            }
        };
        f.description = description(name, v);
        if let Some(fix) = v.get("fixAvailable").filter(|x| x.is_object()) {
            f.mitigation = Some(format!(
                "Update {} to version {}",
                fix.str_at("name").unwrap_or_default(),
                fix.str_at("version").unwrap_or_default()
            ));
        }
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}

fn description(name: &str, v: &Value) -> String {
    let list = |k: &str| -> String {
        v.arr_at(k)
            .iter()
            .map(|x| match x {
                Value::Object(_) => x.str_at("title").unwrap_or_default(),
                other => scalar_string(other).unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "**Name:** {name}\n**Severity:** {}\n**Range:** {}\n**Via:** {}\n**Effects:** {}\n**Nodes:** {}",
        v.str_at("severity").unwrap_or_default(),
        v.str_at("range").unwrap_or_default(),
        list("via"),
        list("effects"),
        list("nodes")
    )
}
