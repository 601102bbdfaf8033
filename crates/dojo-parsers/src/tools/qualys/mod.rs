//! Qualys VM (WebGUI) scan reports: the XML asset data report, or the CSV
//! export (detection list or the monthly PCI layout).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, cell_opt, read_csv};
use crate::xml::{self, Element};

use crate::html2text::html2text;

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let findings = if input.file_name.to_ascii_lowercase().ends_with(".csv") {
        csv_findings(input.bytes)?
    } else {
        xml_findings(input.bytes)?
    };
    Ok(ParseOutput::single(findings))
}

/// Qualys severity levels 1-5. DefectDojo's default ("legacy") mapping
/// keeps all five; level 1 is informational.
fn severity(level: Option<&str>) -> &'static str {
    match level.map(str::trim) {
        Some("2") => "Low",
        Some("3") => "Medium",
        Some("4") => "High",
        Some("5") => "Critical",
        _ => "Info",
    }
}

fn type_label(t: Option<&str>) -> &'static str {
    match t {
        Some("Ig") => "INFORMATION GATHERED",
        Some("Practice") => "POTENTIAL",
        Some("Vuln") => "CONFIRMED",
        _ => "Unknown",
    }
}

/// Qualys timestamps: `2019-07-31T21:57:48Z`.
fn timestamp(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").ok()
}

/// Text of a child element as ElementTree's `findtext` gives it: `None`
/// when absent, untrimmed otherwise.
fn findtext<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.child(name).map(|c| c.text.as_str())
}

/// Python's `str()` of an optional text.
fn py_str(s: Option<&str>) -> String {
    s.unwrap_or("None").to_string()
}

/// CVSS score and vector as Qualys writes them: `9.0 (AV:N/...)` or `8.2`.
#[derive(Default)]
struct Cvss {
    score: Option<f64>,
    vector: Option<String>,
}

impl Cvss {
    /// Fills in what is still missing from one Qualys CVSS field.
    fn take(&mut self, value: Option<&str>) {
        let Some(value) = value.filter(|v| !v.is_empty() && *v != "-") else {
            return;
        };
        if value.chars().count() > 4 {
            let (score, rest) = value.split_once(" (").unwrap_or((value, ""));
            if self.score.is_none() {
                self.score = score.trim().parse().ok();
            }
            if self.vector.is_none() {
                let inner = rest.strip_suffix(')').unwrap_or(rest);
                let vector = format!("CVSS:3.0/{inner}");
                if crate::cvss::base_score_v3(&vector).is_some() {
                    self.vector = Some(vector);
                }
            }
        } else if self.score.is_none() {
            self.score = value.trim().parse().ok();
        }
    }
}

fn xml_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let root = xml::parse(bytes)?;
    let mut glossary: HashMap<&str, &Element> = HashMap::new();
    for g in root.descendants("GLOSSARY") {
        for list in g.children_named("VULN_DETAILS_LIST") {
            for d in list.children_named("VULN_DETAILS") {
                if let Some(id) = d.attr("id") {
                    glossary.entry(id).or_insert(d);
                }
            }
        }
    }
    let mut out = Vec::new();
    let Some(hosts) = root.child("HOST_LIST") else {
        return Ok(out);
    };
    for host in &hosts.children {
        let fqdn = findtext(host, "DNS").filter(|s| !s.is_empty());
        let endpoint = Endpoint::host(fqdn.or(findtext(host, "IP")).unwrap_or_default());
        for list in host.children_named("VULN_INFO_LIST") {
            for info in list.children_named("VULN_INFO") {
                out.push(vuln_info(info, &glossary, &endpoint)?);
            }
        }
    }
    Ok(out)
}

