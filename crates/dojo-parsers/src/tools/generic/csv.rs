//! DefectDojo's generic CSV format: one row per finding, rows with the same
//! severity, title and description folded into one.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::Finding;
use crate::util::{cell, cell_opt, parse_cwe, parse_date, parse_datetime, read_csv, Folded};

fn is_true(v: &str) -> bool {
    v.to_ascii_lowercase().starts_with('t')
}

pub(super) fn csv_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let rows = read_csv(bytes, b',')?;
    let mut out: Folded<_, Finding> = Folded::new();
    for row in rows {
        let req = |k: &str| {
            cell(&row, k).ok_or_else(|| ParseError::MissingField(format!("CSV column {k}")))
        };
        let severity = req("Severity")?;
        let date = req("Date")?;
        let mut f = Finding {
            title: req("Title")?.to_string(),
            description: req("Description")?.to_string(),
            severity: if ["Info", "Low", "Medium", "High", "Critical"].contains(&severity) {
                severity.to_string()
            } else {
                "Info".into()
            },
            date: Some(
                parse_date(date).ok_or_else(|| ParseError::invalid(format!("bad date: {date}")))?,
            ),
            duplicate: cell(&row, "Duplicate").is_some_and(is_true),
            nb_occurences: Some(1),
            ..Finding::default()
        };
        if let Some(v) = cell(&row, "Active") {
            f.active = is_true(v);
        }
        if let Some(v) = cell(&row, "IsMitigated") {
            f.is_mitigated = is_true(v);
        }
        f.mitigated = cell(&row, "MitigatedDate").and_then(parse_datetime);
        f.mitigation = cell(&row, "Mitigation").map(str::to_string);
        f.impact = cell(&row, "Impact").map(str::to_string);
        f.references = cell(&row, "References").map(str::to_string);
        if let Some(v) = cell(&row, "Verified") {
            f.verified = is_true(v);
        }
        if let Some(v) = cell(&row, "FalsePositive") {
            f.false_p = is_true(v);
        }
        if let Some(v) = cell(&row, "CVE") {
            f.vulnerability_ids.push(v.to_string());
        }
        if let Some(v) = cell_opt(&row, "Vulnerability Id") {
            f.vulnerability_ids.push(v);
        }
        if let Some(v) = cell(&row, "CweId") {
            f.cwe = parse_cwe(v);
        }
        if let Some(v) = cell_opt(&row, "CweIds") {
            let cwes: Vec<u32> = v
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter_map(parse_cwe)
                .collect();
            if f.cwe.is_none() {
                f.cwe = cwes.first().copied();
            }
            f.cwes = cwes;
        }
        f.epss_score = cell(&row, "epss_score").and_then(|v| v.trim().parse().ok());
        f.epss_percentile = cell(&row, "epss_percentile").and_then(|v| v.trim().parse().ok());
        f.cvssv3 = cell_opt(&row, "CVSSV3").filter(|v| v.starts_with("CVSS:3"));
        f.cvssv4 = cell_opt(&row, "CVSSV4").filter(|v| v.starts_with("CVSS:4"));
        f.cvssv4_score = cell(&row, "CVSSV4_score").and_then(|v| v.trim().parse().ok());
        if let Some(v) = cell(&row, "known_exploited") {
            f.known_exploited = !v.is_empty();
        }
        if let Some(v) = cell(&row, "fix_available") {
            f.fix_available = Some(!v.is_empty());
        }
        f.fix_version = cell(&row, "fix_version").map(str::to_string);
        if let Some(url) = cell_opt(&row, "Url") {
            let url = if url.contains("://") {
                url
            } else {
                format!("//{url}")
            };
            f.endpoints.push(Endpoint::from_uri(&url));
        }
        // Rows with the same severity, title and description are one finding
        // seen several times.
        let key = (f.severity.clone(), f.title.clone(), f.description.clone());
        match out.get_mut(&key) {
            Some(o) => {
                o.endpoints.append(&mut f.endpoints);
                o.vulnerability_ids.append(&mut f.vulnerability_ids);
                o.cwes.append(&mut f.cwes);
                o.nb_occurences = Some(o.nb_occurences.unwrap_or(1) + 1);
            }
            None => out.insert(key, f),
        }
    }
    Ok(out.into_values())
}
