//! Checkmarx CxSAST XML reports and Checkmarx JSON exports. "Checkmarx Scan"
//! aggregates XML results per CWE, severity and sink file; the detailed
//! variant keeps every data-flow path as its own finding.

use serde_json::Value;
use std::collections::HashMap;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_date, parse_json, JsonExt};
use crate::xml::{self, Element};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let findings = if input.extension() == "json" {
        json_findings(input.bytes)?
    } else {
        xml_findings(input.bytes, input.detailed())?
    };
    Ok(ParseOutput::single(findings))
}

/// Checkmarx states: 0 To verify, 1 Not exploitable, 2 Confirmed,
/// 3 Urgent, 4 Proposed not exploitable.
fn is_active(state: Option<&str>) -> bool {
    matches!(state, Some("0" | "2" | "3" | "4"))
}

fn is_verified(state: Option<&str>) -> bool {
    matches!(state, Some("2" | "3"))
}

struct Node {
    file: Option<String>,
    line: Option<i64>,
    name: Option<String>,
}

fn node(pn: &Element) -> Node {
    Node {
        file: pn.child_text_opt("FileName"),
        line: pn.child_text("Line").and_then(|l| l.parse().ok()),
        name: pn.child_text_opt("Name"),
    }
}

fn xml_findings(bytes: &[u8], detailed: bool) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    let date = root.attr("ScanStart").and_then(parse_date);
    let mut out: Vec<Finding> = Vec::new();
    // Index in `out` of each aggregate's key.
    let mut keys: HashMap<String, usize> = HashMap::new();
    for query in root.children_named("Query") {
        let name = query.attr("name").unwrap_or_default();
        let cwe = query.attr("cweId").unwrap_or_default();
        let query_id = query.attr("id").unwrap_or_default().to_string();
        let categories = query.attr("categories").unwrap_or_default();
        let language = query.attr("Language").unwrap_or_default();
        let group = query.attr("group").unwrap_or_default().replace('_', " ");
        let title_start = name.replace('_', " ");
        for result in query.children_named("Result") {
            let mut detail = String::new();
            if !categories.is_empty() {
                detail.push_str(&format!("**Category:** {categories}\n"));
            }
            detail.push_str(&format!("**Language:** {language}\n**Group:** {group}\n"));
            if let Some(s) = result.attr("Status") {
                detail.push_str(&format!("**Status:** {s}\n"));
            }
            let link = result.attr("DeepLink").unwrap_or("None");
            detail.push_str(&format!("**Finding Link:** [{link}]({link})\n"));
            let state = result.attr("state");
            let false_p = result.attr("FalsePositive") == Some("True");
            let sev = result.attr("Severity").unwrap_or("Info").to_string();
            let nodes: Vec<&Element> = result
                .children_named("Path")
                .flat_map(|p| p.children_named("PathNode"))
                .collect();
            let source = nodes.first().map(|n| node(n));
            let sink = nodes.last().map(|n| node(n));
            let sink_file = sink.as_ref().and_then(|s| s.file.clone());
            let title = match &sink_file {
                Some(f) => format!("{title_start} ({})", f.rsplit('/').next().unwrap_or(f)),
                None => title_start.clone(),
            };
            if detailed {
                let path = result.children_named("Path").last();
                let path_id = format!(
                    "{}{}",
                    path.and_then(|p| p.attr("SimilarityId")).unwrap_or("None"),
                    path.and_then(|p| p.attr("PathId")).unwrap_or("None")
                );
                let mut f = Finding::new_dynamic(title, sev);
                f.static_finding = true;
                f.cwe = cwe.parse().ok();
                f.active = is_active(state);
                f.verified = is_verified(state);
                f.false_p = false_p;
                f.description = format!("{detail}-----\n{}", node_details(&nodes));
                f.file_path = sink_file.clone();
                f.line = sink.as_ref().and_then(|s| s.line);
                f.date = date;
                f.unique_id_from_tool = Some(path_id.clone());
                f.sast_source_object = source.as_ref().and_then(|s| s.name.clone());
                f.sast_sink_object = sink.as_ref().and_then(|s| s.name.clone());
                f.sast_source_line = source.as_ref().and_then(|s| s.line);
                f.sast_source_file_path = source.as_ref().and_then(|s| s.file.clone());
                f.vuln_id_from_tool = Some(query_id.clone());
                let key = format!(
                    "{categories}{cwe}{name}{}{path_id}",
                    sink_file.clone().unwrap_or_default()
                );
                match keys.get(&key).copied() {
                    Some(i) => {
                        if let Some(slot) = out.get_mut(i) {
                            *slot = f;
                        }
                    }
                    None => {
                        keys.insert(key, out.len());
                        out.push(f);
                    }
                }
                continue;
            }
            let flow = format!(
                "<b>Source file: </b>{} (line {})\n<b>Source object: </b> {}\n<b>Sink file: </b>{} (line {})\n<b>Sink object: </b> {}",
                opt(source.as_ref().and_then(|s| s.file.clone())),
                opt(source.as_ref().and_then(|s| s.line.map(|l| l.to_string()))),
                opt(source.as_ref().and_then(|s| s.name.clone())),
                opt(sink_file.clone()),
                opt(sink.as_ref().and_then(|s| s.line.map(|l| l.to_string()))),
                opt(sink.as_ref().and_then(|s| s.name.clone())),
            );
            let key = format!("{cwe}{sev}{}", opt(sink_file.clone()));
            match keys.get(&key).copied() {
                None => {
                    let mut f = Finding::new_dynamic(title, sev);
                    f.static_finding = true;
                    f.cwe = cwe.parse().ok();
                    f.active = is_active(state);
                    f.verified = is_verified(state);
                    f.false_p = false_p;
                    f.description = format!("{detail}{flow}");
                    f.file_path = sink_file;
                    f.date = date;
                    f.nb_occurences = Some(1);
                    f.vuln_id_from_tool = Some(query_id.clone());
                    keys.insert(key, out.len());
                    out.push(f);
                }
                Some(i) => {
                    let Some(f) = out.get_mut(i) else { continue };
                    let n = f.nb_occurences.unwrap_or(1) + 1;
                    f.nb_occurences = Some(n);
                    if n == 2 {
                        f.description = format!("### 1. {}\n{}", f.title, f.description);
                    }
                    f.description
                        .push_str(&format!("\n\n-----\n### {n}. {title}\n{detail}\n{flow}"));
                    let ids = f.vuln_id_from_tool.get_or_insert_with(String::new);
                    if !ids.split(',').any(|x| x == query_id) {
                        ids.push(',');
                        ids.push_str(&query_id);
                    }
                    // One exploitable, active or verified member is enough
                    // for the whole aggregate.
                    if result.attr("FalsePositive") == Some("False") {
                        f.false_p = false;
                    }
                    f.active |= is_active(state);
                    f.verified |= is_verified(state);
                }
            }
        }
    }
    Ok(out)
}

