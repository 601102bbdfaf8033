//! DefectDojo's `hash_code`: the de-duplication key of a finding, computed once,
//! from the parsed finding, with the fields its scan type configures.

use dojo_domain::entities::{Endpoint as SavedEndpoint, Finding as SavedFinding};
use dojo_parsers::{DedupAlgorithm, Endpoint, Finding, ScanTypeInfo};
use sha2::{Digest, Sha256};

/// Field names a scan type may configure; any other name falls back to the legacy hash.
const ALLOWED_FIELDS: &[&str] = &[
    "title",
    "cwe",
    "cwes",
    "vulnerability_ids",
    "line",
    "file_path",
    "payload",
    "component_name",
    "component_version",
    "description",
    "endpoints",
    "unique_id_from_tool",
    "severity",
    "vuln_id_from_tool",
    "mitigation",
];

/// Python's `str()` of an optional value: `None` when absent.
fn py_str(value: Option<&str>) -> &str {
    value.unwrap_or("None")
}

fn py_int(value: Option<i64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

/// The vulnerability ids as the importer stores them: the parser's list with
/// `cve` synchronised in front, blanks dropped, first occurrence kept.
pub fn vulnerability_ids(finding: &Finding) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(finding.vulnerability_ids.len() + 1);
    let cve = finding
        .cve
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    for id in cve
        .into_iter()
        .chain(finding.vulnerability_ids.iter().map(|i| i.trim()))
    {
        if !id.is_empty() && !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// The finding's CWE labels (`CWE-<n>`): the primary plus the extras, sorted.
pub fn cwe_labels(finding: &Finding) -> Vec<String> {
    let mut labels: Vec<String> = finding
        .cwe
        .into_iter()
        .chain(finding.cwes.iter().copied())
        .filter(|n| (1..=9_999_999).contains(n))
        .map(|n| format!("CWE-{n}"))
        .collect();
    labels.sort();
    labels.dedup();
    labels
}

/// The canonical text of each endpoint, de-duplicated and sorted.
pub fn endpoint_values(finding: &Finding) -> Vec<String> {
    let mut values: Vec<String> = finding.endpoints.iter().map(|e| e.to_string()).collect();
    values.sort();
    values.dedup();
    values
}

/// Whether the scan type's configured fields can be used, or the legacy hash applies.
fn configured_fields<'a>(info: &'a ScanTypeInfo, finding: &Finding) -> Option<&'a [&'static str]> {
    let fields = info.hash_code_fields;
    if fields.is_empty() || fields.iter().any(|f| !ALLOWED_FIELDS.contains(f)) {
        return None;
    }
    if finding.cwe.unwrap_or(0) == 0 && !info.hash_code_allows_null_cwe {
        return None;
    }
    Some(fields)
}

/// The text that is hashed, before case folding.
pub fn hash_input(info: &ScanTypeInfo, finding: &Finding, service: Option<&str>) -> String {
    let cwe = finding.cwe.unwrap_or(0).to_string();
    let mut text = String::with_capacity(finding.title.len() + finding.description.len() + 64);
    match configured_fields(info, finding) {
        None => {
            text.push_str(&finding.title);
            text.push_str(&cwe);
            text.push_str(&py_int(finding.line));
            text.push_str(py_str(finding.file_path.as_deref()));
            text.push_str(&finding.description);
        }
        Some(fields) => {
            for field in fields {
                match *field {
                    "title" => text.push_str(&finding.title),
                    "cwe" => text.push_str(&cwe),
                    "cwes" => text.push_str(&cwe_labels(finding).concat()),
                    "vulnerability_ids" => {
                        let mut ids = vulnerability_ids(finding);
                        ids.sort();
                        text.push_str(&ids.concat());
                    }
                    "line" => text.push_str(&py_int(finding.line)),
                    "file_path" => text.push_str(py_str(finding.file_path.as_deref())),
                    "payload" => text.push_str(py_str(finding.payload.as_deref())),
                    "component_name" => text.push_str(py_str(finding.component_name.as_deref())),
                    "component_version" => {
                        text.push_str(py_str(finding.component_version.as_deref()))
                    }
                    "description" => text.push_str(&finding.description),
                    "endpoints" => text.push_str(&endpoint_values(finding).concat()),
                    "unique_id_from_tool" => {
                        text.push_str(py_str(finding.unique_id_from_tool.as_deref()))
                    }
                    "severity" => text.push_str(&finding.severity),
                    "vuln_id_from_tool" => {
                        text.push_str(py_str(finding.vuln_id_from_tool.as_deref()))
                    }
                    "mitigation" => text.push_str(py_str(finding.mitigation.as_deref())),
                    _ => {}
                }
            }
        }
    }
    if let Some(service) = service.filter(|s| !s.is_empty()) {
        text.push_str(service);
    }
    text
}

