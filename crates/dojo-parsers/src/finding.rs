//! The parsed finding: DefectDojo's Finding fields as a parser leaves them,
//! before the importer adds product context, numerical severity or hash codes.

use chrono::{NaiveDate, NaiveDateTime};

use crate::endpoint::Endpoint;

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub title: String,
    /// One of Critical, High, Medium, Low, Info (see [`normalize_severity`]).
    pub severity: String,
    pub description: String,
    pub mitigation: Option<String>,
    pub impact: Option<String>,
    pub references: Option<String>,
    pub steps_to_reproduce: Option<String>,
    pub severity_justification: Option<String>,
    /// `None` means the parser found no date; the importer uses today.
    pub date: Option<NaiveDate>,
    pub cwe: Option<u32>,
    /// Extra CWEs beyond `cwe` (DefectDojo's `unsaved_cwes`).
    pub cwes: Vec<u32>,
    pub cve: Option<String>,
    pub cvssv3: Option<String>,
    pub cvssv3_score: Option<f64>,
    pub cvssv4: Option<String>,
    pub cvssv4_score: Option<f64>,
    pub epss_score: Option<f64>,
    pub epss_percentile: Option<f64>,
    pub known_exploited: bool,
    pub url: Option<String>,
    pub file_path: Option<String>,
    pub line: Option<i64>,
    pub sast_source_object: Option<String>,
    pub sast_sink_object: Option<String>,
    pub sast_source_line: Option<i64>,
    pub sast_source_file_path: Option<String>,
    pub component_name: Option<String>,
    pub component_version: Option<String>,
    pub unique_id_from_tool: Option<String>,
    pub vuln_id_from_tool: Option<String>,
    pub vulnerability_ids: Vec<String>,
    pub endpoints: Vec<Endpoint>,
    pub tags: Vec<String>,
    pub active: bool,
    pub verified: bool,
    pub false_p: bool,
    pub duplicate: bool,
    pub out_of_scope: bool,
    pub risk_accepted: bool,
    pub under_review: bool,
    pub is_mitigated: bool,
    pub mitigated: Option<NaiveDateTime>,
    pub static_finding: bool,
    pub dynamic_finding: bool,
    pub nb_occurences: Option<i64>,
    pub param: Option<String>,
    pub payload: Option<String>,
    pub service: Option<String>,
    pub fix_available: Option<bool>,
    pub fix_version: Option<String>,
    pub scanner_confidence: Option<i64>,
    pub publish_date: Option<NaiveDate>,
    pub planned_remediation_date: Option<NaiveDate>,
    pub planned_remediation_version: Option<String>,
    pub effort_for_fixing: Option<String>,
    /// A hash the parser computes itself (a few tools do); normally `None`.
    pub hash_code: Option<String>,
    /// HTTP request/response pairs some DAST tools attach.
    pub req_resp: Vec<(String, String)>,
}

impl Default for Finding {
    /// DefectDojo's model defaults: active, unverified and dynamic.
    fn default() -> Self {
        Finding {
            title: String::new(),
            severity: "Info".into(),
            description: String::new(),
            mitigation: None,
            impact: None,
            references: None,
            steps_to_reproduce: None,
            severity_justification: None,
            date: None,
            cwe: None,
            cwes: Vec::new(),
            cve: None,
            cvssv3: None,
            cvssv3_score: None,
            cvssv4: None,
            cvssv4_score: None,
            epss_score: None,
            epss_percentile: None,
            known_exploited: false,
            url: None,
            file_path: None,
            line: None,
            sast_source_object: None,
            sast_sink_object: None,
            sast_source_line: None,
            sast_source_file_path: None,
            component_name: None,
            component_version: None,
            unique_id_from_tool: None,
            vuln_id_from_tool: None,
            vulnerability_ids: Vec::new(),
            endpoints: Vec::new(),
            tags: Vec::new(),
            active: true,
            verified: false,
            false_p: false,
            duplicate: false,
            out_of_scope: false,
            risk_accepted: false,
            under_review: false,
            is_mitigated: false,
            mitigated: None,
            static_finding: false,
            dynamic_finding: true,
            nb_occurences: None,
            param: None,
            payload: None,
            service: None,
            fix_available: None,
            fix_version: None,
            scanner_confidence: None,
            publish_date: None,
            planned_remediation_date: None,
            planned_remediation_version: None,
            effort_for_fixing: None,
            hash_code: None,
            req_resp: Vec::new(),
        }
    }
}

