//! Anchore Grype `-o json` reports. The plain scan type folds matches of
//! one vulnerability in one package together; "detailed" keeps one finding
//! per file path with a stable unique id.

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

fn severity(raw: &str) -> String {
    match raw.to_ascii_lowercase().as_str() {
        "negligible" | "unknown" | "" => "Info".into(),
        "critical" => "Critical".into(),
        "high" => "High".into(),
        "medium" => "Medium".into(),
        "low" => "Low".into(),
        other => crate::finding::severity_or(other, "Info"),
    }
}

fn cvss3_vector(entries: &[Value]) -> Option<String> {
    entries
        .iter()
        .filter_map(|c| c.str_at("vector"))
        .find(|v| v.starts_with("CVSS:3"))
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    let detailed = input.detailed();
    let mut out: Vec<Finding> = Vec::new();
    for m in data.arr_at("matches") {
        let vuln = m.get("vulnerability").unwrap_or(&Value::Null);
        let art = m.get("artifact").unwrap_or(&Value::Null);
        let id = vuln.str_at("id").unwrap_or_default();
        let name = art.str_at("name").unwrap_or_default();
        let version = art.str_at("version").unwrap_or_default();
        let path = art
            .arr_at("locations")
            .first()
            .and_then(|l| l.str_at("path"));
        let title = format!("{id} in {name}:{version}");
        if !detailed {
            if let Some(o) = out.iter_mut().find(|o| o.title == title) {
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
                continue;
            }
        }
        let mut f = Finding::new_static(
            title,
            severity(&vuln.str_at("severity").unwrap_or_default()),
        );
        let related = m.arr_at("relatedVulnerabilities");
        f.description = description(m, vuln, art);
        f.component_name = Some(name.clone());
        f.component_version = Some(version.clone());
        f.file_path = path.clone();
        f.vuln_id_from_tool = Some(id.clone());
        // DefectDojo keeps the related ids even when they repeat the main one.
        f.vulnerability_ids.push(id.clone());
        for r in related {
            if let Some(rid) = r.str_at("id") {
                f.vulnerability_ids.push(rid);
            }
        }
        f.cvssv3 = cvss3_vector(vuln.arr_at("cvss"))
            .or_else(|| related.iter().find_map(|r| cvss3_vector(r.arr_at("cvss"))));
        let fixes: Vec<String> = vuln
            .arr_at("fix.versions")
            .iter()
            .filter_map(crate::util::scalar_string)
            .collect();
        f.fix_available = Some(vuln.str_at("fix.state").as_deref() == Some("fixed"));
        f.fix_version = fixes.last().cloned();
        f.mitigation = match fixes.as_slice() {
            [] => None,
            [one] => Some(format!("Upgrade to version: {one}")),
            many => Some(format!("Upgrade to version:\n- {}", many.join("\n- "))),
        };
        let mut refs = Vec::new();
        if let Some(ds) = vuln.str_at("dataSource") {
            refs.push(format!("**Vulnerability Datasource:** {ds}"));
        }
        if !refs.is_empty() {
            f.references = Some(refs.join("\n"));
        }
        if let Some(t) = art.str_at("type") {
            f.tags.push(t);
        }
        if let Some(epss) = vuln.arr_at("epss").first() {
            f.epss_score = epss.f64_at("epss");
            f.epss_percentile = epss.f64_at("percentile");
        }
        f.nb_occurences = Some(1);
        if detailed {
            f.unique_id_from_tool = Some(format!(
                "{id}|{name}|{version}|{}",
                path.unwrap_or_default()
            ));
        }
        out.push(f);
    }
    Ok(ParseOutput::single(out))
}

fn description(m: &Value, vuln: &Value, art: &Value) -> String {
    let mut d = Vec::new();
    if let Some(ns) = vuln.str_at("namespace") {
        d.push(format!("**Vulnerability Namespace:** {ns}"));
    }
    if let Some(desc) = vuln.str_at("description") {
        d.push(format!("**Vulnerability Description:** {desc}"));
    }
    if let Some(matcher) = m
        .arr_at("matchDetails")
        .first()
        .and_then(|x| x.str_at("matcher"))
    {
        d.push(format!("**Matcher:** {matcher}"));
    }
    if let Some(purl) = art.str_at("purl") {
        d.push(format!("**Package URL:** {purl}"));
    }
    d.join("\n")
}
