//! "OpenVAS Parser v2": DefectDojo's second OpenVAS mapping, which keeps the
//! NVT OID as the tool's id, folds repeats of a result per host and keeps the
//! raw result text as steps to reproduce.

use super::valid_severity;
use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::{parse_date, Folded};
use crate::xml::{self, decode_text, Element};

#[derive(Default)]
struct Aux {
    references: Vec<String>,
    summary: String,
    qod: String,
    result: String,
    fallback_cvss: Option<f64>,
}

fn new_finding() -> (Finding, Endpoint, Aux) {
    let mut f = Finding::new_dynamic("", "Info");
    f.nb_occurences = Some(1);
    (f, Endpoint::default(), Aux::default())
}

/// OpenVAS wraps long lines with a newline and two spaces.
fn cleanup(text: &str) -> String {
    text.replace("\n  ", " ")
}

fn postprocess(f: &mut Finding, aux: Aux) {
    if !aux.result.is_empty() {
        f.steps_to_reproduce = Some(format!(
            "```\n{}\n```",
            cleanup(&aux.result).replace("```", "")
        ));
    }
    if !aux.summary.is_empty() {
        f.description
            .push_str(&format!("\n**Summary**: {}", cleanup(&aux.summary)));
    }
    if !aux.qod.is_empty() {
        f.description.push_str(&format!("\n**QoD**: {}", aux.qod));
    }
    if !aux.references.is_empty() {
        let refs: Vec<String> = aux.references.iter().map(|r| format!("- {r}")).collect();
        f.references = Some(refs.join("\n"));
    }
    if f.cvssv3_score.is_none() && f.cvssv4_score.is_none() {
        f.cvssv3_score = aux.fallback_cvss.filter(|s| *s != 0.0);
    }
    if let Some(m) = &f.mitigation {
        if m.contains("Update to version") || m.contains("The vendor has released updates") {
            f.fix_available = Some(true);
        }
    }
}

/// Results that differ only in host are one finding with several endpoints.
fn deduplicate(out: &mut Folded<String, Finding>, mut f: Finding, ep: Endpoint) {
    let key = format!(
        "{ep}|{}|{}|{}",
        f.title,
        f.vuln_id_from_tool.clone().unwrap_or_else(|| "None".into()),
        f.severity
    );
    match out.get_mut(&key) {
        Some(org) => {
            org.nb_occurences = Some(org.nb_occurences.unwrap_or(1) + 1);
            if !org.endpoints.contains(&ep) {
                org.endpoints.push(ep);
            }
        }
        None => {
            f.endpoints.push(ep);
            out.insert(key, f);
        }
    }
}

pub(super) fn csv_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let text = decode_text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header: Vec<String> = match records.next() {
        Some(h) => h?
            .iter()
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_lowercase)
            .collect(),
        None => Vec::new(),
    };
    if !header.iter().any(|h| h == "nvt name") {
        return Err(ParseError::invalid(
            "not an OpenVAS CSV export (no \"NVT Name\" column)",
        ));
    }
    let mut out = Folded::new();
    for rec in records {
        let rec = rec?;
        let (mut f, mut ep, mut aux) = new_finding();
        for (v, col) in rec.iter().zip(header.iter()) {
            if v.is_empty() {
                continue;
            }
            let flag = |v: &str| match v.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            };
            match col.as_str() {
                "nvt name" => f.title = v.to_string(),
                "cweid" if v.chars().all(|c| c.is_ascii_digit()) => f.cwe = v.parse().ok(),
                "cves" => f.vulnerability_ids.extend(v.split(',').map(str::to_string)),
                "nvt oid" => f.vuln_id_from_tool = Some(v.to_string()),
                "hostname" => ep.host = Some(v.trim().to_string()),
                "ip" if ep.host.is_none() => ep.host = Some(v.trim().to_string()),
                "port" if v.chars().all(|c| c.is_ascii_digit()) => ep.port = v.parse().ok(),
                "port protocol" => ep.protocol = Some(v.to_string()),
                "severity" if valid_severity(v) == v => f.severity = v.to_string(),
                "cvss" => aux.fallback_cvss = v.trim().parse().ok(),
                "summary" => aux.summary = v.to_string(),
                "solution" => f.mitigation = Some(cleanup(v)),
                "vulnerability insight" => f.impact = Some(cleanup(v)),
                "specific result" => aux.result = v.to_string(),
                "qod" => aux.qod = v.to_string(),
                "max severity epss score" => f.epss_score = v.trim().parse().ok(),
                "max severity epss percentile" => f.epss_percentile = v.trim().parse().ok(),
                "timestamp" => f.date = parse_date(v),
                "other references" => aux.references = v.split(',').map(str::to_string).collect(),
                "active" => f.active = flag(v).unwrap_or(false),
                "verified" => f.verified = flag(v).unwrap_or(false),
                "falsepositive" => f.false_p = flag(v).unwrap_or(false),
                "duplicate" => f.duplicate = flag(v).unwrap_or(false),
                _ => {}
            }
        }
        postprocess(&mut f, aux);
        deduplicate(&mut out, f, ep);
    }
    Ok(out.into_values())
}