fn vuln_info(
    info: &Element,
    glossary: &HashMap<&str, &Element>,
    endpoint: &Endpoint,
) -> Result<Finding, ParseError> {
    let gid = info
        .child("QID")
        .and_then(|q| q.attr("id"))
        .ok_or_else(|| ParseError::MissingField("VULN_INFO/QID@id".into()))?;
    let details = glossary.get(gid).ok_or_else(|| {
        ParseError::invalid(format!(
            "QID {gid} has no VULN_DETAILS entry in the GLOSSARY"
        ))
    })?;
    let port = findtext(info, "PORT");
    let date = findtext(info, "LAST_FOUND")
        .and_then(timestamp)
        .map(|d| d.date());

    let mut cvss = Cvss::default();
    match findtext(info, "CVSS3_FINAL").filter(|v| *v != "-") {
        Some(v) => cvss.take(Some(v)),
        None => {
            if let Some(v) = findtext(info, "CVSS_FINAL").filter(|v| *v != "-") {
                cvss.take(Some(v));
                // A CVSS v2 vector has no place in DefectDojo.
                cvss.vector = None;
            }
        }
    }
    if cvss.score.is_none() {
        match details
            .path("CVSS3_SCORE/CVSS3_BASE")
            .map(|e| e.text.as_str())
            .filter(|v| *v != "-")
        {
            Some(v) => cvss.take(Some(v)),
            None => {
                if let Some(v) = findtext(details, "CVSS_FINAL").filter(|v| *v != "-") {
                    cvss.take(Some(v));
                    cvss.vector = None;
                }
            }
        }
    }

    let title = format!(
        "QID-{} | {}",
        gid.get(4..).unwrap_or_default(),
        py_str(findtext(details, "TITLE"))
    );
    let pieces = [
        html2text(&py_str(findtext(details, "THREAT"))),
        html2text(&format!("Type: {}", type_label(findtext(info, "TYPE")))),
        html2text(&format!("Category: {}", py_str(findtext(info, "CATEGORY")))),
        html2text(&format!("QID: {gid}")),
        html2text(&format!("Port: {}", py_str(port))),
        html2text(&format!(
            "Result Evidence: {}",
            py_str(findtext(info, "RESULT"))
        )),
        html2text(&format!(
            "First Found: {}",
            py_str(findtext(info, "FIRST_FOUND"))
        )),
        html2text(&format!(
            "Last Found: {}",
            py_str(findtext(info, "LAST_FOUND"))
        )),
        html2text(&format!(
            "Times Found: {}",
            py_str(findtext(info, "TIMES_FOUND"))
        )),
    ];

    let mut f = Finding::new_dynamic(title, severity(findtext(details, "SEVERITY")));
    f.description = pieces.join("\n");
    f.mitigation = Some(html2text(findtext(details, "SOLUTION").unwrap_or_default()));
    f.impact = Some(html2text(findtext(details, "IMPACT").unwrap_or_default()));
    f.date = date;
    f.vuln_id_from_tool = Some(gid.to_string());
    f.verified = true;

    let cves: Vec<(Option<&str>, Option<&str>)> = details
        .children_named("CVE_ID_LIST")
        .flat_map(|l| l.children_named("CVE_ID"))
        .map(|c| (findtext(c, "ID"), findtext(c, "URL")))
        .collect();
    f.references = Some(if cves.is_empty() {
        gid.to_string()
    } else {
        // DefectDojo stores the Python list of links as text.
        let links: Vec<serde_json::Value> = cves
            .iter()
            .filter_map(|(_, url)| url.filter(|u| !u.is_empty()))
            .map(|u| serde_json::Value::String(u.to_string()))
            .collect();
        crate::util::py_repr(&serde_json::Value::Array(links))
    });
    for id in cves.iter().filter_map(|(id, _)| *id) {
        f.add_vulnerability_id(id);
    }

    let status = findtext(info, "VULN_STATUS");
    if matches!(status, Some("Active" | "Re-Opened" | "New")) {
        f.active = true;
    } else {
        f.active = false;
        f.is_mitigated = true;
        f.mitigated = findtext(info, "LAST_FIXED").and_then(timestamp);
    }
    f.cvssv3 = cvss.vector;
    f.cvssv3_score = cvss.score;
    f.endpoints.push(endpoint.clone());
    Ok(f)
}

/// Dates in the CSV export: `05/25/2021 07:36:58`.
fn csv_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%m/%d/%Y %H:%M:%S").ok()
}

/// The PCI layout's `LAST SCAN`, read like dateutil: month first unless
/// the first number cannot be a month.
fn loose_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim().trim_end_matches('Z');
    const FORMATS: &[&str] = &[
        "%m/%d/%Y %H:%M",
        "%d/%m/%Y %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            ["%m/%d/%Y", "%d/%m/%Y"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .or_else(|| crate::util::parse_datetime(s))
}

/// `6.7 (AV:L/...)` → the part in parentheses.
fn csv_vector_part(s: &str) -> Option<&str> {
    let (score, rest) = s.split_once(" (")?;
    let digits_ok = score.len() >= 3 && score.chars().any(|c| c.is_ascii_digit());
    let inner = rest.strip_suffix(')').unwrap_or(rest);
    digits_ok.then_some(inner)
}

/// CVSS v3 temporal score: the CSV export's vectors carry temporal metrics
/// and DefectDojo keeps the score that includes them.
fn temporal_score(vector: &str) -> Option<f64> {
    let base = crate::cvss::base_score_v3(vector)?;
    let metric = |k: &str| {
        vector
            .split('/')
            .filter_map(|p| p.split_once(':'))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v)
    };
    let e = match metric("E") {
        Some("F") => 0.97,
        Some("P") => 0.94,
        Some("U") => 0.91,
        _ => 1.0,
    };
    let rl = match metric("RL") {
        Some("W") => 0.97,
        Some("T") => 0.96,
        Some("O") => 0.95,
        _ => 1.0,
    };
    let rc = match metric("RC") {
        Some("R") => 0.96,
        Some("U") => 0.92,
        _ => 1.0,
    };
    // CVSS's round-up to one decimal, done on integers to avoid float noise.
    let x = ((base * e * rl * rc) * 100_000.0).round() as i64;
    Some(if x % 10_000 == 0 {
        x as f64 / 100_000.0
    } else {
        ((x / 10_000) as f64 + 1.0) / 10.0
    })
}

