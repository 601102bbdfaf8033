//! Xygeni SAST, SCA and secrets JSON reports (one scan type each).

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_json, scalar_string, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if !data.is_object() {
        return Err(ParseError::invalid(
            "Xygeni report root must be a JSON object",
        ));
    }
    let findings: Vec<Finding> = match input.scan_type.name {
        "Xygeni SCA Scan" => data
            .arr_at("dependencies")
            .iter()
            .flat_map(|dep| {
                dep.arr_at("vulnerabilities")
                    .iter()
                    .map(move |v| sca(dep, v))
            })
            .collect(),
        "Xygeni Secrets Scan" => {
            // The same secret found again (same hash) is one finding.
            let mut out: Vec<Finding> = Vec::new();
            for f in data.arr_at("secrets").iter().map(secret) {
                if f.unique_id_from_tool.is_none()
                    || !out
                        .iter()
                        .any(|o| o.unique_id_from_tool == f.unique_id_from_tool)
                {
                    out.push(f);
                }
            }
            out
        }
        _ => data.arr_at("vulnerabilities").iter().map(sast).collect(),
    };
    Ok(ParseOutput::single(findings))
}

fn severity(v: Option<String>) -> &'static str {
    match v.unwrap_or_default().to_lowercase().as_str() {
        "critical" => "Critical",
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        _ => "Info",
    }
}

/// "CWE-79", "CWE:79" or "cwe79" → 79.
fn cwe_tag(s: &str) -> Option<u32> {
    let lower = s.to_lowercase();
    let rest = lower.strip_prefix("cwe")?;
    let rest = rest.strip_prefix([':', '-']).unwrap_or(rest);
    rest.parse().ok()
}

/// All CWEs in preference order: the numeric field, then `cwes`, then tags.
fn cwes(v: &Value) -> Vec<u32> {
    let mut out = Vec::new();
    if let Some(c) = v
        .get("cwe")
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok())
    {
        out.push(c);
    }
    for list in ["cwes", "tags"] {
        for c in v
            .arr_at(list)
            .iter()
            .filter_map(scalar_string)
            .filter_map(|s| cwe_tag(&s))
        {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

fn code_block(parts: &mut Vec<String>, code: Option<String>) {
    if let Some(c) = code {
        parts.push(format!("```\n{c}\n```"));
    }
}

fn sast(v: &Value) -> Finding {
    let detector = v
        .str_at("detector")
        .unwrap_or_else(|| "Xygeni SAST finding".into());
    let mut f = Finding::new_static(detector.clone(), severity(v.str_at("severity")));
    let mut parts: Vec<String> = v.str_at("explanation").into_iter().collect();
    code_block(&mut parts, v.str_at("location.code"));
    f.description = parts.join("\n\n");
    f.file_path = v.str_at("location.filepath");
    f.line = v.i64_at("location.beginLine");
    let all = cwes(v);
    f.cwe = all.first().copied();
    f.cwes = all;
    f.unique_id_from_tool = v.str_at("uniqueHash").or_else(|| v.str_at("issueId"));
    f.vuln_id_from_tool = Some(detector);
    if let Some(flow) = v.arr_at("codeFlows").first() {
        let frames = flow.arr_at("frames");
        if let Some(src) = frames
            .iter()
            .find(|fr| fr.str_at("kind").as_deref() == Some("source"))
        {
            f.sast_source_file_path = src.str_at("location.filepath");
            f.sast_source_line = src.i64_at("location.beginLine");
            f.sast_source_object = src.str_at("injectionPoint");
        }
        if let Some(sink) = frames
            .iter()
            .find(|fr| fr.str_at("kind").as_deref() == Some("sink"))
        {
            f.sast_sink_object = sink
                .str_at("injectionPoint")
                .or_else(|| sink.str_at("location.code"));
        }
    }
    f
}

fn sca(dep: &Value, v: &Value) -> Finding {
    let name = dep.str_at("name");
    let title = v
        .str_at("cve")
        .or_else(|| v.str_at("id"))
        .unwrap_or_else(|| "Xygeni SCA finding".into());
    let mut f = Finding::new_static(title, severity(v.str_at("severity")));
    f.description = v.str_at("description").unwrap_or_default();
    let all = cwes(&serde_json::json!({ "cwes": v.get("cwes").cloned().unwrap_or(Value::Null) }));
    f.cwe = all.first().copied();
    f.cwes = all;
    f.cvssv3_score = v.f64_at("overallCvssScore").filter(|s| *s >= 0.0);
    f.mitigation = v.str_at("fixedVersion").map(|fx| match &name {
        Some(n) => format!("Upgrade {n} to version {fx} or later."),
        None => format!("Upgrade to version {fx} or later."),
    });
    let refs: Vec<String> = v
        .arr_at("references")
        .iter()
        .filter_map(scalar_string)
        .collect();
    f.references = Some(refs.join("\n")).filter(|r| !r.is_empty());
    f.component_name = name;
    f.component_version = dep.str_at("version");
    f.unique_id_from_tool = v.str_at("uniqueHash");
    f.vuln_id_from_tool = v.str_at("userId");
    f.cve = v.str_at("cve");
    for id in v
        .str_at("cve")
        .into_iter()
        .chain(v.arr_at("aliases").iter().filter_map(scalar_string))
    {
        if !f.vulnerability_ids.contains(&id) {
            f.vulnerability_ids.push(id);
        }
    }
    f
}

fn secret(v: &Value) -> Finding {
    let path = v.str_at("location.filepath").unwrap_or_default();
    let file = path
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown file");
    let kind = v
        .str_at("type")
        .or_else(|| v.str_at("detector"))
        .unwrap_or_else(|| "secret".into());
    let mut f = Finding::new_static(
        format!("{kind} secret detected in {file}"),
        severity(v.str_at("severity")),
    );
    let mut parts: Vec<String> = v.str_at("description").into_iter().collect();
    code_block(&mut parts, v.str_at("location.code"));
    f.description = parts.join("\n\n");
    f.file_path = Some(path.clone()).filter(|p| !p.is_empty());
    f.line = v.i64_at("location.beginLine");
    let tag_cwes =
        cwes(&serde_json::json!({ "tags": v.get("tags").cloned().unwrap_or(Value::Null) }));
    f.cwe = Some(tag_cwes.first().copied().unwrap_or(798));
    f.mitigation = Some(format!(
        "Rotate this {kind} secret immediately and remove it from version-control history."
    ));
    f.unique_id_from_tool = v.str_at("uniqueHash").or_else(|| v.str_at("issueId"));
    f.vuln_id_from_tool = v.str_at("detector").or(Some(kind));
    f
}