/// "summary=...|impact=...|cvss_base_vector=..." inside an NVT's tags.
fn nvt_tag(text: &str, key: &str) -> Option<String> {
    text.trim()
        .split('|')
        .filter_map(|part| part.split_once('='))
        .filter(|(_, v)| !v.is_empty())
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .next_back()
}

fn nvt(field: &Element, f: &mut Finding, aux: &mut Aux) {
    f.vuln_id_from_tool = field.attr("oid").map(str::to_string);
    if let Some(name) = field.child_text_opt("name") {
        f.title = name;
    }
    if let Some(sol) = field.child("solution") {
        f.mitigation = Some(cleanup(&sol.text));
    }
    if let Some(refs) = field.child("refs") {
        let refs = refs.descendants("ref");
        f.vulnerability_ids = refs
            .iter()
            .filter(|r| r.attr("type") == Some("cve"))
            .filter_map(|r| r.attr("id").map(str::to_string))
            .collect();
        aux.references = refs
            .iter()
            .filter(|r| r.attr("type") != Some("cve"))
            .filter_map(|r| r.attr("id").map(str::to_string))
            .collect();
    }
    let tags = field
        .child("tags")
        .map(|t| t.text.clone())
        .unwrap_or_default();
    if let Some(s) = nvt_tag(&tags, "summary") {
        aux.summary = s;
    }
    if let Some(i) = nvt_tag(&tags, "impact") {
        f.impact = Some(cleanup(&i));
    }
    if let Some(v) = nvt_tag(&tags, "cvss_base_vector") {
        if v.starts_with("CVSS:3") {
            f.cvssv3 = Some(v);
        } else if v.starts_with("CVSS:4") {
            f.cvssv4 = Some(v);
        }
    }
}

pub(super) fn xml_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    if !root.name.contains("report") {
        return Err(ParseError::invalid("not a Greenbone OpenVAS XML report"));
    }
    let mut out = Folded::new();
    let Some(results) = root.path("report/results") else {
        return Ok(Vec::new());
    };
    for result in &results.children {
        let (mut f, mut ep, mut aux) = new_finding();
        for field in &result.children {
            let text = field.text.trim();
            match field.name.as_str() {
                "nvt" => nvt(field, &mut f, &mut aux),
                "qod" => aux.qod = field.child_text("value").unwrap_or_default().to_string(),
                "name" if !text.is_empty() => f.title = text.to_string(),
                "host" if !text.is_empty() => {
                    ep.host = Some(
                        field
                            .child_text_opt("hostname")
                            .unwrap_or_else(|| text.to_string()),
                    );
                }
                "port" => {
                    if let Some((port, proto)) = text.split_once('/') {
                        ep.protocol = Some(proto.to_string());
                        ep.port = port.parse().ok();
                    }
                }
                "severity" if !text.is_empty() => aux.fallback_cvss = text.parse().ok(),
                "threat" if valid_severity(text) == text => f.severity = text.to_string(),
                "description" if !text.is_empty() => aux.result = text.to_string(),
                _ => {}
            }
        }
        postprocess(&mut f, aux);
        deduplicate(&mut out, f, ep);
    }
    Ok(out.into_values())
}
