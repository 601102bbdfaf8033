//! Veracode Detailed XML report (format 1.5): flaws grouped by severity and
//! category, plus vulnerable third-party components.

use chrono::NaiveDateTime;

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::Folded;
use crate::xml::{self, Element};

pub(super) fn findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    let app_id = root
        .attr("app_id")
        .ok_or_else(|| ParseError::MissingField("detailedreport/@app_id".into()))?;
    // SCA findings carry the report's date so a re-import updates them.
    let report_date = root.attr("last_update_time").and_then(veracode_time);

    // Flaws are keyed by issue id: a flaw listed twice is one finding.
    let mut flaws: Folded<String, Finding> = Folded::new();
    for category in root
        .children_named("severity")
        .flat_map(|s| s.children_named("category"))
    {
        let mitigation = recommendations(category);
        for cwe in category.children_named("cwe") {
            for (kind, dynamic) in [("staticflaws", false), ("dynamicflaws", true)] {
                for flaw in cwe
                    .children_named(kind)
                    .flat_map(|list| list.children_named("flaw"))
                {
                    let issue = flaw.attr("issueid").unwrap_or_default().to_string();
                    if flaws.contains(&issue) {
                        continue;
                    }
                    let mut f = flaw_finding(app_id, flaw, &mitigation)?;
                    if dynamic {
                        f.static_finding = false;
                        f.dynamic_finding = true;
                        f.endpoints
                            .push(Endpoint::from_uri(flaw.attr("url").unwrap_or_default()));
                        f.tags = vec!["dast".into()];
                    } else {
                        static_details(&mut f, flaw);
                    }
                    flaws.insert(issue, f);
                }
            }
        }
    }
    let mut out = flaws.into_values();

    let components = root
        .path("software_composition_analysis/vulnerable_components")
        .map(|v| v.children_named("component").collect::<Vec<_>>())
        .unwrap_or_default();
    for component in components {
        let mut library = component.attr("library").unwrap_or_default();
        // Maven coordinates name the artifact as CycloneDX and Veracode SCA
        // do, so findings line up across tools.
        if let Some(id) = component.attr("library_id") {
            if id.starts_with("maven:") {
                if let Some(artifact) = id.split(':').nth(2) {
                    library = artifact;
                }
            }
        }
        let version = component.attr("version").unwrap_or_default();
        for vuln in component
            .children_named("vulnerabilities")
            .flat_map(|v| v.children_named("vulnerability"))
        {
            out.push(sca_finding(library, version, vuln, report_date)?);
        }
    }
    Ok(out)
}

/// "2020-06-01 10:02:01 UTC".
fn veracode_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let s = s.rsplit_once(' ').map_or(s, |(t, _zone)| t);
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()
}

fn severity(el: &Element) -> &'static str {
    match el
        .attr("severity")
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        Some(2) => "Low",
        Some(3) => "Medium",
        Some(4) => "High",
        Some(5) => "Critical",
        _ => "Info",
    }
}

/// The category's first recommendation paragraph, then every bullet.
fn recommendations(category: &Element) -> String {
    let Some(rec) = category.child("recommendations") else {
        return String::new();
    };
    let mut text = rec
        .child("para")
        .and_then(|p| p.attr("text"))
        .map(|t| format!("{t}\n\n"))
        .unwrap_or_default();
    for bullet in rec
        .children_named("para")
        .flat_map(|p| p.children_named("bulletitem"))
    {
        text.push_str(&format!(
            "    * {}\n",
            bullet.attr("text").unwrap_or_default()
        ));
    }
    text
}

