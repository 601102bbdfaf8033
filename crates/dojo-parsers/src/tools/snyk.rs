//! Snyk `snyk test --json` reports (one project or a list of projects), and
//! Snyk Code SARIF output, which the same scan type accepts.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let mut out = Vec::new();
    match &data {
        Value::Array(projects) => {
            for p in projects {
                project(p, &mut out);
            }
        }
        Value::Object(_) => project(&data, &mut out),
        _ => {
            return Err(ParseError::invalid(
                "Snyk report must be a JSON object or list",
            ))
        }
    }
    Ok(ParseOutput::single(out))
}

fn project(tree: &Value, out: &mut Vec<Finding>) {
    if tree.get("vulnerabilities").is_some() {
        let target = tree.str_at("displayTargetFile");
        let upgrades = tree
            .get_path("remediation.upgrade")
            .and_then(Value::as_object);
        for v in tree.arr_at("vulnerabilities") {
            out.push(vulnerability(v, target.as_deref(), upgrades));
        }
    } else if let Some(run) = tree.arr_at("runs").first() {
        let rules = run.arr_at("tool.driver.rules");
        for r in run.arr_at("results") {
            out.push(code_item(r, rules));
        }
    }
}

fn severity_for(v: &Value) -> String {
    match v.get("cvssScore") {
        Some(Value::Number(n)) => {
            let s = n.as_f64().unwrap_or(0.0);
            if s <= 3.9 {
                "Low"
            } else if s <= 6.9 {
                "Medium"
            } else if s <= 8.9 {
                "High"
            } else {
                "Critical"
            }
            .into()
        }
        _ => title_case(&v.str_at("severity").unwrap_or_default()),
    }
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// "a@1 > b@2" → "a > b": the dependency path without versions.
fn path_without_versions(from: &[Value]) -> String {
    from.iter()
        .filter_map(Value::as_str)
        .map(|item| match item.rsplit_once('@') {
            Some((name, _)) => name,
            None => "",
        })
        .collect::<Vec<_>>()
        .join(" > ")
}

fn vulnerability(
    v: &Value,
    target: Option<&str>,
    upgrades: Option<&serde_json::Map<String, Value>>,
) -> Finding {
    let from = v.arr_at("from");
    let root = from.first().and_then(Value::as_str).unwrap_or_default();
    let severity = severity_for(v);
    let mut f = Finding::new_static(
        format!("{root}: {}", v.str_at("title").unwrap_or_default()),
        severity.clone(),
    );
    let vulnerable = match v.get_path("semver.vulnerable") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(scalar_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => scalar_string(other).unwrap_or_default(),
        None => String::new(),
    };
    let full_path: Vec<String> = from.iter().filter_map(scalar_string).collect();
    f.description = format!(
        "## Component Details\n - **Vulnerable Package**: {}\n- **Current Version**: {}\n- **Vulnerable Version(s)**: {vulnerable}\n- **Vulnerable Path**: {}\n{}",
        v.str_at("packageName").unwrap_or_default(),
        v.str_at("version").unwrap_or_default(),
        full_path.join(" > "),
        v.str_at("description").unwrap_or_default()
    )
    .trim()
    .to_string();
    f.severity_justification = Some(format!(
        "Issue severity of: **{severity}** from a base CVSS score of: **{}**",
        v.get("cvssScore")
            .and_then(scalar_string)
            .unwrap_or_else(|| "None".into())
    ));
    f.impact = Some(severity);
    f.component_name = v.str_at("packageName");
    f.component_version = v.str_at("version");
    f.file_path = Some(path_without_versions(from));
    f.vuln_id_from_tool = v.str_at("id");
    f.cvssv3 = v.str_at("CVSSv3");
    f.epss_score = v.f64_at("epssDetails.probability");
    f.epss_percentile = v.f64_at("epssDetails.percentile");
    for id in v.arr_at("identifiers.CVE").iter().filter_map(scalar_string) {
        f.add_vulnerability_id(id);
    }
    if v.get_path("identifiers.CWE").is_some() {
        let cwes: Vec<u32> = v
            .arr_at("identifiers.CWE")
            .iter()
            .filter_map(Value::as_str)
            .filter_map(parse_cwe)
            .collect();
        // An empty CWE list means a vulnerable third-party component.
        f.cwe = Some(cwes.first().copied().unwrap_or(1035));
    }
    let mut refs = String::new();
    if let Some(id) = &f.vuln_id_from_tool {
        refs.push_str(&format!("**SNYK ID**: https://app.snyk.io/vuln/{id}\n\n"));
    }
    for r in v.arr_at("references") {
        refs.push_str(&format!(
            "**{}**: {}\n",
            r.str_at("title").unwrap_or_default(),
            r.str_at("url").unwrap_or_default()
        ));
    }
    f.references = Some(refs);
    let mut mitigation = match (
        f.description.find("## Remediation"),
        f.description.find("## References"),
    ) {
        (Some(a), Some(b)) if a < b => f.description.get(a..b).unwrap_or_default().to_string(),
        _ => "A fix (if available) will be provided in the description.".into(),
    };
    if let Some(t) = target {
        f.tags.push(format!("target_file:{t}"));
        mitigation.push_str(&format!("\nUpgrade Location: {t}"));
    }
    if let Some(ups) = upgrades {
        for (current, meta) in ups {
            let to = meta.str_at("upgradeTo").unwrap_or_default();
            let libs: Vec<String> = meta
                .arr_at("upgrades")
                .iter()
                .filter_map(scalar_string)
                .collect();
            let touches = libs
                .iter()
                .any(|lib| mitigation.contains(lib.split('@').next().unwrap_or(lib)));
            if touches {
                f.tags.push(format!("upgrade_to:{to}"));
                mitigation.push_str(&format!(
                    "\nUpgrade from {current} to {to} to fix this issue, as well as updating the following:\n - {}",
                    libs.join("\n - ")
                ));
            }
        }
    }
    f.mitigation = Some(mitigation);
    f
}

fn code_item(r: &Value, rules: &[Value]) -> Finding {
    let rule_id = r.str_at("ruleId").unwrap_or_default();
    let score = r.f64_at("properties.priorityScore").unwrap_or(0.0);
    let severity = if score <= 399.0 {
        "Low"
    } else if score <= 699.0 {
        "Medium"
    } else if score <= 899.0 {
        "High"
    } else {
        "Critical"
    };
    let loc = r
        .arr_at("locations")
        .first()
        .and_then(|l| l.get("physicalLocation"));
    let uri = loc
        .and_then(|l| l.str_at("artifactLocation.uri"))
        .unwrap_or_default();
    let mut f = Finding::new_static(format!("{rule_id}_{uri}"), severity);
    f.description = format!(
        "**ruleId**: {rule_id}\n**message**: {}\n**score**: {score}\n**uri**: {uri}\n",
        r.str_at("message.text").unwrap_or_default()
    );
    f.line = loc.and_then(|l| l.i64_at("region.startLine"));
    f.file_path = Some(uri);
    f.unique_id_from_tool = r
        .get("fingerprints")
        .and_then(Value::as_object)
        .and_then(|m| m.get("0").or_else(|| m.values().next()))
        .and_then(scalar_string);
    let rule = rules
        .iter()
        .find(|x| x.str_at("id").as_deref() == Some(rule_id.as_str()));
    if let Some(rule) = rule {
        // With several CWEs DefectDojo keeps the last one listed.
        f.cwe = rule
            .arr_at("properties.cwe")
            .last()
            .and_then(Value::as_str)
            .and_then(parse_cwe);
        f.tags = rule
            .arr_at("properties.tags")
            .iter()
            .filter_map(scalar_string)
            .collect();
    }
    f.vuln_id_from_tool = Some(rule_id);
    f
}
