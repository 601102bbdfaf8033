//! `npm audit --json` from npm 6 and earlier (the `advisories` map). Newer
//! reports (auditReportVersion 2) belong to "NPM Audit v7+ Scan".

use serde_json::Value;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_json, scalar_string, Folded, JsonExt};

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let data = parse_json(input.bytes)?;
    if data.get("auditReportVersion").is_some_and(|v| !v.is_null()) {
        return Err(ParseError::invalid(
            "npm 7+ audit report: import it as \"NPM Audit v7+ Scan\"",
        ));
    }
    if let Some(err) = data.get("error").filter(|e| !e.is_null()) {
        return Err(ParseError::invalid(format!(
            "npm audit report contains errors: {}, {}",
            err.str_at("code").unwrap_or_default(),
            err.str_at("summary").unwrap_or_default()
        )));
    }
    let mut out: Folded<String, Finding> = Folded::new();
    if let Some(advisories) = data.get("advisories").and_then(Value::as_object) {
        for node in advisories.values() {
            let key = format!(
                "{}{}",
                node.str_at("id").unwrap_or_default(),
                node.str_at("module_name").unwrap_or_default()
            );
            let f = advisory(node);
            out.insert(key, f);
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}

/// Advisories without a CWE are a vulnerable third-party component.
fn npm_cwe(node: &Value) -> u32 {
    let first = match node.get("cwe") {
        // Some npm versions write the list as a JSON string: "[\"CWE-400\"]".
        Some(Value::String(s)) => s.find("CWE-").and_then(|i| s.get(i..)).and_then(parse_cwe),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find_map(parse_cwe),
        _ => None,
    };
    first.unwrap_or(1035)
}

/// Hashes npm puts in place of git dependency names change every run.
fn censor_hashes(path: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars
            .iter()
            .skip(i)
            .take_while(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            .count();
        if run >= 64 {
            out.push_str("censored_by_npm_audit");
            out.extend(chars.iter().skip(i + 64).take(run - 64));
            i += run;
        } else if run > 0 {
            out.extend(chars.iter().skip(i).take(run));
            i += run;
        } else {
            if let Some(c) = chars.get(i) {
                out.push(*c);
            }
            i += 1;
        }
    }
    out
}

pub(crate) fn advisory(node: &Value) -> Finding {
    let severity = match node.str_at("severity").as_deref() {
        Some("low") => "Low",
        Some("moderate") => "Medium",
        Some("high") => "High",
        Some("critical") => "Critical",
        _ => "Info",
    };
    let module = node.str_at("module_name").unwrap_or_default();
    let title = format!(
        "{} - ({module}, {})",
        node.get("title")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        node.str_at("vulnerable_versions").unwrap_or_default()
    );
    let mut f = Finding::new_static(title, severity);
    let findings = node.arr_at("findings");
    f.component_version = findings.first().and_then(|x| x.str_at("version"));
    f.file_path = findings
        .first()
        .and_then(|x| x.arr_at("paths").first().and_then(Value::as_str))
        .map(censor_hashes);
    let url = node.str_at("url").unwrap_or_default();
    f.description = format!(
        "{url}\n{}\n Vulnerable Module: {module}\n Vulnerable Versions: {}\n Patched Version: {}",
        node.str_at("overview").unwrap_or_default(),
        node.str_at("vulnerable_versions").unwrap_or_default(),
        node.str_at("patched_versions").unwrap_or_default()
    );
    f.cwe = Some(npm_cwe(node));
    f.mitigation = node.str_at("recommendation");
    f.references = Some(url);
    f.component_name = Some(module);
    f.impact = Some("No impact provided".into());
    for cve in node.arr_at("cves").iter().filter_map(scalar_string) {
        f.vulnerability_ids.push(cve);
    }
    f
}