fn opt(v: Option<String>) -> String {
    v.unwrap_or_else(|| "None".into())
}

fn node_details(nodes: &[&Element]) -> String {
    let mut d = String::new();
    for pn in nodes {
        for (label, tag) in [
            ("Line Number", "Line"),
            ("Column", "Column"),
            ("Source Object", "Name"),
        ] {
            if let Some(v) = pn.child_text_opt(tag) {
                d.push_str(&format!("**{label}:** {v}\n"));
            }
        }
        if let Some(snippet) = pn.child("Snippet") {
            for line in snippet.children_named("Line") {
                d.push_str(&format!(
                    "**Number:** {}\n**Code:** {}\n",
                    line.child_text("Number").unwrap_or_default(),
                    line.child_text("Code").unwrap_or_default()
                ));
            }
        }
        d.push_str("-----\n");
    }
    d
}

/// Checkmarx JSON dates are ISO text or `{"seconds": <epoch>}`.
fn json_date(v: Option<&Value>) -> Option<chrono::NaiveDate> {
    match v? {
        Value::String(s) => parse_date(s),
        other => other
            .i64_at("seconds")
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|d| d.date_naive()),
    }
}

fn json_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let data = parse_json(bytes)?;
    let mut out = Vec::new();
    let Some(results) = data.get("scanResults").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (result_type, result) in results {
        match result_type.as_str() {
            "sca" => sca_findings(result, &mut out),
            "kics" => kics_findings(result, &mut out),
            _ => sast_findings(result_type, result, &mut out),
        }
    }
    Ok(out)
}

