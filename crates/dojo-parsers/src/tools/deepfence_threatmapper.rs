//! Deepfence ThreatMapper XLSX exports (compliance, malware, secret and
//! vulnerability reports, old and new column layouts). The header row picks
//! the report kind.

use std::collections::HashMap;

use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::title_case;

type Row<'a> = (&'a HashMap<String, usize>, &'a [Option<String>]);

fn get(row: Row<'_>, name: &str) -> Option<String> {
    let (headers, cells) = row;
    headers
        .get(name)
        .and_then(|i| cells.get(*i).cloned().flatten())
}

fn severity(s: Option<String>) -> String {
    s.map(|s| title_case(&s)).unwrap_or_else(|| "Info".into())
}

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let rows = crate::xlsx::first_sheet_rows(input.bytes)?;
    let mut iter = rows.iter();
    let headers: HashMap<String, usize> = iter
        .next()
        .map(|h| {
            h.iter()
                .enumerate()
                .filter_map(|(i, c)| c.clone().map(|c| (c, i)))
                .collect()
        })
        .unwrap_or_default();
    let has = |k: &str| headers.contains_key(k);
    let mut out = Vec::new();
    for cells in iter {
        let row = (&headers, cells.as_slice());
        let f = if has("Rule Name") {
            malware(row)
        } else if has("Filename") && has("Content") {
            secret(row)
        } else if has("cve_attack_vector") || has("CVE ID") {
            vulnerability(row)
        } else if has("compliance_check_type") || has("Compliance Standard") {
            compliance(row)
        } else {
            None
        };
        out.extend(f);
    }
    Ok(ParseOutput::single(out))
}

fn describe(row: Row<'_>, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| {
            format!(
                "**{k}:** {}\n",
                get(row, k).unwrap_or_else(|| "None".into())
            )
        })
        .collect()
}

fn malware(row: Row<'_>) -> Option<Finding> {
    let mut f = Finding::new_dynamic(
        get(row, "Rule Name").unwrap_or_default(),
        severity(get(row, "Severity")),
    );
    f.description = describe(
        row,
        &[
            "Summary",
            "Rule Name",
            "Class",
            "File Name",
            "Node Name",
            "NodeType",
            "Node Type",
            "Container Name",
            "Kubernetes Cluster Name",
        ],
    );
    f.file_path = get(row, "File Name");
    Some(f)
}

fn secret(row: Row<'_>) -> Option<Finding> {
    let sev = get(row, "Severity")?;
    let file = get(row, "Filename");
    // The old layout names the secret; the new one only gives the rule.
    let title = match get(row, "Name") {
        Some(n) => n,
        None => format!(
            "{} in {}",
            get(row, "Rule")?,
            file.clone().unwrap_or_default()
        ),
    };
    let mut f = Finding::new_dynamic(title, severity(Some(sev)));
    f.description = describe(
        row,
        &[
            "Filename",
            "Name",
            "Rule",
            "Node Name",
            "Container Name",
            "Kubernetes Cluster Name",
            "Content",
            "Signature",
        ],
    );
    f.file_path = file;
    Some(f)
}

fn vulnerability(row: Row<'_>) -> Option<Finding> {
    let cve = get(row, "cve_id")
        .or_else(|| get(row, "CVE ID"))
        .unwrap_or_default();
    let mut f = Finding::new_dynamic(
        format!("Threatmapper_Vuln_Report-{cve}"),
        severity(get(row, "cve_severity").or_else(|| get(row, "Severity"))),
    );
    f.description = describe(
        row,
        &[
            "cve_attack_vector",
            "Attack Vector",
            "cve_caused_by_package",
            "Caused By Package",
            "cve_description",
            "Description",
            "cve_severity",
            "cve_overall_score",
            "host_name",
            "Node Name",
        ],
    );
    f.component_name = get(row, "cve_caused_by_package").or_else(|| get(row, "Caused By Package"));
    f.mitigation = Some(
        get(row, "cve_fixed_in")
            .or_else(|| get(row, "Fixed In"))
            .unwrap_or_default(),
    );
    f.references = get(row, "cve_link").or_else(|| get(row, "Link"));
    f.cve = Some(cve);
    Some(f)
}

fn compliance(row: Row<'_>) -> Option<Finding> {
    let status = get(row, "status")
        .or_else(|| get(row, "Status"))
        .unwrap_or_default();
    let number = get(row, "test_number")
        .or_else(|| get(row, "Control ID"))
        .unwrap_or_default();
    let severity = if status == "warn" { "Medium" } else { "Info" };
    let mut f = Finding::new_dynamic(format!("Threatmapper_Compliance_Report-{number}"), severity);
    f.description = describe(
        row,
        &[
            "compliance_check_type",
            "Compliance Standard",
            "host_name",
            "Node Name",
            "status",
            "Status",
            "test_category",
            "Category",
            "test_desc",
            "Description",
            "test_info",
            "Info",
        ],
    );
    f.mitigation = get(row, "Remediation");
    Some(f)
}
