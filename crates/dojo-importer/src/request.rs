//! What an import or reimport is asked to do, already parsed from the wire, and
//! what it answers.

use chrono::NaiveDate;
use dojo_domain::Severity;
use serde::Serialize;

/// The uploaded report. `Bytes` so that handing it to the parser's thread
/// shares the upload instead of copying it (100 MB reports are allowed).
#[derive(Debug, Clone)]
pub struct Report {
    pub file_name: String,
    pub bytes: bytes::Bytes,
}

/// The user on whose behalf the import runs.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: i64,
    pub is_superuser: bool,
}

/// The parameters of `import-scan` and `reimport-scan` (api.md §4.1, §4.2).
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub scan_type: String,
    pub report: Option<Report>,
    /// `engagement` (import only).
    pub engagement_id: Option<i64>,
    /// `test` (reimport only).
    pub test_id: Option<i64>,
    pub product_type_name: Option<String>,
    pub product_name: Option<String>,
    pub engagement_name: Option<String>,
    pub test_title: Option<String>,
    pub auto_create_context: bool,
    pub engagement_end_date: Option<NaiveDate>,
    pub deduplication_on_engagement: bool,
    pub source_code_management_uri: Option<String>,
    pub scan_date: Option<NaiveDate>,
    pub minimum_severity: Severity,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub close_old_findings: bool,
    pub close_old_findings_product_scope: bool,
    pub do_not_reactivate: bool,
    pub push_to_jira: bool,
    pub environment: Option<String>,
    pub version: Option<String>,
    pub build_id: Option<String>,
    pub branch_tag: Option<String>,
    pub commit_hash: Option<String>,
    pub service: Option<String>,
    pub tags: Vec<String>,
    pub apply_tags_to_findings: bool,
    pub apply_tags_to_endpoints: bool,
    pub group_by: Option<String>,
    pub create_finding_groups_for_all_findings: bool,
    pub lead_id: Option<i64>,
    pub endpoint_to_add: Option<i64>,
    pub api_scan_configuration: Option<i64>,
}

impl ImportRequest {
    /// A request with DefectDojo's defaults for import (`close_old_findings` false).
    pub fn new(scan_type: impl Into<String>) -> Self {
        ImportRequest {
            scan_type: scan_type.into(),
            report: None,
            engagement_id: None,
            test_id: None,
            product_type_name: None,
            product_name: None,
            engagement_name: None,
            test_title: None,
            auto_create_context: false,
            engagement_end_date: None,
            deduplication_on_engagement: false,
            source_code_management_uri: None,
            scan_date: None,
            minimum_severity: Severity::Info,
            active: None,
            verified: None,
            close_old_findings: false,
            close_old_findings_product_scope: false,
            do_not_reactivate: false,
            push_to_jira: false,
            environment: None,
            version: None,
            build_id: None,
            branch_tag: None,
            commit_hash: None,
            service: None,
            tags: Vec::new(),
            apply_tags_to_findings: false,
            apply_tags_to_endpoints: false,
            group_by: None,
            create_finding_groups_for_all_findings: true,
            lead_id: None,
            endpoint_to_add: None,
            api_scan_configuration: None,
        }
    }

    /// The service, when it is not blank.
    pub(crate) fn service(&self) -> Option<&str> {
        self.service.as_deref().filter(|s| !s.trim().is_empty())
    }
}

/// Counts of one group of findings by status (domain §16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub active: i64,
    pub verified: i64,
    pub duplicate: i64,
    pub false_p: i64,
    pub out_of_scope: i64,
    pub is_mitigated: i64,
    pub risk_accepted: i64,
    pub total: i64,
}

/// Status counts per severity and in total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub info: StatusCounts,
    pub low: StatusCounts,
    pub medium: StatusCounts,
    pub high: StatusCounts,
    pub critical: StatusCounts,
    pub total: StatusCounts,
}

/// What a reimport did, per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Delta {
    pub created: SeverityCounts,
    pub closed: SeverityCounts,
    pub reactivated: SeverityCounts,
    pub untouched: SeverityCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Statistics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<SeverityCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<Delta>,
    pub after: SeverityCounts,
}

/// Which parents of the test an import created (`auto_create_context`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Created {
    pub product_type: bool,
    pub product: bool,
    pub engagement: bool,
}

/// The result of an import or reimport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub test_id: i64,
    /// Whether the run created its test (every import; a reimport that found none).
    pub new_test: bool,
    /// The parents the run created.
    pub created_parents: Created,
    pub engagement_id: i64,
    pub product_id: i64,
    pub product_type_id: i64,
    pub test_import_id: i64,
    pub statistics: Statistics,
    pub created: usize,
    pub closed: usize,
    pub reactivated: usize,
    pub untouched: usize,
    /// Findings of this run that de-duplication marked as duplicates.
    pub duplicates: usize,
    /// Uploaded files of findings deleted as excess duplicates, for the caller
    /// to remove from disk once the transaction has committed.
    pub deleted_files: Vec<String>,
}
