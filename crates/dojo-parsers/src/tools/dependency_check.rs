//! OWASP Dependency-Check XML reports. Each vulnerability of a dependency
//! (and of each related dependency that has its own file name) is a finding;
//! suppressed vulnerabilities are imported as mitigated.

use std::collections::HashSet;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{parse_cwe, parse_date, percent_decode};
use crate::xml::{self, Element};

const SEVERITIES: &[&str] = &["Info", "Low", "Medium", "High", "Critical"];

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let root = xml::parse(input.bytes)?;
    let date = root
        .path("projectInfo/reportDate")
        .and_then(|d| parse_date(&d.text));
    let mut out: Vec<Finding> = Vec::new();
    // (first vulnerability id, CWE, lowercased file path) of each finding kept.
    let mut seen = HashSet::new();
    let Some(deps) = root.child("dependencies") else {
        return Ok(ParseOutput::single(out));
    };
    for dep in deps.children_named("dependency") {
        let mut vulns: Vec<(&Element, bool)> = Vec::new();
        if let Some(v) = dep.child("vulnerabilities") {
            vulns.extend(v.children_named("vulnerability").map(|x| (x, false)));
            vulns.extend(
                v.children_named("suppressedVulnerability")
                    .map(|x| (x, true)),
            );
        }
        for (vuln, suppressed) in vulns {
            // DefectDojo 3.2 reports a vulnerability once, on the dependency
            // itself, not again for each related (bundled) dependency.
            let mut f = finding(dep, vuln, suppressed);
            f.date = date;
            let key = (
                f.vulnerability_ids.first().cloned(),
                f.cwe,
                f.file_path.clone().unwrap_or_default().to_lowercase(),
            );
            if seen.insert(key) {
                out.push(f);
            }
        }
    }
    Ok(ParseOutput::single(out))
}

fn text(el: &Element, name: &str) -> String {
    el.child_text(name).unwrap_or_default().to_string()
}

/// Package coordinates from a purl: "namespace:name" and version.
fn from_purl(purl: &str) -> (Option<String>, Option<String>) {
    let body = purl.strip_prefix("pkg:").unwrap_or(purl);
    let body = body.split(['?', '#']).next().unwrap_or(body);
    let (path, version) = match body.rsplit_once('@') {
        Some((p, v)) => (p, Some(percent_decode(v))),
        None => (body, None),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 1 {
        parts.remove(0);
    }
    let name = parts.pop().map(percent_decode);
    let namespace = parts.join("/");
    let full = match (namespace.is_empty(), name) {
        (true, n) => n,
        (false, Some(n)) => Some(format!("{}:{n}", percent_decode(&namespace))),
        (false, None) => Some(percent_decode(&namespace)),
    };
    (full.filter(|s| !s.is_empty()), version)
}

fn component(dep: &Element) -> (Option<String>, Option<String>) {
    let Some(ids) = dep.child("identifiers") else {
        return evidence(dep);
    };
    if let Some(pkg) = ids.descendants("package").first() {
        return from_purl(&text(pkg, "id"));
    }
    for ident in ids.descendants("identifier") {
        let name = text(ident, "name");
        match ident.attr("type") {
            Some("cpe") => {
                let parts: Vec<&str> = name.trim_start_matches("cpe:/").split(':').collect();
                let vendor = parts.get(1).copied().unwrap_or_default();
                let product = parts.get(2).copied().unwrap_or_default();
                let n = if vendor.is_empty() {
                    product.to_string()
                } else {
                    format!("{vendor}:{product}")
                };
                return (
                    Some(n).filter(|s| !s.is_empty()),
                    parts.get(3).map(|s| s.to_string()),
                );
            }
            Some("maven") => {
                let p: Vec<&str> = name.split(':').collect();
                if let [g, a, v] = p.as_slice() {
                    return (Some(format!("{g}:{a}")), Some(v.to_string()));
                }
            }
            _ => {}
        }
    }
    evidence(dep)
}

fn evidence(dep: &Element) -> (Option<String>, Option<String>) {
    let Some(ev) = dep.child("evidenceCollected") else {
        return (None, None);
    };
    let find = |t: &str| {
        ev.descendants("evidence")
            .into_iter()
            .find(|e| e.attr("type") == Some(t))
            .map(|e| text(e, "value"))
    };
    match find("product") {
        Some(p) => (Some(p), find("version")),
        None => (None, None),
    }
}

fn finding(dep: &Element, vuln: &Element, suppressed: bool) -> Finding {
    let (file_name, file_path) = (text(dep, "fileName"), text(dep, "filePath"));
    let (cname, cversion) = component(dep);
    let name = text(vuln, "name");
    let cwe_texts: Vec<String> = match vuln.child("cwes") {
        Some(c) => c
            .children_named("cwe")
            .map(|x| x.text.trim().to_string())
            .collect(),
        None => vuln
            .child_text("cwe")
            .map(str::to_string)
            .into_iter()
            .collect(),
    };
    let cwes: Vec<u32> = cwe_texts.iter().filter_map(|c| parse_cwe(c)).collect();
    let mut severity = text(vuln, "severity").to_lowercase();
    if severity.is_empty() {
        severity = vuln
            .child("cvssV3")
            .map(|c| text(c, "baseSeverity"))
            .or_else(|| vuln.child("cvssV2").map(|c| text(c, "severity")))
            .unwrap_or_default()
            .to_lowercase();
    }
    let mut severity = capitalize(&severity);
    if severity == "Moderate" {
        severity = "Medium".into();
    }
    let component_label = match (&cname, &cversion) {
        (Some(n), Some(v)) => format!("{n}:{v}"),
        (Some(n), None) => n.clone(),
        _ => file_name.clone(),
    };
    let mut title = format!("{component_label} | {name}");
    if !SEVERITIES.contains(&severity.as_str()) {
        title.push_str(&format!(" | Severity is inaccurate : {severity}"));
        severity = "Medium".into();
    }
    let mut f = Finding::new_static(title, severity);
    f.cwe = Some(cwes.first().copied().unwrap_or(1035));
    f.cwes = cwes;
    if name.starts_with("CVE") {
        f.add_vulnerability_id(name.chars().take(28).collect::<String>());
    }
    let mut description = text(vuln, "description");
    if let Some(src) = vuln.attr("source") {
        description.push_str(&format!("\n**Source:** {src}"));
    }
    description.push_str(&format!("\n**Filepath:** {file_path}"));
    f.description = description;
    if let Some(c3) = vuln.child("cvssV3") {
        f.cvssv3_score = c3.child_text("baseScore").and_then(|s| s.parse().ok());
    }
    let refs: Vec<String> = vuln
        .child("references")
        .map(|r| {
            r.children_named("reference")
                .map(|x| {
                    format!(
                        "**Source:** {}\n**URL:** {}",
                        text(x, "source"),
                        text(x, "url")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !refs.is_empty() {
        f.references = Some(refs.join("\n\n"));
    }
    let mut mitigation =
        format!("Update {component_label} to at least the version recommended in the description");
    if suppressed {
        f.is_mitigated = true;
        f.active = false;
        f.tags.push("suppressed".into());
        mitigation = format!(
            "**This vulnerability is mitigated and/or suppressed:** {}\n{mitigation}",
            text(vuln, "notes")
        );
    }
    f.mitigation = Some(mitigation);
    f.file_path = Some(file_name);
    f.component_name = cname;
    f.component_version = cversion;
    f
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