impl Finding {
    /// A static-analysis finding (code, dependencies, configuration).
    pub fn new_static(title: impl Into<String>, severity: impl Into<String>) -> Self {
        Finding {
            title: title.into(),
            severity: severity.into(),
            static_finding: true,
            dynamic_finding: false,
            ..Finding::default()
        }
    }

    /// A dynamic finding (running service).
    pub fn new_dynamic(title: impl Into<String>, severity: impl Into<String>) -> Self {
        Finding {
            title: title.into(),
            severity: severity.into(),
            ..Finding::default()
        }
    }

    /// Adds a vulnerability id unless blank or already present.
    pub fn add_vulnerability_id(&mut self, id: impl Into<String>) {
        let id = id.into();
        let id = id.trim();
        if !id.is_empty() && !self.vulnerability_ids.iter().any(|v| v == id) {
            self.vulnerability_ids.push(id.to_string());
        }
    }
}

/// One test in a report; most tools have one, some (Generic, SARIF) several.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedTest {
    pub name: Option<String>,
    pub test_type: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseOutput {
    pub tests: Vec<ParsedTest>,
}

impl ParseOutput {
    pub fn single(findings: Vec<Finding>) -> Self {
        ParseOutput {
            tests: vec![ParsedTest {
                findings,
                ..ParsedTest::default()
            }],
        }
    }

    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.tests.iter().flat_map(|t| t.findings.iter())
    }

    pub fn finding_count(&self) -> usize {
        self.tests.iter().map(|t| t.findings.len()).sum()
    }

    /// The findings of every test, in order.
    pub fn into_findings(self) -> Vec<Finding> {
        self.tests.into_iter().flat_map(|t| t.findings).collect()
    }
}

/// Maps a tool's severity word onto DefectDojo's five levels, the way the
/// importer does: anything starting with "info" or equal to "none" is Info;
/// unknown words are kept so the caller can decide.
pub fn normalize_severity(raw: &str) -> String {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "critical" | "crit" => "Critical".into(),
        "high" => "High".into(),
        "medium" | "moderate" | "med" => "Medium".into(),
        "low" => "Low".into(),
        "none" | "" => "Info".into(),
        l if l.starts_with("info") => "Info".into(),
        _ => s.to_string(),
    }
}

/// Like [`normalize_severity`] but falls back to `default` for unknown words.
pub fn severity_or(raw: &str, default: &str) -> String {
    let s = normalize_severity(raw);
    if matches!(s.as_str(), "Critical" | "High" | "Medium" | "Low" | "Info") {
        s
    } else {
        default.to_string()
    }
}

/// DefectDojo's CVSS v3 score bands.
pub fn severity_from_cvss(score: f64) -> &'static str {
    if score >= 9.0 {
        "Critical"
    } else if score >= 7.0 {
        "High"
    } else if score >= 4.0 {
        "Medium"
    } else if score > 0.0 {
        "Low"
    } else {
        "Info"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_words_normalise() {
        assert_eq!(normalize_severity("HIGH"), "High");
        assert_eq!(normalize_severity("informational"), "Info");
        assert_eq!(normalize_severity("none"), "Info");
        assert_eq!(normalize_severity("moderate"), "Medium");
        assert_eq!(severity_or("weird", "Low"), "Low");
    }

    #[test]
    fn defaults_follow_defectdojo_model() {
        let f = Finding::default();
        assert!(f.active && f.dynamic_finding && !f.static_finding && !f.verified);
        let s = Finding::new_static("t", "High");
        assert!(s.static_finding && !s.dynamic_finding);
    }
}
