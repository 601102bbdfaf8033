//! testssl.sh CSV output (`--csvfile`): one finding per failed check and CVE,
//! with an endpoint per scanned host and port.

use crate::endpoint::Endpoint;
use crate::error::ParseError;
use crate::finding::{Finding, ParseOutput};
use crate::registry::Input;
use crate::util::{cell, read_csv, title_case, Folded};

/// Score and grade rows summarise other rows rather than report an issue.
const SUMMARY_IDS: &[&str] = &[
    "rating_spec",
    "rating_doc",
    "protocol_support_score",
    "protocol_support_score_weighted",
    "key_exchange_score",
    "key_exchange_score_weighted",
    "cipher_strength_score",
    "cipher_strength_score_weighted",
    "final_score",
    "overall_grade",
];

pub fn parse(input: &Input<'_>) -> Result<ParseOutput, ParseError> {
    let rows = read_csv(input.bytes, b',')?;
    let mut out: Folded<String, Finding> = Folded::new();
    for row in &rows {
        let id = cell(row, "id").unwrap_or_default();
        let sev_raw = cell(row, "severity").unwrap_or_default();
        if sev_raw == "OK" || SUMMARY_IDS.contains(&id) || id.contains("grade_cap_reason_") {
            continue;
        }
        let severity = match title_case(sev_raw).as_str() {
            "Warn" | "Fatal" => "Info".to_string(),
            other => other.to_string(),
        };
        let description = cell(row, "finding").unwrap_or_default();
        let cwe = cell(row, "cwe")
            .filter(|c| c.contains('-'))
            .and_then(|c| c.split('-').nth(1))
            .and_then(|c| c.trim().parse().ok());
        let host = cell(row, "fqdn/ip").unwrap_or_default();
        let host = host.split('/').next().unwrap_or_default();
        let port = cell(row, "port")
            .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse().ok());
        for cve in cell(row, "cve").unwrap_or_default().split(' ') {
            let endpoint = Endpoint {
                host: Some(host.to_string()).filter(|h| !h.is_empty()),
                port,
                ..Endpoint::default()
            };
            let key = format!("{description}|{id}|{cve}");
            match out.get_mut(&key) {
                Some(f) => {
                    f.endpoints.push(endpoint);
                    if !cve.is_empty() {
                        f.vulnerability_ids.push(cve.to_string());
                    }
                    f.nb_occurences = Some(f.nb_occurences.unwrap_or(1) + 1);
                }
                None => {
                    let mut f = Finding::new_dynamic(id, severity.clone());
                    f.description = description.to_string();
                    f.nb_occurences = Some(1);
                    f.cwe = cwe;
                    if !cve.is_empty() {
                        f.vulnerability_ids.push(cve.to_string());
                    }
                    f.endpoints.push(endpoint);
                    out.insert(key, f);
                }
            }
        }
    }
    Ok(ParseOutput::single(out.into_values()))
}