fn csv_cvss(row: &[(String, String)]) -> Option<String> {
    let (base, temporal) = if cell(row, "CVSS3 Base").is_some() {
        (cell(row, "CVSS3 Base"), cell(row, "CVSS3 Temporal"))
    } else {
        (cell(row, "CVSS3.1 Base"), cell(row, "CVSS3.1 Temporal"))
    };
    let base = base.filter(|b| !b.is_empty())?;
    let mut vector = format!("CVSS:3.0/{}", csv_vector_part(base)?);
    if let Some(t) = temporal.filter(|t| !t.is_empty()).and_then(csv_vector_part) {
        vector.push('/');
        vector.push_str(t);
    }
    crate::cvss::base_score_v3(&vector).map(|_| vector)
}

fn csv_findings(bytes: &[u8]) -> Result<Vec<Finding>, ParseError> {
    let rows = read_csv(bytes, b',')?;
    let mut out: Vec<Finding> = Vec::new();
    let mut by_qid: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let title = cell_opt(row, "Title").filter(|t| t != "Title");
        let pci_title = cell_opt(row, "VULN TITLE");
        if title.is_none() && pci_title.is_none() {
            continue;
        }
        let endpoint = if let Some(fqdn) = cell_opt(row, "FQDN") {
            Endpoint::from_uri(&fqdn)
        } else if let Some(dns) = cell_opt(row, "DNS") {
            Endpoint::host(dns)
        } else {
            Endpoint::host(cell(row, "IP").unwrap_or_default())
        };
        let cve_text = cell(row, "CVE ID")
            .or(cell(row, "CVEID"))
            .unwrap_or_default();
        let cves: Vec<&str> = if cve_text.is_empty() {
            Vec::new()
        } else {
            cve_text.split(',').map(str::trim).collect()
        };
        let qid = cell(row, "QID").unwrap_or_default().to_string();
        let idx = match by_qid.get(&qid) {
            Some(i) => *i,
            None => {
                let f = if let Some(title) = title {
                    detection_row(row, &qid, &title)
                } else {
                    pci_row(row, &qid, pci_title.as_deref().unwrap_or_default())
                };
                out.push(f);
                by_qid.insert(qid, out.len() - 1);
                out.len() - 1
            }
        };
        if let Some(f) = out.get_mut(idx) {
            // DefectDojo keeps every id a row lists, blanks included.
            f.vulnerability_ids
                .extend(cves.iter().map(|c| c.to_string()));
            f.endpoints.push(endpoint);
        }
    }
    Ok(out)
}

fn detection_row(row: &[(String, String)], qid: &str, title: &str) -> Finding {
    let threat = cell(row, "Threat").unwrap_or_default();
    let mut f = Finding::new_dynamic(
        format!("QID-{qid} | {title}"),
        severity(cell(row, "Severity")),
    );
    f.description = format!("{threat}\nResult Evidence: \n{threat}");
    f.mitigation = cell_opt(row, "Solution");
    f.impact = cell_opt(row, "Impact");
    f.date = cell(row, "Last Detected")
        .and_then(csv_datetime)
        .map(|d| d.date());
    f.vuln_id_from_tool = Some(qid.to_string());
    f.cvssv3 = csv_cvss(row);
    f.cvssv3_score = f.cvssv3.as_deref().and_then(temporal_score);
    f.verified = true;
    f.active = matches!(
        cell(row, "Vuln Status"),
        Some("Active" | "Re-Opened" | "New")
    );
    // Qualys marks regressions active while keeping "Date Last Fixed".
    if !f.active {
        if let Some(fixed) = cell(row, "Date Last Fixed").filter(|d| !d.is_empty()) {
            f.mitigated = csv_datetime(fixed);
            f.is_mitigated = true;
        }
    }
    f
}

fn pci_row(row: &[(String, String)], qid: &str, title: &str) -> Finding {
    let threat = cell(row, "THREAT").unwrap_or_default();
    let mut f = Finding::new_dynamic(
        format!("QID-{qid} | {title}"),
        cell(row, "SEVERITY").unwrap_or_default(),
    );
    f.description = format!("{threat}\nResult Evidence: \n{threat}");
    f.mitigation = cell_opt(row, "SOLUTION");
    f.impact = cell_opt(row, "IMPACT");
    f.date = cell(row, "LAST SCAN")
        .and_then(loose_datetime)
        .map(|d| d.date());
    f.vuln_id_from_tool = Some(qid.to_string());
    f.verified = true;
    f
}