/// Python's `str.casefold()`: Unicode full case folding (CaseFolding.txt).
fn casefold(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        caseless::default_case_fold_str(text)
    }
}

/// The finding's hash code: SHA-256 (lower-case hex) of the case-folded,
/// whitespace-trimmed concatenation of its configured fields and `service`.
/// A hash the parser computed itself is kept, as DefectDojo keeps it.
pub fn hash_code(info: &ScanTypeInfo, finding: &Finding, service: Option<&str>) -> String {
    if let Some(own) = finding.hash_code.as_deref().filter(|h| !h.is_empty()) {
        return own.to_owned();
    }
    let text = hash_input(info, finding, service);
    let folded = casefold(text.trim());
    hex::encode(Sha256::digest(folded.as_bytes()))
}

/// The settings of a test type that is no parser's (a manual test, say): the
/// legacy hash.
pub(crate) const NO_PARSER: ScanTypeInfo = ScanTypeInfo {
    name: "",
    parser_dir: "",
    label: "",
    description: "",
    hash_code_fields: &[],
    dedup_algorithm: DedupAlgorithm::Legacy,
    hash_code_allows_null_cwe: true,
    multi_test: false,
    detailed: false,
};

/// The hash of a finding written through the API rather than parsed from a
/// report: the saved row with the ids, CWE labels (`CWE-<n>`) and endpoints it
/// was saved with, hashed with the settings of its test's type (`None`: no
/// parser's, so the legacy hash).
pub fn hash_code_of_saved(
    info: Option<&ScanTypeInfo>,
    row: &SavedFinding,
    vulnerability_ids: &[String],
    cwe_labels: &[String],
    endpoints: &[SavedEndpoint],
) -> String {
    let cwe_number = |label: &str| label.trim_start_matches("CWE-").parse::<u32>().ok();
    let as_parsed = Finding {
        title: row.title.clone(),
        severity: row.severity.as_str().to_owned(),
        description: row.description.clone(),
        mitigation: row.mitigation.clone(),
        cwe: u32::try_from(row.cwe).ok(),
        cwes: cwe_labels.iter().filter_map(|l| cwe_number(l)).collect(),
        vulnerability_ids: vulnerability_ids.to_vec(),
        line: row.line,
        file_path: row.file_path.clone(),
        payload: row.payload.clone(),
        component_name: row.component_name.clone(),
        component_version: row.component_version.clone(),
        unique_id_from_tool: row.unique_id_from_tool.clone(),
        vuln_id_from_tool: row.vuln_id_from_tool.clone(),
        endpoints: endpoints
            .iter()
            .map(|e| Endpoint {
                protocol: e.protocol.clone(),
                userinfo: e.userinfo.clone(),
                host: e.host.clone(),
                port: e.port.and_then(|p| u16::try_from(p).ok()),
                path: e.path.clone(),
                query: e.query.clone(),
                fragment: e.fragment.clone(),
            })
            .collect(),
        ..Finding::default()
    };
    hash_code(
        info.unwrap_or(&NO_PARSER),
        &as_parsed,
        row.service.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casefold_expands_sharp_s() {
        assert_eq!(casefold("Straße ΣΑΣ µ"), "strasse σασ μ");
    }

    #[test]
    fn cve_goes_first_and_ids_are_unique() {
        let f = Finding {
            cve: Some("CVE-2".into()),
            vulnerability_ids: vec!["CVE-1".into(), " ".into(), "CVE-2".into()],
            ..Finding::default()
        };
        assert_eq!(vulnerability_ids(&f), ["CVE-2", "CVE-1"]);
    }
}