fn sast_findings(result_type: &str, result: &Value, out: &mut Vec<Finding>) {
    for language in result.arr_at("languages") {
        for query in language.arr_at("queries") {
            let title = query
                .str_at("queryName")
                .unwrap_or_default()
                .replace('_', " ");
            for v in query.arr_at("vulnerabilities") {
                // SAST results carry the triage word in "status".
                let status = v.str_at("status");
                let severity = title_case(&v.str_at("severity").unwrap_or_default());
                let mut f = Finding::new_dynamic(title.clone(), severity);
                f.description = query.str_at("description").unwrap_or_default();
                f.date = json_date(v.get("firstFoundDate"));
                f.active = status.as_deref() != Some("Not exploitable");
                f.verified = status.as_deref() != Some("To verify");
                f.cwe = v.i64_at("cweId").and_then(|c| u32::try_from(c).ok());
                f.static_finding = result_type == "sast";
                f.unique_id_from_tool = v.str_at("id").or_else(|| v.str_at("similarityId"));
                if let Some(last) = v.arr_at("nodes").last() {
                    f.file_path = last.str_at("fileName");
                    f.line = last.i64_at("line");
                }
                f.tags = vec![result_type.to_string()];
                out.push(f);
            }
        }
    }
}

/// SCA and KICS results carry the triage word in "state".
fn apply_state(f: &mut Finding, v: &Value) {
    let state = v.str_at("state");
    f.active = state.as_deref() != Some("Not exploitable");
    f.verified = !matches!(state.as_deref(), Some("To verify") | None);
}

fn sca_findings(result: &Value, out: &mut Vec<Finding>) {
    for package in result.arr_at("packages") {
        let full = package.str_at("name").unwrap_or_default();
        for v in package.arr_at("vulnerabilities") {
            // The version is likewise the last dash-separated segment, which
            // for "guava-25.0-jre" is "jre" rather than the reported version.
            let version = full
                .rsplit('-')
                .next()
                .filter(|_| full.contains('-'))
                .map(str::to_string)
                .or_else(|| v.str_at("version"))
                .unwrap_or_default();
            // Package names look like "Npm-underscore-1.10.2"; DefectDojo
            // keeps the dash-separated segment before the version, so
            // "Maven-org.springframework:spring-core-5.3.4" gives "core".
            let name = full.rsplit('-').nth(1).unwrap_or(&full).to_string();
            let cve = v.str_at("cveId");
            let mut f = Finding::new_dynamic(
                format!(
                    "{name}:{version} | {}",
                    cve.clone().unwrap_or_else(|| "None".into())
                ),
                title_case(&v.str_at("severity").unwrap_or_default()),
            );
            f.static_finding = true;
            f.description = v.str_at("description").unwrap_or_default();
            f.date = json_date(v.get("firstFoundDate"));
            apply_state(&mut f, v);
            f.cwe = v.str_at("cwe").and_then(|c| crate::util::parse_cwe(&c));
            f.component_name = Some(name);
            f.component_version = Some(version);
            if let Some(c) = cve {
                f.add_vulnerability_id(c);
            }
            f.unique_id_from_tool = v.str_at("id");
            f.tags = vec!["sca".into()];
            out.push(f);
        }
    }
}

fn kics_findings(result: &Value, out: &mut Vec<Finding>) {
    for group in result.arr_at("results") {
        let name = group.str_at("name").unwrap_or_default();
        for v in group.arr_at("vulnerabilities") {
            let mut f = Finding::new_dynamic(
                format!("{name} | {}", v.str_at("issueType").unwrap_or_default()),
                title_case(&v.str_at("severity").unwrap_or_default()),
            );
            f.static_finding = true;
            f.description = format!(
                "{}\n**Expected value:** {}\n**Actual value:** {}",
                v.str_at("description").unwrap_or_default(),
                v.str_at("expectedValue").unwrap_or_default(),
                v.str_at("actualValue").unwrap_or_default()
            );
            f.date = json_date(v.get("firstFoundDate"));
            apply_state(&mut f, v);
            f.file_path = v.str_at("fileName");
            f.unique_id_from_tool = v.str_at("id");
            f.tags = vec!["kics".into(), name.clone()];
            out.push(f);
        }
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
