//! The explicit registry of scan types.
//!
//! Metadata for all of DefectDojo's scan types lives in the generated
//! `registry_data.rs`; `PARSERS` names the ones this crate can parse. Keeping
//! dedupe settings beside the parser (instead of in a settings file, as
//! DefectDojo does) means adding a parser touches one list.

use crate::error::ParseError;
use crate::finding::ParseOutput;
use crate::registry_data::SCAN_TYPES;
use crate::stream::{Sink, SliceParser};
use crate::tools;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupAlgorithm {
    Legacy,
    HashCode,
    UniqueIdFromTool,
    UniqueIdFromToolOrHashCode,
}

impl DedupAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            DedupAlgorithm::Legacy => "legacy",
            DedupAlgorithm::HashCode => "hash_code",
            DedupAlgorithm::UniqueIdFromTool => "unique_id_from_tool",
            DedupAlgorithm::UniqueIdFromToolOrHashCode => "unique_id_from_tool_or_hash_code",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct ScanTypeInfo {
    pub name: &'static str,
    /// DefectDojo's `dojo/tools/<dir>` folder, also our module name.
    pub parser_dir: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    /// Empty means the legacy hash (title, cwe, line, file_path, description).
    pub hash_code_fields: &'static [&'static str],
    pub dedup_algorithm: DedupAlgorithm,
    pub hash_code_allows_null_cwe: bool,
    /// The parser reports several tests (DefectDojo's `get_tests`).
    pub multi_test: bool,
    /// A "detailed" variant of another scan type's parser.
    pub detailed: bool,
}

/// What a parser sees: the scan type chosen (detailed variants share a
/// function), the uploaded file's name (some formats dispatch on extension)
/// and its bytes.
pub struct Input<'a> {
    pub scan_type: &'static ScanTypeInfo,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