fn flaw_finding(app_id: &str, flaw: &Element, mitigation: &str) -> Result<Finding, ParseError> {
    let attr = |k: &str| flaw.attr(k).unwrap_or_default();
    let mut f = Finding::new_static(attr("categoryname"), severity(flaw));
    f.mitigation = Some(mitigation.to_string());
    f.unique_id_from_tool = Some(format!("app-{app_id}_issue-{}", attr("issueid")));
    f.cwe = attr("cweid").trim().parse().ok();
    f.impact = Some(format!("CIA Impact: {}", attr("cia_impact").to_uppercase()));
    // The description doubles as the legacy dedupe hash input, so it stays
    // the report's static text, one sentence per line.
    let description = attr("description").replace(". ", ".\n");
    let references = match description.find("References:") {
        // Past "References:" and the two characters after it.
        Some(i) => description
            .get(i..)
            .unwrap_or_default()
            .chars()
            .skip(13)
            .collect::<String>()
            .replace(")  ", ")\n"),
        None => "None".to_string(),
    };
    f.references = Some(format!(
        "{references}\n\nVulnerable Module: {}\nType: {}\nVeracode issue ID: {}",
        attr("module"),
        attr("type"),
        attr("issueid")
    ));
    f.description = description;
    f.date = flaw
        .attr("date_last_occurrence")
        .and_then(veracode_time)
        .map(|d| d.date());

    let mut mitigated = false;
    let mut mitigated_at = None;
    if attr("mitigation_status").eq_ignore_ascii_case("accepted") {
        if attr("remediation_status").eq_ignore_ascii_case("fixed") {
            mitigated = true;
        } else {
            // Any accepted mitigation, "potential false positive" included.
            for m in flaw
                .children_named("mitigations")
                .flat_map(|m| m.children_named("mitigation"))
            {
                mitigated = true;
                mitigated_at = Some(mitigation_date(m)?);
            }
        }
    }
    f.is_mitigated = mitigated;
    f.mitigated = mitigated_at;
    f.active = !mitigated;
    // Only a mitigated flaw can be a false positive: DefectDojo refuses
    // findings that are both verified and false positives.
    let remediation = attr("remediation_status").to_lowercase();
    f.false_p = mitigated
        && (remediation.contains("false positive") || remediation.contains("falsepositive"));
    Ok(f)
}

fn mitigation_date(m: &Element) -> Result<NaiveDateTime, ParseError> {
    m.attr("date")
        .and_then(veracode_time)
        .ok_or_else(|| ParseError::invalid("Veracode mitigation without a valid date"))
}

fn static_details(f: &mut Finding, flaw: &Element) {
    let digits = |k: &str| {
        flaw.attr(k)
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
            .and_then(|v| v.parse::<i64>().ok())
    };
    if let (Some(line), Some(offset)) = (digits("line"), digits("functionrelativelocation")) {
        f.line = Some(line + offset);
        f.sast_source_line = f.line;
    }
    let path = format!(
        "{}{}",
        flaw.attr("sourcefilepath").unwrap_or_default(),
        flaw.attr("sourcefile").unwrap_or_default()
    );
    f.file_path = Some(path.clone());
    f.sast_source_file_path = Some(path);
    f.sast_source_object = flaw
        .attr("functionprototype")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    f.tags = vec!["sast".into()];
}

fn sca_finding(
    library: &str,
    version: &str,
    vuln: &Element,
    report_date: Option<NaiveDateTime>,
) -> Result<Finding, ParseError> {
    let attr = |k: &str| vuln.attr(k).unwrap_or_default();
    let severity = severity(vuln);
    let mut f = Finding::new_static(
        format!("Vulnerable component: {library}:{version}"),
        severity,
    );
    let score = attr("cvss_score");
    f.cvssv3_score = Some(score.trim().parse().map_err(|_| {
        ParseError::invalid(format!(
            "Veracode SCA vulnerability with bad cvss_score {score:?}"
        ))
    })?);
    f.add_vulnerability_id(attr("cve_id"));
    let cwes: Vec<u32> = cwe_numbers(attr("cwe_id"));
    f.cwe = cwes.first().copied();
    f.cwes = cwes;
    f.component_name = Some(library.to_string());
    f.component_version = Some(version.to_string());
    f.date = report_date.map(|d| d.date());
    f.description = format!(
        "This library has known vulnerabilities.\n**CVE:** {} ({})\nCVS Score: {score} ({severity})\nSummary: \n>{}\n\n-----\n\n",
        attr("cve_id"),
        vuln.attr("first_found_date").unwrap_or("None"),
        attr("cve_summary")
    );
    f.tags = vec!["sca".into()];
    if attr("mitigation").eq_ignore_ascii_case("true") {
        for m in vuln
            .children_named("mitigations")
            .flat_map(|m| m.children_named("mitigation"))
        {
            f.is_mitigated = true;
            f.mitigated = Some(mitigation_date(m)?);
        }
    }
    f.active = !f.is_mitigated;
    Ok(f)
}

/// Every `CWE-<n>` in the text, case-insensitive, in order.
fn cwe_numbers(text: &str) -> Vec<u32> {
    let upper = text.to_ascii_uppercase();
    upper
        .match_indices("CWE-")
        .filter_map(|(i, _)| {
            let digits: String = upper
                .get(i + 4..)?
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_lists() {
        assert_eq!(cwe_numbers("CWE-20 cwe-295"), vec![20, 295]);
        assert!(cwe_numbers("").is_empty());
    }

    #[test]
    fn report_times() {
        assert_eq!(
            veracode_time("2020-06-01 10:02:01 UTC").map(|d| d.to_string()),
            Some("2020-06-01 10:02:01".into())
        );
    }
}
