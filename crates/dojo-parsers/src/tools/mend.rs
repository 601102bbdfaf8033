//! Mend (formerly WhiteSource) SCA JSON: the CLI scan report (`libraries`),
//! the UI vulnerability export (`vulnerabilities`), and Mend Platform /
//! API 3.0 output (`components` or `response`).

use std::collections::HashSet;

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid("Mend report is not a JSON object"));
    }
    let mut findings = Vec::new();
    if data.get("libraries").is_some() {
        for lib in data.arr_at("libraries") {
            let name = lib.str_at("name");
            for v in lib.arr_at("vulnerabilities") {
                findings.push(build(v, name.clone()));
            }
        }
    } else if data.get("vulnerabilities").is_some() {
        for v in data.arr_at("vulnerabilities") {
            findings.push(build(v, None));
        }
    } else if data.get("components").is_some() {
        for comp in data.arr_at("components") {
            let name = comp.str_at("name");
            for v in comp.arr_at("response") {
                findings.push(build(v, name.clone()));
            }
        }
    } else {
        // Platform findings whose library has since been removed from the
        // project are history, not current issues.
        for v in data
            .arr_at("response")
            .iter()
            .filter(|v| v.str_at("findingInfo.status").as_deref() != Some("LIBRARY_REMOVED"))
        {
            findings.push(build(v, None));
        }
    }
    // Identical title and description means the same issue reported twice.
    let mut seen = HashSet::new();
    Ok(ParseOutput::single(
        findings
            .into_iter()
            .filter(|f| seen.insert((f.title.clone(), f.description.clone())))
            .collect(),
    ))
}

fn build(node: &Value, lib_name: Option<String>) -> Finding {
    let mut lib_name = lib_name;
    let mut component_name = None;
    let mut component_version = None;
    let mut impact = None;
    let mut cvss3_score = None;
    let mut mitigation = "N/A".to_string();
    let mut locations: Vec<String> = Vec::new();
    let s = |v: &Value, k: &str| v.str_at(k).unwrap_or_default();
    let description;
    if let Some(comp) = node.get("component").filter(|c| c.is_object()) {
        let vuln = node.get("vulnerability").unwrap_or(&Value::Null);
        description = format!(
            "**Vulnerability Description**: {}\n\n**Component Name**: {}\n**Component Type**: {}\n**Root Library**: {}\n**Library Type**: {}\n",
            vuln.str_at("description")
                .unwrap_or_else(|| "No Description Available".into()),
            s(comp, "name"),
            s(comp, "componentType"),
            comp.get("rootLibrary").map(|r| match r {
                Value::Bool(b) => if *b { "True".to_string() } else { "False".to_string() },
                other => other.as_str().map(str::to_string).unwrap_or_default(),
            }).unwrap_or_default(),
            s(comp, "libraryType"),
        );
        lib_name = comp.str_at("name");
        component_name = comp.str_at("artifactId");
        component_version = comp.str_at("version");
        impact = Some(format!(
            "**Direct or Transitive Vulnerability**: {}\n",
            s(comp, "dependencyType")
        ));
        cvss3_score = vuln.f64_at("score");
        locations.extend(comp.str_at("path"));
        if let Some(fix) = node.get("topFix").filter(|f| f.is_object()) {
            mitigation = format!(
                "**Resolution**: {}\n{}\n{}\n",
                s(fix, "date"),
                s(fix, "message"),
                s(fix, "fixResolution")
            );
        }
    } else if let Some(lib) = node.get("library").filter(|l| l.is_object()) {
        description = format!(
            "**Description** : {}\n\n**Library Name** : {}\n\n**Library Filename** : {}\n\n**Library Description** : {}\n\n**Library Type** : {}\n",
            s(node, "description"),
            s(lib, "name"),
            s(lib, "filename"),
            s(lib, "description"),
            s(lib, "type"),
        );
        lib_name = lib.str_at("filename");
        component_name = lib.str_at("artifactId");
        component_version = lib.str_at("version");
        cvss3_score = node.f64_at("cvss3_score");
        if let Some(fix) = node.get("topFix").filter(|f| f.is_object()) {
            mitigation = format!(
                "**Resolution** ({}): {}\n",
                fix.str_at("date").unwrap_or_else(|| "None".into()),
                fix.str_at("fixResolution").unwrap_or_else(|| "None".into())
            );
        }
    } else {
        description = node
            .str_at("description")
            .unwrap_or_else(|| "Unknown".into());
    }
    let cve = node.str_at("name");
    let title = format!(
        "{} | {}",
        cve.as_deref().unwrap_or("CVE-None"),
        lib_name.unwrap_or_default()
    );
    let raw_severity = node
        .str_at("cvss3_severity")
        .or_else(|| node.str_at("vulnerability.severity"))
        .or_else(|| node.str_at("severity"))
        .unwrap_or_default()
        .to_lowercase();
    let severity = {
        let mut c = raw_severity.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => "Info".to_string(),
        }
    };
    let mut f = Finding::new_dynamic(title, severity);
    f.description = description;
    // CWE-1035: using components with known vulnerabilities.
    f.cwe = Some(1035);
    f.mitigation = Some(mitigation);
    let files: Vec<String> = node
        .arr_at("sourceFiles")
        .iter()
        .filter_map(|sf| sf.str_at("localPath"))
        .collect();
    if !files.is_empty() {
        f.file_path = Some(files.join(", "));
    }
    locations.extend(
        node.arr_at("locations")
            .iter()
            .filter_map(|l| l.str_at("path")),
    );
    f.component_name = component_name;
    f.component_version = component_version;
    let vector = node.str_at("scoreMetadataVector");
    f.severity_justification = Some(format!(
        "CVSS v3 score: {} ({})",
        cvss3_score
            .map(|s| s.to_string())
            .unwrap_or_else(|| "N/A".into()),
        vector.clone().unwrap_or_else(|| "N/A".into())
    ));
    f.cvssv3 = vector;
    f.cvssv3_score = cvss3_score;
    f.impact = impact;
    let mut loc = locations.join(", ");
    if loc.chars().count() > 3999 {
        loc = loc.chars().take(3999).collect();
    }
    f.steps_to_reproduce = Some(format!("**Locations Found**: {loc}"));
    if let Some(c) = cve {
        f.vulnerability_ids = vec![c];
    }
    f
}