impl Input<'_> {
    pub fn detailed(&self) -> bool {
        self.scan_type.detailed
    }

    pub fn extension(&self) -> String {
        self.file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

pub(crate) type ParseFn = fn(&Input<'_>) -> Result<ParseOutput, ParseError>;

/// Scan type name → parser. One line per scan type.
static PARSERS: &[(&str, ParseFn)] = &[
    ("Generic Findings Import", tools::generic::parse),
    ("SARIF", tools::sarif::parse),
    ("Bandit Scan", tools::bandit::parse),
    ("Gosec Scanner", tools::gosec::parse),
    ("Semgrep JSON Report", tools::semgrep::parse),
    ("Trivy Scan", tools::trivy::parse),
    ("Anchore Grype", tools::anchore_grype::parse),
    ("Anchore Grype detailed", tools::anchore_grype::parse),
    ("Gitleaks Scan", tools::gitleaks::parse),
    ("Dependency Check Scan", tools::dependency_check::parse),
    ("ZAP Scan", tools::zap::parse),
    ("Burp Scan", tools::burp::parse),
    ("Nmap Scan", tools::nmap::parse),
    ("Snyk Scan", tools::snyk::parse),
    ("NPM Audit v7+ Scan", tools::npm_audit_7_plus::parse),
    ("pip-audit Scan", tools::pip_audit::parse),
    ("OSV Scan", tools::osv_scanner::parse),
    ("CycloneDX Scan", tools::cyclonedx::parse),
    ("CargoAudit Scan", tools::cargo_audit::parse),
    ("Detect-secrets Scan", tools::detect_secrets::parse),
    ("Trufflehog Scan", tools::trufflehog::parse),
    ("Hadolint Dockerfile check", tools::hadolint::parse),
    ("Checkov Scan", tools::checkov::parse),
    ("KICS Scan", tools::kics::parse),
    ("ESLint Scan", tools::eslint::parse),
    ("Brakeman Scan", tools::brakeman::parse),
    ("Tenable Scan", tools::tenable::parse),
    ("OpenVAS Parser", tools::openvas::parse),
    ("Nikto Scan", tools::nikto::parse),
    ("Checkmarx Scan", tools::checkmarx::parse),
    ("Checkmarx Scan detailed", tools::checkmarx::parse),
    ("SonarQube Scan", tools::sonarqube::parse),
    ("SonarQube Scan detailed", tools::sonarqube::parse),
    ("OpenVAS Parser v2", tools::openvas::parse),
    ("Snyk Code Scan", tools::snyk_code::parse),
    ("NPM Audit Scan", tools::npm_audit::parse),
    ("Trufflehog3 Scan", tools::trufflehog3::parse),
    ("Horusec Scan", tools::horusec::parse),
    ("Nuclei Scan", tools::nuclei::parse),
    ("PHP Security Audit v2", tools::php_security_audit_v2::parse),
    ("GitLab SAST Report", tools::gitlab_sast::parse),
    ("GitLab Container Scan", tools::gitlab_container_scan::parse),
    (
        "GitLab Dependency Scanning Report",
        tools::gitlab_dep_scan::parse,
    ),
    (
        "Dependency Track Finding Packaging Format (FPF) Export",
        tools::dependency_track::parse,
    ),
    ("Anchore Engine Scan", tools::anchore_engine::parse),
    ("Aqua Scan", tools::aqua::parse),
    ("Trivy Operator Scan", tools::trivy_operator::parse),
    ("Govulncheck Scanner", tools::govulncheck::parse),
    ("Kubescape JSON Importer", tools::kubescape::parse),
    ("AWS Prowler Scan", tools::aws_prowler::parse),
    ("AWS Prowler V3", tools::aws_prowler_v3plus::parse),
    ("Checkmarx One Scan", tools::checkmarx_one::parse),
    ("Testssl Scan", tools::testssl::parse),
    ("MSDefender Parser", tools::ms_defender::parse),
    (
        "Deepfence Threatmapper Report",
        tools::deepfence_threatmapper::parse,
    ),
    ("Popeye Scan", tools::popeye::parse),
    (
        "Mozilla Observatory Scan",
        tools::mozilla_observatory::parse,
    ),
    ("kube-bench Scan", tools::kubebench::parse),
    ("Wpscan", tools::wpscan::parse),
    ("pnpm Audit Scan", tools::pnpm_audit::parse),
    ("Clair Scan", tools::clair::parse),
    ("Yarn Audit Scan", tools::yarn_audit::parse),
    ("TFSec Scan", tools::tfsec::parse),
    ("Fortify Scan", tools::fortify::parse),
    ("Veracode Scan", tools::veracode::parse),
    ("SSLyze Scan (JSON)", tools::sslyze::parse),
    ("Sslscan", tools::sslscan::parse),
    ("JFrog Xray Unified Scan", tools::jfrog_xray_unified::parse),
    ("AWS Inspector2 Scan", tools::aws_inspector2::parse),
    ("Mobsfscan Scan", tools::mobsf::parse),
    ("njsscan Scan", tools::njsscan::parse),
    ("Terrascan Scan", tools::terrascan::parse),
    ("Dockle Scan", tools::dockle::parse),
    ("Nancy Scan", tools::nancy::parse),
    ("Composer Audit Scan", tools::composer_audit::parse),
    ("Xygeni SAST Scan", tools::xygeni::parse),
    ("Xygeni SCA Scan", tools::xygeni::parse),
    ("Xygeni Secrets Scan", tools::xygeni::parse),
    ("Zora Parser", tools::zora::parse),
    ("Sysdig Vulnerability Report", tools::sysdig_reports::parse),
    (
        "Github Vulnerability Scan",
        tools::github_vulnerability::parse,
    ),
    ("Acunetix Scan", tools::acunetix::parse),
    ("Qualys Scan", tools::qualys::parse),
    ("Qualys Webapp Scan", tools::qualys_webapp::parse),
    ("Nexpose Scan", tools::nexpose::parse),
    ("Wapiti Scan", tools::wapiti::parse),
    ("Arachni Scan", tools::arachni::parse),
    ("Retire.js Scan", tools::retirejs::parse),
    ("SSH Audit Importer", tools::ssh_audit::parse),
    (
        "OssIndex Devaudit SCA Scan Importer",
        tools::ossindex_devaudit::parse,
    ),
    ("Twistlock Image Scan", tools::twistlock::parse),
    ("AWS Security Hub Scan", tools::awssecurityhub::parse),
    ("StackHawk HawkScan", tools::stackhawk::parse),
    ("Prowler Scan", tools::prowler::parse),
    ("Cobalt.io API Import", tools::api_cobalt::parse),
    ("Checkmarx OSA", tools::checkmarx_osa::parse),
    (
        "GitLab Secret Detection Report",
        tools::gitlab_secret_detection_report::parse,
    ),
    ("GitLab DAST Report", tools::gitlab_dast::parse),
    ("Mend Scan", tools::mend::parse),
    ("Hydra Scan", tools::hydra::parse),
    ("HackerOne Cases", tools::h1::parse),
    ("WFuzz JSON report", tools::wfuzz::parse),
    ("DrHeader JSON Importer", tools::drheader::parse),
    ("IntSights Report", tools::intsights::parse),
    ("KubeHunter Scan", tools::kubehunter::parse),
    // (dev/add_parser.py inserts new entries above this line)
];

/// Parsers that hand findings over while they read (see [`crate::stream`]);
/// each is also in [`PARSERS`] in its whole-report form.
static SLICE_PARSERS: &[(&str, SliceParser)] = &[
    ("Generic Findings Import", tools::generic::parse_in_slices),
    ("SARIF", tools::sarif::parse_in_slices),
];

fn parser_fn(name: &str) -> Option<ParseFn> {
    PARSERS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Every scan type DefectDojo 3.2 registers, supported here or not.
pub fn all_scan_types() -> impl Iterator<Item = &'static ScanTypeInfo> {
    SCAN_TYPES.iter()
}

/// Metadata of any DefectDojo scan type, supported or not.
pub fn scan_type_info(name: &str) -> Option<&'static ScanTypeInfo> {
    SCAN_TYPES.iter().find(|t| t.name == name)
}

/// The scan types this crate can parse.
pub fn supported_scan_types() -> impl Iterator<Item = &'static ScanTypeInfo> {
    SCAN_TYPES.iter().filter(|t| parser_fn(t.name).is_some())
}

