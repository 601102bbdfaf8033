//! Prisma Cloud / Twistlock image scans: `twistcli` JSON and the console's
//! CSV export.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, parse_date, parse_json, py_repr, read_csv, shorten_with, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let name = input.file_name.to_ascii_lowercase();
    if name.ends_with(".csv") {
        parse_csv(input.bytes)
    } else if name.ends_with(".json") {
        parse_json_report(input.bytes)
    } else {
        Err(ParseError::invalid(
            "Twistlock report must be a .json or .csv file",
        ))
    }
}

fn convert_severity(s: &str) -> String {
    match s.to_ascii_lowercase().as_str() {
        "important" => "High".into(),
        "moderate" => "Medium".into(),
        "information" | "informational" | "" => "Info".into(),
        "critical" => "Critical".into(),
        "high" => "High".into(),
        "medium" => "Medium".into(),
        "low" => "Low".into(),
        _ => "Info".into(),
    }
}

fn parse_csv(bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let rows = read_csv(bytes, b',')?;
    let mut out: Vec<Finding> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let get = |k: &str| cell(&row, k).unwrap_or_default().to_string();
        let (cve, version, package) = (get("CVE ID"), get("Package Version"), get("Packages"));
        let description = get("Description");
        let title = if !cve.is_empty() && !package.is_empty() {
            format!("{cve}: {package} - {version}")
        } else if !package.is_empty() && !version.is_empty() {
            format!("{package} - {version}")
        } else {
            description.clone()
        };
        let severity = convert_severity(&get("Severity"));
        let mut f = Finding::new_dynamic(shorten_with(&title, 255, "..."), severity.clone());
        f.description = format!(
            "{description}<p> Vulnerable Package: {package}</p><p> Current Version: {version}</p>"
        )
        .trim()
        .to_string();
        f.mitigation = Some(get("Fix Status"));
        f.component_name = Some(shorten_with(&package, 200, "..."));
        f.component_version = Some(version.clone());
        f.severity_justification = Some(format!("(CVSS v3 base score: {})", get("CVSS")));
        let impact: Vec<String> = ["Registry", "Repository", "Tag", "Id", "Distro", "Hosts"]
            .iter()
            .filter_map(|k| {
                cell(&row, k)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}: {v}"))
            })
            .collect();
        f.impact = Some(impact.join("\n"));
        f.date = cell(&row, "Published").and_then(parse_date);
        if !cve.is_empty() {
            f.vulnerability_ids = vec![cve];
        }
        // Rows repeating severity, title and description are one finding.
        if seen.insert((f.severity.clone(), f.title.clone(), f.description.clone())) {
            out.push(f);
        }
    }
    Ok(ParseOutput::single(out))
}

fn parse_json_report(bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let data = parse_json(bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid("Twistlock report is not a JSON object"));
    }
    let Some(result) = data.arr_at("results").first() else {
        return Ok(ParseOutput::single(Vec::new()));
    };
    let image = result.str_at("id").unwrap_or_default();
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for v in result.arr_at("vulnerabilities") {
        let f = vulnerability(v, &image);
        // A repeated id/package/severity replaces the earlier entry in place.
        let key = format!(
            "{}{}{}{}",
            v.str_at("id").unwrap_or_default(),
            v.str_at("packageName").unwrap_or_default(),
            v.str_at("packageVersion").unwrap_or_default(),
            v.str_at("severity").unwrap_or_default()
        );
        match seen.get(&key).and_then(|&i| out.get_mut(i)) {
            Some(prev) => *prev = f,
            None => {
                seen.insert(key, out.len());
                out.push(f);
            }
        }
    }
    for c in result.arr_at("compliances") {
        out.push(compliance(c, &image));
    }
    Ok(ParseOutput::single(out))
}

fn vulnerability(v: &Value, image: &str) -> Finding {
    let id = v.str_at("id").unwrap_or_default();
    let package = v.str_at("packageName").unwrap_or_default();
    let version = v.str_at("packageVersion").unwrap_or_default();
    let severity = v
        .str_at("severity")
        .map(|s| convert_severity(&s))
        .unwrap_or_else(|| "Info".into());
    let mut f = Finding::new_dynamic(format!("{id}: {package} - {version}"), severity.clone());
    f.description = format!(
        "{}<p> Vulnerable Package: {package}</p><p> Current Version: {version}</p>",
        v.str_at("description").unwrap_or_default()
    )
    .trim()
    .to_string();
    f.mitigation = v.str_at("status").map(|s| crate::util::title_case(&s));
    f.references = v.str_at("link");
    f.component_name = Some(package);
    f.component_version = Some(version);
    f.file_path = v.str_at("packagePath");
    f.cvssv3 = v.str_at("vector");
    f.cvssv3_score = v.f64_at("cvss");
    let risk = match v.get("riskFactors") {
        None | Some(Value::Null) => "No risk factors.".to_string(),
        Some(Value::Object(o)) if o.is_empty() => String::new(),
        Some(Value::Object(_)) => String::new(),
        Some(other) => py_repr(other),
    };
    f.severity_justification = Some(format!(
        "Vector: {} (CVSS v3 base score: {})\n\n{risk}",
        f.cvssv3.clone().unwrap_or_else(|| "None".into()),
        v.str_at("cvss").unwrap_or_else(|| "None".into())
    ));
    f.impact = Some(format!("{severity}\nImage ID: {image}"));
    // Without a discovery date DefectDojo stamps the import time, which the
    // importer's default date already gives.
    f.date = v.str_at("discoveredDate").and_then(|d| parse_date(&d));
    f.vulnerability_ids = vec![id];
    f
}

fn compliance(c: &Value, image: &str) -> Finding {
    let severity = c
        .str_at("severity")
        .map(|s| convert_severity(&s))
        .unwrap_or_else(|| "Info".into());
    let mut f = Finding::new_dynamic(
        format!("Compliance: {}", c.str_at("title").unwrap_or_default()),
        severity.clone(),
    );
    let mut d = Vec::new();
    d.extend(c.str_at("description"));
    if let Some(cause) = c.str_at("cause") {
        d.push(format!("Cause: {cause}"));
    }
    f.description = d.join("\n\n");
    f.severity_justification = Some(format!("Compliance severity: {severity}"));
    f.impact = Some(format!("{severity}\nImage ID: {image}"));
    f.vuln_id_from_tool = c.str_at("id");
    f.tags = vec!["compliance".into()];
    if let Some(cat) = c.str_at("category") {
        f.tags.push(cat.to_lowercase());
    }
    f
}