/// Metadata of a supported scan type.
pub fn scan_type(name: &str) -> Option<&'static ScanTypeInfo> {
    scan_type_info(name).filter(|t| parser_fn(t.name).is_some())
}

/// The parser of a scan type and what it is given.
fn prepare<'a>(
    scan_type: &str,
    file_name: &'a str,
    bytes: &'a [u8],
) -> Result<(ParseFn, Input<'a>), ParseError> {
    let info =
        scan_type_info(scan_type).ok_or_else(|| ParseError::UnknownScanType(scan_type.into()))?;
    let f = parser_fn(info.name).ok_or_else(|| ParseError::Unsupported(scan_type.into()))?;
    let input = Input {
        scan_type: info,
        file_name,
        bytes,
    };
    Ok((f, input))
}

/// Parses one report. Never panics on report content.
pub fn parse(scan_type: &str, file_name: &str, bytes: &[u8]) -> Result<ParseOutput, ParseError> {
    let (f, input) = prepare(scan_type, file_name, bytes)?;
    let mut out = f(&input)?;
    for t in &mut out.tests {
        for finding in &mut t.findings {
            strip_nul(finding);
        }
    }
    Ok(out)
}

/// Parses one report, handing its findings to `sink` a slice at a time and
/// returning the tests without findings. Large reports of the formats that
/// support it are never held as findings all at once; other formats are
/// parsed whole and handed over a test at a time. Never panics on report
/// content; an error from `sink` stops the parser and is returned.
pub fn parse_in_slices(
    scan_type: &str,
    file_name: &str,
    bytes: &[u8],
    sink: &mut Sink<'_>,
) -> Result<ParseOutput, ParseError> {
    let (f, input) = prepare(scan_type, file_name, bytes)?;
    let mut cleaned = |test: usize, mut findings: Vec<crate::finding::Finding>| {
        findings.iter_mut().for_each(strip_nul);
        sink(test, findings)
    };
    if let Some((_, slice_parser)) = SLICE_PARSERS
        .iter()
        .find(|(n, _)| *n == input.scan_type.name)
    {
        return slice_parser(&input, &mut cleaned);
    }
    let mut out = f(&input)?;
    for (index, test) in out.tests.iter_mut().enumerate() {
        let findings = std::mem::take(&mut test.findings);
        if !findings.is_empty() {
            cleaned(index, findings)?;
        }
    }
    Ok(out)
}

/// NUL characters cannot be stored in PostgreSQL text columns and DefectDojo
/// drops them, so they never leave the parser.
fn strip_nul(f: &mut crate::finding::Finding) {
    fn clean(s: &mut String) {
        if s.contains('\0') {
            s.retain(|c| c != '\0');
        }
    }
    clean(&mut f.title);
    clean(&mut f.description);
    for s in [
        &mut f.component_name,
        &mut f.component_version,
        &mut f.file_path,
        &mut f.mitigation,
        &mut f.references,
        &mut f.unique_id_from_tool,
        &mut f.vuln_id_from_tool,
    ]
    .into_iter()
    .flatten()
    {
        clean(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn scan_type_names_are_unique() {
        let names: HashSet<_> = SCAN_TYPES.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), SCAN_TYPES.len());
        assert_eq!(SCAN_TYPES.len(), 271);
    }

    #[test]
    fn slice_parsers_are_registered_parsers() {
        for (name, _) in SLICE_PARSERS {
            assert!(
                parser_fn(name).is_some(),
                "{name} has no whole-report parser"
            );
        }
    }

    #[test]
    fn every_parser_names_a_known_scan_type_once() {
        let mut seen = HashSet::new();
        for (name, _) in PARSERS {
            assert!(scan_type_info(name).is_some(), "unknown scan type {name}");
            assert!(seen.insert(*name), "registered twice: {name}");
        }
    }

    #[test]
    fn dedupe_settings_match_defectdojo() {
        let bandit = scan_type_info("Bandit Scan").expect("bandit");
        assert_eq!(
            bandit.hash_code_fields,
            &["file_path", "line", "vuln_id_from_tool"]
        );
        assert_eq!(bandit.dedup_algorithm, DedupAlgorithm::HashCode);
        let cx = scan_type_info("Checkmarx Scan detailed").expect("checkmarx");
        assert!(cx.detailed);
        assert_eq!(cx.dedup_algorithm, DedupAlgorithm::UniqueIdFromTool);
        assert!(
            !scan_type_info("Checkmarx Scan")
                .expect("cx")
                .hash_code_allows_null_cwe
        );
    }

    #[test]
    fn unknown_and_unsupported_scan_types_are_errors() {
        assert!(matches!(
            parse("No Such Scan", "x", b""),
            Err(ParseError::UnknownScanType(_))
        ));
        assert!(scan_type("VCG Scan").is_none() || parse("VCG Scan", "x", b"").is_ok());
    }
}
