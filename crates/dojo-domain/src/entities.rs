//! The stored entities of DefectDojo's model (domain.md), one struct per table.
//! Field names are DefectDojo's; foreign keys carry an `_id` suffix. `Default` gives
//! DefectDojo's defaults where it has them, so callers write only what differs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::Id;
use crate::*;

/// Applies the derives every entity needs; row mapping only with the `sqlx` feature.
macro_rules! entity {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
        pub struct $name { $($body)* }
    };
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

entity! {
    /// Days to fix per severity, shared by the products that use it.
    pub struct SlaConfiguration {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
        pub critical: i64,
        pub high: i64,
        pub medium: i64,
        pub low: i64,
        pub enforce_critical: bool,
        pub enforce_high: bool,
        pub enforce_medium: bool,
        pub enforce_low: bool,
        pub restart_sla_on_reactivation: bool,
        pub async_updating: bool,
    }
}

impl Default for SlaConfiguration {
    fn default() -> Self {
        let [critical, high, medium, low] = crate::sla::DEFAULT_DAYS;
        Self {
            id: 0,
            name: String::new(),
            description: None,
            critical,
            high,
            medium,
            low,
            enforce_critical: true,
            enforce_high: true,
            enforce_medium: true,
            enforce_low: true,
            restart_sla_on_reactivation: false,
            async_updating: false,
        }
    }
}

entity! {
    pub struct User {
        pub id: Id,
        pub username: String,
        pub first_name: String,
        pub last_name: String,
        pub email: String,
        /// PHC string of the argon2 hash; empty means no usable password.
        #[serde(skip_serializing)]
        pub password: String,
        pub is_active: bool,
        pub is_staff: bool,
        pub is_superuser: bool,
        pub last_login: Option<DateTime<Utc>>,
        pub date_joined: DateTime<Utc>,
    }
}

impl Default for User {
    fn default() -> Self {
        Self {
            id: 0,
            username: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            password: String::new(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            last_login: None,
            date_joined: epoch(),
        }
    }
}

impl User {
    /// DefectDojo's display name: "First Last (username)", or the username alone.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        let full = full.trim();
        if full.is_empty() {
            self.username.clone()
        } else {
            format!("{full} ({})", self.username)
        }
    }
}

entity! {
    #[derive(Default)]
    pub struct UserContactInfo {
        pub id: Id,
        pub user_id: Id,
        pub title: Option<String>,
        pub phone_number: Option<String>,
        pub cell_number: Option<String>,
        pub twitter_username: Option<String>,
        pub github_username: Option<String>,
        pub slack_username: Option<String>,
        pub slack_user_id: Option<String>,
        pub block_execution: bool,
        pub deduplication_execution_mode: Option<DeduplicationExecutionMode>,
        pub force_password_reset: bool,
        pub ui_use_tailwind: bool,
        pub token_last_reset: Option<DateTime<Utc>>,
        pub password_last_reset: Option<DateTime<Utc>>,
        pub user_state_details: Option<sqlx_json::JsonValue>,
    }
}

entity! {
    #[derive(Default)]
    pub struct Group {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
        pub social_provider: Option<GroupSocialProvider>,
    }
}

entity! {
    #[derive(Default)]
    pub struct GroupMember {
        pub id: Id,
        pub group_id: Id,
        pub user_id: Id,
        pub role_id: Id,
    }
}

entity! {
    /// A role held everywhere, by a user or (exclusively) a group.
    #[derive(Default)]
    pub struct GlobalRole {
        pub id: Id,
        pub user_id: Option<Id>,
        pub group_id: Option<Id>,
        pub role_id: Option<Id>,
    }
}

entity! {
    /// A user's or group's role on one product type or product.
    #[derive(Default)]
    pub struct ProductTypeMember {
        pub id: Id,
        pub product_type_id: Id,
        pub user_id: Id,
        pub role_id: Id,
    }
}

entity! {
    #[derive(Default)]
    pub struct ProductTypeGroup {
        pub id: Id,
        pub product_type_id: Id,
        pub group_id: Id,
        pub role_id: Id,
    }
}

entity! {
    #[derive(Default)]
    pub struct ProductMember {
        pub id: Id,
        pub product_id: Id,
        pub user_id: Id,
        pub role_id: Id,
    }
}

entity! {
    #[derive(Default)]
    pub struct ProductGroup {
        pub id: Id,
        pub product_id: Id,
        pub group_id: Id,
        pub role_id: Id,
    }
}

entity! {
    /// An "Organization" in DefectDojo 3's UI.
    pub struct ProductType {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
        pub critical_product: bool,
        pub key_product: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

impl Default for ProductType {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            description: None,
            critical_product: false,
            key_product: false,
            created: epoch(),
            updated: epoch(),
        }
    }
}

entity! {
    #[derive(Default)]
    pub struct Regulation {
        pub id: Id,
        pub name: String,
        pub acronym: String,
        pub category: RegulationCategory,
        pub jurisdiction: String,
        pub description: Option<String>,
        pub reference: Option<String>,
    }
}

entity! {
    /// An "Asset" in DefectDojo 3's UI.
    pub struct Product {
        pub id: Id,
        pub name: String,
        pub description: String,
        pub prod_type_id: Id,
        pub sla_configuration_id: Id,
        pub product_manager_id: Option<Id>,
        pub technical_contact_id: Option<Id>,
        pub team_manager_id: Option<Id>,
        pub business_criticality: Option<BusinessCriticality>,
        pub platform: Option<Platform>,
        pub lifecycle: Option<Lifecycle>,
        pub origin: Option<Origin>,
        pub user_records: Option<i64>,
        /// `revenue` decimal(15,2), held as whole cents.
        pub revenue_cents: Option<i64>,
        pub external_audience: bool,
        pub internet_accessible: bool,
        pub enable_product_tag_inheritance: bool,
        pub enable_simple_risk_acceptance: bool,
        pub enable_full_risk_acceptance: bool,
        pub disable_sla_breach_notifications: bool,
        pub prod_numeric_grade: Option<i64>,
        pub tid: i64,
        pub async_updating: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

impl Default for Product {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            description: String::new(),
            prod_type_id: 0,
            sla_configuration_id: 1,
            product_manager_id: None,
            technical_contact_id: None,
            team_manager_id: None,
            business_criticality: None,
            platform: None,
            lifecycle: None,
            origin: None,
            user_records: None,
            revenue_cents: None,
            external_audience: false,
            internet_accessible: false,
            enable_product_tag_inheritance: false,
            enable_simple_risk_acceptance: false,
            enable_full_risk_acceptance: true,
            disable_sla_breach_notifications: false,
            prod_numeric_grade: None,
            tid: 0,
            async_updating: false,
            created: epoch(),
            updated: epoch(),
        }
    }
}

impl Product {
    /// `revenue` as DefectDojo serialises a decimal(15,2): a string with two decimals.
    pub fn revenue(&self) -> Option<String> {
        self.revenue_cents
            .map(|c| format!("{}.{:02}", c / 100, (c % 100).abs()))
    }

    /// Parses a decimal(15,2) revenue such as "1234.5" into cents.
    pub fn parse_revenue(text: &str) -> Result<i64, ValidationError> {
        let invalid = || ValidationError::new("revenue", "A valid number is required.");
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        if fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(ValidationError::new(
                "revenue",
                "Ensure that there are no more than 2 decimal places.",
            ));
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        if whole.len() > 13 {
            return Err(ValidationError::new(
                "revenue",
                "Ensure that there are no more than 15 digits in total.",
            ));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| invalid())?
        };
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        Ok(whole * 100 + cents)
    }
}

entity! {
    #[derive(Default)]
    pub struct Contact {
        pub id: Id,
        pub name: String,
        pub email: String,
        pub team: String,
        pub is_admin: bool,
        pub is_globally_read_only: bool,
    }
}

entity! {
    #[derive(Default)]
    pub struct CicdInfrastructure {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
        pub url: Option<String>,
        pub infrastructure_type: CicdInfrastructureType,
    }
}

entity! {
    #[derive(Default)]
    pub struct DevelopmentEnvironment {
        pub id: Id,
        pub name: String,
    }
}

entity! {
    pub struct TestType {
        pub id: Id,
        pub name: String,
        pub static_tool: bool,
        pub dynamic_tool: bool,
        pub active: bool,
        pub dynamically_generated: bool,
    }
}

impl Default for TestType {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            static_tool: false,
            dynamic_tool: false,
            active: true,
            dynamically_generated: false,
        }
    }
}

entity! {
    pub struct EngagementPresets {
        pub id: Id,
        pub title: String,
        pub notes: Option<String>,
        pub scope: Option<String>,
        pub product_id: Id,
        pub created: DateTime<Utc>,
    }
}

entity! {
    pub struct Engagement {
        pub id: Id,
        pub name: Option<String>,
        pub description: Option<String>,
        pub version: Option<String>,
        pub first_contacted: Option<NaiveDate>,
        pub target_start: NaiveDate,
        pub target_end: NaiveDate,
        pub lead_id: Option<Id>,
        pub requester_id: Option<Id>,
        pub preset_id: Option<Id>,
        pub reason: Option<String>,
        pub report_type_id: Option<Id>,
        pub product_id: Id,
        pub active: bool,
        pub tracker: Option<String>,
        pub test_strategy: Option<String>,
        pub threat_model: bool,
        pub api_test: bool,
        pub pen_test: bool,
        pub check_list: bool,
        pub status: EngagementStatus,
        pub progress: String,
        pub tmodel_path: String,
        pub done_testing: bool,
        pub engagement_type: EngagementType,
        pub build_id: Option<String>,
        pub commit_hash: Option<String>,
        pub branch_tag: Option<String>,
        pub source_code_management_uri: Option<String>,
        pub cicd_scm_server_id: Option<Id>,
        pub cicd_build_server_id: Option<Id>,
        pub cicd_orchestration_engine_id: Option<Id>,
        pub deduplication_on_engagement: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

impl Default for Engagement {
    fn default() -> Self {
        Self {
            id: 0,
            name: None,
            description: None,
            version: None,
            first_contacted: None,
            target_start: NaiveDate::default(),
            target_end: NaiveDate::default(),
            lead_id: None,
            requester_id: None,
            preset_id: None,
            reason: None,
            report_type_id: None,
            product_id: 0,
            active: true,
            tracker: None,
            test_strategy: None,
            threat_model: true,
            api_test: true,
            pen_test: true,
            check_list: true,
            status: EngagementStatus::NotStarted,
            progress: "threat_model".to_owned(),
            tmodel_path: "none".to_owned(),
            done_testing: false,
            engagement_type: EngagementType::Interactive,
            build_id: None,
            commit_hash: None,
            branch_tag: None,
            source_code_management_uri: None,
            cicd_scm_server_id: None,
            cicd_build_server_id: None,
            cicd_orchestration_engine_id: None,
            deduplication_on_engagement: false,
            created: epoch(),
            updated: epoch(),
        }
    }
}

impl Engagement {
    /// DefectDojo names an unnamed engagement after its start date.
    pub fn effective_name(&self) -> String {
        match &self.name {
            Some(name) if !name.is_empty() => name.clone(),
            _ => self.target_start.to_string(),
        }
    }

    /// Closing marks it inactive and Completed; reopening active and In Progress.
    pub fn close(&mut self) {
        self.active = false;
        self.status = EngagementStatus::Completed;
    }

    pub fn reopen(&mut self) {
        self.active = true;
        self.status = EngagementStatus::InProgress;
    }

    /// Overdue once `target_end` lies before today minus a grace of 10 days for CI/CD.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        let grace = match self.engagement_type {
            EngagementType::CiCd => 10,
            EngagementType::Interactive => 0,
        };
        today
            .checked_sub_days(chrono::Days::new(grace))
            .is_some_and(|limit| self.target_end < limit)
    }
}

entity! {
    pub struct CheckList {
        pub id: Id,
        pub engagement_id: Id,
        pub session_management: String,
        pub encryption_crypto: String,
        pub configuration_management: String,
        pub authentication: String,
        pub authorization_and_access_control: String,
        pub data_input_sanitization_validation: String,
        pub sensitive_data: String,
        pub other: String,
    }
}

entity! {
    pub struct Test {
        pub id: Id,
        pub engagement_id: Id,
        pub lead_id: Option<Id>,
        pub test_type_id: Id,
        pub scan_type: Option<String>,
        pub title: Option<String>,
        pub description: Option<String>,
        pub target_start: DateTime<Utc>,
        pub target_end: DateTime<Utc>,
        pub percent_complete: Option<i64>,
        pub environment_id: Option<Id>,
        pub version: Option<String>,
        pub build_id: Option<String>,
        pub commit_hash: Option<String>,
        pub branch_tag: Option<String>,
        pub api_scan_configuration_id: Option<Id>,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

impl Default for Test {
    fn default() -> Self {
        Self {
            id: 0,
            engagement_id: 0,
            lead_id: None,
            test_type_id: 0,
            scan_type: None,
            title: None,
            description: None,
            target_start: epoch(),
            target_end: epoch(),
            percent_complete: None,
            environment_id: None,
            version: None,
            build_id: None,
            commit_hash: None,
            branch_tag: None,
            api_scan_configuration_id: None,
            created: epoch(),
            updated: epoch(),
        }
    }
}

entity! {
    pub struct Finding {
        pub id: Id,
        pub test_id: Id,
        /// The product of the finding's test; kept in step by storage.
        pub product_id: Id,
        pub title: String,
        pub date: NaiveDate,
        pub sla_start_date: Option<NaiveDate>,
        pub sla_expiration_date: Option<NaiveDate>,
        pub cwe: i64,
        pub cve: Option<String>,
        pub epss_score: Option<f64>,
        pub epss_percentile: Option<f64>,
        pub known_exploited: bool,
        pub ransomware_used: bool,
        pub kev_date: Option<NaiveDate>,
        pub cvssv3: Option<String>,
        pub cvssv3_score: Option<f64>,
        pub cvssv4: Option<String>,
        pub cvssv4_score: Option<f64>,
        pub url: Option<String>,
        pub severity: Severity,
        pub description: String,
        pub mitigation: Option<String>,
        pub fix_available: Option<bool>,
        pub fix_version: Option<String>,
        pub impact: Option<String>,
        pub steps_to_reproduce: Option<String>,
        pub severity_justification: Option<String>,
        /// DefectDojo's `references` (a reserved word in SQL).
        #[serde(rename = "references")]
        pub refs: Option<String>,
        pub active: bool,
        pub verified: bool,
        pub false_p: bool,
        pub duplicate: bool,
        pub duplicate_finding_id: Option<Id>,
        pub out_of_scope: bool,
        pub risk_accepted: bool,
        pub under_review: bool,
        pub last_status_update: Option<DateTime<Utc>>,
        pub review_requested_by_id: Option<Id>,
        pub under_defect_review: bool,
        pub defect_review_requested_by_id: Option<Id>,
        pub is_mitigated: bool,
        pub thread_id: i64,
        pub mitigated: Option<DateTime<Utc>>,
        pub mitigated_by_id: Option<Id>,
        pub reporter_id: Id,
        pub numerical_severity: String,
        pub last_reviewed: Option<DateTime<Utc>>,
        pub last_reviewed_by_id: Option<Id>,
        pub param: Option<String>,
        pub payload: Option<String>,
        pub hash_code: Option<String>,
        pub line: Option<i64>,
        pub file_path: Option<String>,
        pub component_name: Option<String>,
        pub component_version: Option<String>,
        pub static_finding: bool,
        pub dynamic_finding: bool,
        pub scanner_confidence: Option<i64>,
        pub unique_id_from_tool: Option<String>,
        pub vuln_id_from_tool: Option<String>,
        pub sast_source_object: Option<String>,
        pub sast_sink_object: Option<String>,
        pub sast_source_line: Option<i64>,
        pub sast_source_file_path: Option<String>,
        pub nb_occurences: Option<i64>,
        pub publish_date: Option<NaiveDate>,
        pub service: Option<String>,
        pub planned_remediation_date: Option<NaiveDate>,
        pub planned_remediation_version: Option<String>,
        pub effort_for_fixing: Option<String>,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

impl Default for Finding {
    fn default() -> Self {
        Self {
            id: 0,
            test_id: 0,
            product_id: 0,
            title: String::new(),
            date: NaiveDate::default(),
            sla_start_date: None,
            sla_expiration_date: None,
            cwe: 0,
            cve: None,
            epss_score: None,
            epss_percentile: None,
            known_exploited: false,
            ransomware_used: false,
            kev_date: None,
            cvssv3: None,
            cvssv3_score: None,
            cvssv4: None,
            cvssv4_score: None,
            url: None,
            severity: Severity::Info,
            description: String::new(),
            mitigation: None,
            fix_available: None,
            fix_version: None,
            impact: None,
            steps_to_reproduce: None,
            severity_justification: None,
            refs: None,
            active: true,
            verified: false,
            false_p: false,
            duplicate: false,
            duplicate_finding_id: None,
            out_of_scope: false,
            risk_accepted: false,
            under_review: false,
            last_status_update: None,
            review_requested_by_id: None,
            under_defect_review: false,
            defect_review_requested_by_id: None,
            is_mitigated: false,
            thread_id: 0,
            mitigated: None,
            mitigated_by_id: None,
            reporter_id: 1,
            numerical_severity: Severity::Info.numerical().to_owned(),
            last_reviewed: None,
            last_reviewed_by_id: None,
            param: None,
            payload: None,
            hash_code: None,
            line: None,
            file_path: None,
            component_name: None,
            component_version: None,
            static_finding: false,
            dynamic_finding: true,
            scanner_confidence: None,
            unique_id_from_tool: None,
            vuln_id_from_tool: None,
            sast_source_object: None,
            sast_sink_object: None,
            sast_source_line: None,
            sast_source_file_path: None,
            nb_occurences: None,
            publish_date: None,
            service: None,
            planned_remediation_date: None,
            planned_remediation_version: None,
            effort_for_fixing: None,
            created: epoch(),
            updated: epoch(),
        }
    }
}

impl Finding {
    /// What DefectDojo's `save()` normalises on every write: title truncated to 511
    /// characters, `numerical_severity` from severity, blank components as NULL.
    pub fn normalise_for_save(&mut self) {
        if self.title.chars().count() > 511 {
            self.title = self.title.chars().take(511).collect();
        }
        self.numerical_severity = self.severity.numerical().to_owned();
        for field in [&mut self.component_name, &mut self.component_version] {
            if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *field = None;
            }
        }
    }

    /// DefectDojo's status string, e.g. "Active, Verified".
    pub fn status(&self) -> String {
        let mut parts = Vec::new();
        if self.under_review {
            parts.push("Under Review");
        }
        parts.push(if self.active { "Active" } else { "Inactive" });
        if self.verified {
            parts.push("Verified");
        }
        if self.mitigated.is_some() || self.is_mitigated {
            parts.push("Mitigated");
        }
        if self.false_p {
            parts.push("False Positive");
        }
        if self.out_of_scope {
            parts.push("Out Of Scope");
        }
        if self.duplicate {
            parts.push("Duplicate");
        }
        if self.risk_accepted {
            parts.push("Risk Accepted");
        }
        parts.join(", ")
    }

    /// DefectDojo's status hooks (workflows a.4), run when a finding is created
    /// (`before` is `None`) or saved with a changed status field. `user_id` fills
    /// `mitigated_by` where the rules need someone.
    pub fn apply_status_hooks(
        &mut self,
        before: Option<&Finding>,
        user_id: Id,
        now: DateTime<Utc>,
    ) {
        if let Some(old) = before {
            let status_changed = old.active != self.active
                || old.verified != self.verified
                || old.false_p != self.false_p
                || old.is_mitigated != self.is_mitigated
                || old.mitigated != self.mitigated
                || old.mitigated_by_id != self.mitigated_by_id
                || old.out_of_scope != self.out_of_scope
                || old.risk_accepted != self.risk_accepted;
            if !status_changed {
                return;
            }
        }
        let became = |now_set: bool, was: Option<bool>| now_set && was != Some(true);
        let mitigated_before = before.map(|old| old.is_mitigated);
        if became(self.is_mitigated, mitigated_before) {
            self.mitigated.get_or_insert(now);
            self.mitigated_by_id.get_or_insert(user_id);
        } else if !self.is_mitigated && mitigated_before == Some(true) {
            self.mitigated = None;
            self.mitigated_by_id = None;
        }
        if self.is_mitigated {
            self.mitigated.get_or_insert(now);
            self.mitigated_by_id.get_or_insert(user_id);
        }
        if became(self.active, before.map(|old| old.active)) {
            self.false_p = false;
            self.out_of_scope = false;
            self.is_mitigated = false;
            self.mitigated = None;
            self.mitigated_by_id = None;
        }
        let false_p_set = became(self.false_p, before.map(|old| old.false_p));
        let out_of_scope_set = became(self.out_of_scope, before.map(|old| old.out_of_scope));
        if false_p_set || out_of_scope_set {
            self.is_mitigated = true;
            self.active = false;
            self.verified = false;
            self.mitigated.get_or_insert(now);
            self.mitigated_by_id.get_or_insert(user_id);
        }
        if !self.duplicate {
            self.duplicate_finding_id = None;
        }
        self.last_status_update = Some(now);
    }

    /// The status rules the API and forms enforce (domain.md §7.2).
    pub fn validate_status(&self) -> Result<(), ValidationError> {
        if self.duplicate && (self.active || self.verified) {
            return Err(ValidationError::new(
                "duplicate",
                "Duplicate findings cannot be verified or active",
            ));
        }
        if self.false_p && self.verified {
            return Err(ValidationError::new(
                "false_p",
                "False positive findings cannot be verified.",
            ));
        }
        if self.active && self.risk_accepted {
            return Err(ValidationError::new(
                "risk_accepted",
                "Active findings cannot be risk accepted.",
            ));
        }
        Ok(())
    }
}

entity! {
    pub struct Vulnerability {
        pub id: Id,
        pub vulnerability_id: String,
        pub vulnerability_id_type: Option<String>,
        pub epss_score: Option<f64>,
        pub epss_percentile: Option<f64>,
        pub known_exploited: Option<bool>,
        pub ransomware_used: Option<bool>,
        pub kev_date: Option<NaiveDate>,
        pub kev_due_date: Option<NaiveDate>,
        pub enrichment_updated: Option<DateTime<Utc>>,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

/// The type of a vulnerability id: the upper-cased prefix before the first "-",
/// none for numeric, dash-less or over-long (more than 20 characters) prefixes.
pub fn vulnerability_id_type(id: &str) -> Option<String> {
    let (prefix, _) = id.split_once('-')?;
    if prefix.is_empty() || prefix.len() > 20 || prefix.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(prefix.to_uppercase())
}

/// A CWE label in DefectDojo's canonical form `CWE-<n>`, accepting `89` or `cwe-89`.
pub fn canonical_cwe(input: &str) -> Option<String> {
    let trimmed = input.trim();
    let digits = trimmed
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("cwe-"))
        .map_or(trimmed, |_| &trimmed[4..]);
    let n: u32 = digits.parse().ok()?;
    (1..=9_999_999).contains(&n).then(|| format!("CWE-{n}"))
}

entity! {
    pub struct FindingGroup {
        pub id: Id,
        pub name: String,
        pub test_id: Id,
        pub creator_id: Id,
        pub created: DateTime<Utc>,
        pub modified: DateTime<Utc>,
    }
}

entity! {
    #[derive(Default)]
    pub struct FindingTemplate {
        pub id: Id,
        pub title: String,
        pub cwe: Option<i64>,
        pub cve: Option<String>,
        pub cvssv3: Option<String>,
        pub cvssv3_score: Option<f64>,
        pub cvssv4: Option<String>,
        pub cvssv4_score: Option<f64>,
        pub severity: Option<Severity>,
        pub description: Option<String>,
        pub mitigation: Option<String>,
        pub impact: Option<String>,
        #[serde(rename = "references")]
        pub refs: Option<String>,
        pub last_used: Option<DateTime<Utc>>,
        pub numerical_severity: Option<String>,
        pub fix_available: Option<bool>,
        pub fix_version: Option<String>,
        pub planned_remediation_version: Option<String>,
        pub effort_for_fixing: Option<String>,
        pub steps_to_reproduce: Option<String>,
        pub severity_justification: Option<String>,
        pub component_name: Option<String>,
        pub component_version: Option<String>,
        pub notes: Option<String>,
        pub vulnerability_ids_text: Option<String>,
        pub endpoints_text: Option<String>,
    }
}

entity! {
    #[derive(Default)]
    pub struct BurpRawRequestResponse {
        pub id: Id,
        pub finding_id: Option<Id>,
        pub burp_request_base64: String,
        pub burp_response_base64: String,
    }
}

entity! {
    /// A legacy endpoint (the model Dojo serves; see api.md's decisions).
    #[derive(Default)]
    pub struct Endpoint {
        pub id: Id,
        pub protocol: Option<String>,
        pub userinfo: Option<String>,
        pub host: Option<String>,
        pub port: Option<i64>,
        pub path: Option<String>,
        pub query: Option<String>,
        pub fragment: Option<String>,
        pub product_id: Option<Id>,
    }
}

impl Endpoint {
    /// The normalised URL form DefectDojo shows, dropping a protocol's default port.
    pub fn to_url_string(&self) -> String {
        let mut out = String::new();
        if let Some(protocol) = self.protocol.as_deref().filter(|p| !p.is_empty()) {
            out.push_str(protocol);
            out.push_str("://");
        }
        if let Some(userinfo) = self.userinfo.as_deref().filter(|u| !u.is_empty()) {
            out.push_str(userinfo);
            out.push('@');
        }
        out.push_str(self.host.as_deref().unwrap_or_default());
        if let Some(port) = self.port {
            let default = match self.protocol.as_deref() {
                Some("http") => Some(80),
                Some("https") => Some(443),
                Some("ftp") => Some(21),
                Some("ssh") => Some(22),
                _ => None,
            };
            if default != Some(port) {
                out.push_str(&format!(":{port}"));
            }
        }
        if let Some(path) = self.path.as_deref().filter(|p| !p.is_empty()) {
            out.push('/');
            out.push_str(path.trim_start_matches('/'));
        }
        if let Some(query) = self.query.as_deref().filter(|q| !q.is_empty()) {
            out.push('?');
            out.push_str(query);
        }
        if let Some(fragment) = self.fragment.as_deref().filter(|f| !f.is_empty()) {
            out.push('#');
            out.push_str(fragment);
        }
        out
    }
}

entity! {
    #[derive(Default)]
    pub struct EndpointParams {
        pub id: Id,
        pub endpoint_id: Id,
        pub param: String,
        pub value: String,
        pub method: Option<EndpointParamMethod>,
    }
}

entity! {
    #[derive(Default)]
    pub struct EndpointStatus {
        pub id: Id,
        pub date: NaiveDate,
        pub last_modified: Option<DateTime<Utc>>,
        pub mitigated: bool,
        pub mitigated_time: Option<DateTime<Utc>>,
        pub mitigated_by_id: Option<Id>,
        pub false_positive: bool,
        pub out_of_scope: bool,
        pub risk_accepted: bool,
        pub endpoint_id: Id,
        pub finding_id: Id,
    }
}

entity! {
    pub struct NoteType {
        pub id: Id,
        pub name: String,
        pub description: String,
        pub is_single: bool,
        pub is_active: bool,
        pub is_mandatory: bool,
    }
}

impl Default for NoteType {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            description: String::new(),
            is_single: false,
            is_active: true,
            is_mandatory: true,
        }
    }
}

entity! {
    pub struct Note {
        pub id: Id,
        pub note_type_id: Option<Id>,
        pub entry: String,
        pub date: DateTime<Utc>,
        pub author_id: Id,
        pub private: bool,
        pub edited: bool,
        pub editor_id: Option<Id>,
        pub edit_time: Option<DateTime<Utc>>,
    }
}

entity! {
    pub struct NoteHistory {
        pub id: Id,
        pub note_id: Id,
        pub note_type_id: Option<Id>,
        pub data: String,
        pub time: DateTime<Utc>,
        pub current_editor_id: Option<Id>,
    }
}

entity! {
    /// Metadata of an uploaded file; `file` is its path under the data folder.
    #[derive(Default)]
    pub struct FileUpload {
        pub id: Id,
        pub title: String,
        pub file: String,
    }
}

entity! {
    #[derive(Default)]
    pub struct FileAccessToken {
        pub id: Id,
        pub user_id: Id,
        pub file_id: Id,
        pub token: String,
        pub size: FileAccessSize,
    }
}

entity! {
    pub struct RiskAcceptance {
        pub id: Id,
        pub name: String,
        pub recommendation: RiskTreatment,
        pub recommendation_details: Option<String>,
        pub decision: RiskTreatment,
        pub decision_details: Option<String>,
        pub accepted_by: Option<String>,
        pub path: Option<String>,
        pub owner_id: Id,
        pub expiration_date: Option<DateTime<Utc>>,
        pub expiration_date_warned: Option<DateTime<Utc>>,
        pub expiration_date_handled: Option<DateTime<Utc>>,
        pub reactivate_expired: bool,
        pub restart_sla_expired: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

impl Default for RiskAcceptance {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            recommendation: RiskTreatment::Fix,
            recommendation_details: None,
            decision: RiskTreatment::Accept,
            decision_details: None,
            accepted_by: None,
            path: None,
            owner_id: 0,
            expiration_date: None,
            expiration_date_warned: None,
            expiration_date_handled: None,
            reactivate_expired: true,
            restart_sla_expired: false,
            created: epoch(),
            updated: epoch(),
        }
    }
}

impl RiskAcceptance {
    pub fn is_expired(&self) -> bool {
        self.expiration_date_handled.is_some()
    }
}

entity! {
    pub struct TestImport {
        pub id: Id,
        pub test_id: Id,
        pub import_settings: Option<sqlx_json::JsonValue>,
        /// DefectDojo's `type`.
        pub import_type: TestImportType,
        pub version: Option<String>,
        pub build_id: Option<String>,
        pub commit_hash: Option<String>,
        pub branch_tag: Option<String>,
        pub created: DateTime<Utc>,
        pub modified: DateTime<Utc>,
    }
}

entity! {
    pub struct TestImportFindingAction {
        pub id: Id,
        pub test_import_id: Id,
        pub finding_id: Id,
        pub action: ImportAction,
        pub created: DateTime<Utc>,
        pub modified: DateTime<Utc>,
    }
}

entity! {
    pub struct Alert {
        pub id: Id,
        pub title: String,
        pub description: Option<String>,
        pub url: Option<String>,
        pub source: String,
        pub icon: String,
        pub user_id: Option<Id>,
        pub created: DateTime<Utc>,
    }
}

entity! {
    /// A technology found in a product ("App_Analysis").
    pub struct AppAnalysis {
        pub id: Id,
        pub product_id: Id,
        pub name: String,
        pub user_id: Id,
        pub confidence: Option<i64>,
        pub version: Option<String>,
        pub icon: Option<String>,
        pub website: Option<String>,
        pub website_found: Option<String>,
        pub created: DateTime<Utc>,
    }
}

entity! {
    #[derive(Default)]
    pub struct LanguageType {
        pub id: Id,
        pub language: String,
        pub color: Option<String>,
    }
}

entity! {
    pub struct Languages {
        pub id: Id,
        pub language_id: Id,
        pub product_id: Id,
        pub user_id: Option<Id>,
        pub files: Option<i64>,
        pub blank: Option<i64>,
        pub comment: Option<i64>,
        pub code: Option<i64>,
        pub created: DateTime<Utc>,
    }
}

entity! {
    /// A custom field on exactly one product, endpoint or finding.
    #[derive(Default)]
    pub struct DojoMeta {
        pub id: Id,
        pub product_id: Option<Id>,
        pub endpoint_id: Option<Id>,
        pub finding_id: Option<Id>,
        pub name: String,
        pub value: String,
    }
}

entity! {
    /// Per-user and system notification routing: each event holds a set of channels.
    pub struct Notifications {
        pub id: Id,
        pub user_id: Option<Id>,
        pub product_id: Option<Id>,
        pub template: bool,
        pub product_type_added: String,
        pub product_added: String,
        pub engagement_added: String,
        pub test_added: String,
        pub scan_added: String,
        pub scan_added_empty: String,
        pub jira_update: String,
        pub upcoming_engagement: String,
        pub stale_engagement: String,
        pub auto_close_engagement: String,
        pub close_engagement: String,
        pub user_mentioned: String,
        pub code_review: String,
        pub review_requested: String,
        pub other: String,
        pub sla_breach: String,
        pub sla_breach_combined: String,
        pub risk_acceptance_expiration: String,
    }
}

impl Default for Notifications {
    fn default() -> Self {
        let alert = || NotificationChannel::Alert.as_str().to_owned();
        Self {
            id: 0,
            user_id: None,
            product_id: None,
            template: false,
            product_type_added: alert(),
            product_added: alert(),
            engagement_added: alert(),
            test_added: alert(),
            scan_added: alert(),
            scan_added_empty: String::new(),
            jira_update: alert(),
            upcoming_engagement: alert(),
            stale_engagement: alert(),
            auto_close_engagement: alert(),
            close_engagement: alert(),
            user_mentioned: alert(),
            code_review: alert(),
            review_requested: alert(),
            other: alert(),
            sla_breach: alert(),
            sla_breach_combined: alert(),
            risk_acceptance_expiration: alert(),
        }
    }
}

/// Parses a stored channel set ("alert,mail") into channels, skipping unknown names.
pub fn parse_channels(stored: &str) -> Vec<NotificationChannel> {
    stored
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

entity! {
    #[derive(Default)]
    pub struct NotificationWebhook {
        pub id: Id,
        pub name: String,
        pub url: String,
        pub header_name: Option<String>,
        pub header_value: Option<String>,
        pub status: WebhookStatus,
        pub first_error: Option<DateTime<Utc>>,
        pub last_error: Option<DateTime<Utc>>,
        pub note: Option<String>,
        pub owner_id: Option<Id>,
    }
}

entity! {
    #[derive(Default)]
    pub struct ToolType {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
    }
}

entity! {
    #[derive(Default)]
    pub struct ToolConfiguration {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
        pub url: Option<String>,
        pub tool_type_id: Id,
        pub authentication_type: Option<ToolAuthenticationType>,
        pub extras: Option<String>,
        pub username: Option<String>,
        #[serde(skip_serializing)]
        pub password: Option<String>,
        pub auth_title: Option<String>,
        #[serde(skip_serializing)]
        pub ssh: Option<String>,
        #[serde(skip_serializing)]
        pub api_key: Option<String>,
    }
}

entity! {
    #[derive(Default)]
    pub struct ProductApiScanConfiguration {
        pub id: Id,
        pub product_id: Id,
        pub tool_configuration_id: Id,
        pub service_key_1: Option<String>,
        pub service_key_2: Option<String>,
        pub service_key_3: Option<String>,
    }
}

entity! {
    pub struct JiraInstance {
        pub id: Id,
        pub configuration_name: String,
        pub url: String,
        pub username: String,
        #[serde(skip_serializing)]
        pub password: String,
        pub default_issue_type: String,
        pub issue_template_dir: Option<String>,
        pub epic_name_id: i64,
        pub open_status_key: i64,
        pub close_status_key: i64,
        pub info_mapping_severity: String,
        pub low_mapping_severity: String,
        pub medium_mapping_severity: String,
        pub high_mapping_severity: String,
        pub critical_mapping_severity: String,
        pub finding_text: Option<String>,
        pub accepted_mapping_resolution: Option<String>,
        pub false_positive_mapping_resolution: Option<String>,
        pub global_jira_sla_notification: bool,
        pub finding_jira_sync: bool,
    }
}

entity! {
    pub struct JiraProject {
        pub id: Id,
        pub jira_instance_id: Option<Id>,
        pub project_key: String,
        pub product_id: Option<Id>,
        pub engagement_id: Option<Id>,
        pub issue_template_dir: Option<String>,
        pub component: String,
        pub custom_fields: Option<sqlx_json::JsonValue>,
        pub close_transition_fields: Option<sqlx_json::JsonValue>,
        pub reopen_transition_fields: Option<sqlx_json::JsonValue>,
        pub default_assignee: Option<String>,
        pub jira_labels: Option<String>,
        pub add_vulnerability_id_to_jira_label: bool,
        pub push_all_issues: bool,
        pub enable_engagement_epic_mapping: bool,
        pub epic_issue_type_name: String,
        pub push_notes: bool,
        pub product_jira_sla_notification: bool,
        pub risk_acceptance_expiration_notification: bool,
        pub enabled: bool,
    }
}

impl Default for JiraInstance {
    fn default() -> Self {
        Self {
            id: 0,
            configuration_name: String::new(),
            url: String::new(),
            username: String::new(),
            password: String::new(),
            default_issue_type: JiraIssueType::Bug.as_str().to_owned(),
            issue_template_dir: None,
            epic_name_id: 0,
            open_status_key: 0,
            close_status_key: 0,
            info_mapping_severity: String::new(),
            low_mapping_severity: String::new(),
            medium_mapping_severity: String::new(),
            high_mapping_severity: String::new(),
            critical_mapping_severity: String::new(),
            finding_text: None,
            accepted_mapping_resolution: None,
            false_positive_mapping_resolution: None,
            global_jira_sla_notification: true,
            finding_jira_sync: false,
        }
    }
}

impl Default for JiraProject {
    fn default() -> Self {
        Self {
            id: 0,
            jira_instance_id: None,
            project_key: String::new(),
            product_id: None,
            engagement_id: None,
            issue_template_dir: None,
            component: String::new(),
            custom_fields: None,
            close_transition_fields: None,
            reopen_transition_fields: None,
            default_assignee: None,
            jira_labels: None,
            add_vulnerability_id_to_jira_label: false,
            push_all_issues: false,
            enable_engagement_epic_mapping: false,
            epic_issue_type_name: "Epic".to_owned(),
            push_notes: false,
            product_jira_sla_notification: false,
            risk_acceptance_expiration_notification: false,
            enabled: true,
        }
    }
}

entity! {
    #[derive(Default)]
    pub struct JiraIssue {
        pub id: Id,
        pub jira_project_id: Option<Id>,
        pub jira_id: String,
        pub jira_key: String,
        pub finding_id: Option<Id>,
        pub engagement_id: Option<Id>,
        pub finding_group_id: Option<Id>,
        pub jira_creation: Option<DateTime<Utc>>,
        pub jira_change: Option<DateTime<Utc>>,
    }
}

entity! {
    /// The CWE catalogue (reference data).
    #[derive(Default)]
    pub struct Cwe {
        pub id: Id,
        pub number: i64,
        pub url: String,
        pub description: String,
    }
}

entity! {
    #[derive(Default)]
    pub struct ReportType {
        pub id: Id,
        pub name: String,
    }
}

entity! {
    #[derive(Default)]
    pub struct NetworkLocations {
        pub id: Id,
        pub location: String,
    }
}

entity! {
    /// Review states of tracked files.
    pub struct ObjectsReview {
        pub id: Id,
        pub name: String,
        pub created: DateTime<Utc>,
    }
}

entity! {
    /// A tracked file or folder of a product.
    pub struct ObjectsProduct {
        pub id: Id,
        pub product_id: Id,
        pub name: Option<String>,
        pub path: Option<String>,
        pub folder: Option<String>,
        pub artifact: Option<String>,
        pub review_status_id: Id,
        pub created: DateTime<Utc>,
    }
}

entity! {
    #[derive(Default)]
    pub struct ToolProductSettings {
        pub id: Id,
        pub name: String,
        pub description: Option<String>,
        pub url: Option<String>,
        pub product_id: Id,
        pub tool_configuration_id: Option<Id>,
        pub tool_project_id: Option<String>,
    }
}

entity! {
    pub struct ToolProductHistory {
        pub id: Id,
        /// The tool product settings this run belongs to (DefectDojo's `product`).
        pub product_id: Id,
        pub last_scan: DateTime<Utc>,
        pub succesfull: bool,
        pub configuration_details: Option<String>,
    }
}

entity! {
    /// A benchmark catalogue such as OWASP ASVS 4.0.3.
    pub struct BenchmarkType {
        pub id: Id,
        pub name: String,
        pub version: String,
        pub benchmark_source: BenchmarkSource,
        pub enabled: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

entity! {
    pub struct BenchmarkCategory {
        pub id: Id,
        pub type_id: Id,
        pub name: String,
        pub objective: String,
        #[serde(rename = "references")]
        pub refs: Option<String>,
        pub enabled: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

entity! {
    pub struct BenchmarkRequirement {
        pub id: Id,
        pub category_id: Id,
        pub objective_number: Option<String>,
        pub objective: String,
        #[serde(rename = "references")]
        pub refs: Option<String>,
        pub level_1: bool,
        pub level_2: bool,
        pub level_3: bool,
        pub enabled: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

entity! {
    /// A product's result for one benchmark requirement.
    pub struct BenchmarkProduct {
        pub id: Id,
        pub product_id: Id,
        pub control_id: Id,
        pub pass_fail: bool,
        pub enabled: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

entity! {
    pub struct BenchmarkProductSummary {
        pub id: Id,
        pub product_id: Id,
        pub benchmark_type_id: Id,
        pub desired_level: AsvsLevel,
        pub current_level: Option<String>,
        pub asvs_level_1_benchmark: i64,
        pub asvs_level_1_score: i64,
        pub asvs_level_2_benchmark: i64,
        pub asvs_level_2_score: i64,
        pub asvs_level_3_benchmark: i64,
        pub asvs_level_3_score: i64,
        pub publish: bool,
        pub created: DateTime<Utc>,
        pub updated: DateTime<Utc>,
    }
}

entity! {
    /// The singleton of system-wide settings (row id 1).
    pub struct SystemSettings {
        pub id: Id,
        pub enable_deduplication: bool,
        pub delete_duplicates: bool,
        pub max_dupes: Option<i64>,
        pub false_positive_history: bool,
        pub retroactive_false_positive_history: bool,
        pub enable_jira: bool,
        pub enable_jira_web_hook: bool,
        pub disable_jira_webhook_secret: bool,
        pub jira_webhook_secret: Option<String>,
        pub jira_minimum_severity: Option<String>,
        pub jira_labels: Option<String>,
        pub add_vulnerability_id_to_jira_label: bool,
        pub enforce_verified_status: bool,
        pub enforce_verified_status_jira: bool,
        pub enforce_verified_status_product_grading: bool,
        pub enforce_verified_status_metrics: bool,
        pub enable_finding_sla: bool,
        pub enable_notify_sla_active: bool,
        pub enable_notify_sla_active_verified: bool,
        pub enable_notify_sla_jira_only: bool,
        pub enable_notify_sla_exponential_backoff: bool,
        pub enable_product_grade: bool,
        pub product_grade_a: i64,
        pub product_grade_b: i64,
        pub product_grade_c: i64,
        pub product_grade_d: i64,
        pub product_grade_f: i64,
        pub enable_product_tag_inheritance: bool,
        pub enable_finding_groups: bool,
        pub enable_benchmark: bool,
        pub enable_questionnaires: bool,
        pub enable_checklists: bool,
        pub enable_calendar: bool,
        pub enable_product_tracking_files: bool,
        pub enable_endpoint_metadata_import: bool,
        pub enable_similar_findings: bool,
        pub enable_user_profile_editable: bool,
        pub enable_ui_table_based_searching: bool,
        pub enable_cvss3_display: bool,
        pub enable_cvss4_display: bool,
        pub engagement_auto_close: bool,
        pub engagement_auto_close_days: i64,
        pub risk_acceptance_form_default_days: Option<i64>,
        pub risk_acceptance_notify_before_expiration: Option<i64>,
        pub enable_slack_notifications: bool,
        pub slack_channel: String,
        pub slack_token: String,
        pub slack_username: String,
        pub enable_msteams_notifications: bool,
        pub msteams_url: String,
        pub enable_mail_notifications: bool,
        pub mail_notifications_to: String,
        pub email_from: String,
        pub enable_webhooks_notifications: bool,
        pub webhooks_notifications_timeout: i64,
        pub minimum_password_length: i64,
        pub maximum_password_length: i64,
        pub number_character_required: bool,
        pub special_character_required: bool,
        pub lowercase_character_required: bool,
        pub uppercase_character_required: bool,
        pub non_common_password_required: bool,
        pub disclaimer_notifications: String,
        pub disclaimer_reports: String,
        pub disclaimer_reports_forced: bool,
        pub disclaimer_notes: String,
        pub url_prefix: String,
        pub team_name: String,
        pub api_expose_error_details: bool,
        pub filter_string_matching: bool,
        pub allow_anonymous_survey_repsonse: bool,
    }
}

impl Default for SystemSettings {
    fn default() -> Self {
        Self {
            id: 1,
            enable_deduplication: false,
            delete_duplicates: false,
            max_dupes: Some(10),
            false_positive_history: false,
            retroactive_false_positive_history: false,
            enable_jira: false,
            enable_jira_web_hook: false,
            disable_jira_webhook_secret: false,
            jira_webhook_secret: None,
            jira_minimum_severity: Some("Low".to_owned()),
            jira_labels: None,
            add_vulnerability_id_to_jira_label: false,
            enforce_verified_status: true,
            enforce_verified_status_jira: true,
            enforce_verified_status_product_grading: true,
            enforce_verified_status_metrics: true,
            enable_finding_sla: true,
            enable_notify_sla_active: false,
            enable_notify_sla_active_verified: false,
            enable_notify_sla_jira_only: false,
            enable_notify_sla_exponential_backoff: false,
            enable_product_grade: false,
            product_grade_a: 90,
            product_grade_b: 80,
            product_grade_c: 70,
            product_grade_d: 60,
            product_grade_f: 59,
            enable_product_tag_inheritance: false,
            enable_finding_groups: true,
            enable_benchmark: true,
            enable_questionnaires: true,
            enable_checklists: true,
            enable_calendar: true,
            enable_product_tracking_files: true,
            enable_endpoint_metadata_import: true,
            enable_similar_findings: true,
            enable_user_profile_editable: true,
            enable_ui_table_based_searching: true,
            enable_cvss3_display: true,
            enable_cvss4_display: true,
            engagement_auto_close: false,
            engagement_auto_close_days: 3,
            risk_acceptance_form_default_days: Some(180),
            risk_acceptance_notify_before_expiration: Some(10),
            enable_slack_notifications: false,
            slack_channel: "".to_owned(),
            slack_token: "".to_owned(),
            slack_username: "".to_owned(),
            enable_msteams_notifications: false,
            msteams_url: "".to_owned(),
            enable_mail_notifications: false,
            mail_notifications_to: "".to_owned(),
            email_from: "no-reply@example.com".to_owned(),
            enable_webhooks_notifications: false,
            webhooks_notifications_timeout: 10,
            minimum_password_length: 9,
            maximum_password_length: 48,
            number_character_required: true,
            special_character_required: true,
            lowercase_character_required: true,
            uppercase_character_required: true,
            non_common_password_required: true,
            disclaimer_notifications: "".to_owned(),
            disclaimer_reports: "".to_owned(),
            disclaimer_reports_forced: false,
            disclaimer_notes: "".to_owned(),
            url_prefix: "".to_owned(),
            team_name: "".to_owned(),
            api_expose_error_details: false,
            filter_string_matching: false,
            allow_anonymous_survey_repsonse: false,
        }
    }
}

impl SystemSettings {
    /// The password rules these settings switch on.
    pub fn password_policy(&self) -> crate::password::PasswordPolicy {
        crate::password::PasswordPolicy {
            minimum_length: usize::try_from(self.minimum_password_length).unwrap_or(9),
            maximum_length: usize::try_from(self.maximum_password_length).unwrap_or(48),
            number_required: self.number_character_required,
            special_required: self.special_character_required,
            lowercase_required: self.lowercase_character_required,
            uppercase_required: self.uppercase_character_required,
            non_common_required: self.non_common_password_required,
        }
    }
}

/// JSON columns: `sqlx::types::Json` when mapping rows, plain `serde_json::Value` otherwise.
pub mod sqlx_json {
    #[cfg(feature = "sqlx")]
    pub type JsonValue = sqlx::types::Json<serde_json::Value>;
    #[cfg(not(feature = "sqlx"))]
    pub type JsonValue = serde_json::Value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revenue_round_trips_through_cents() {
        assert_eq!(Product::parse_revenue("1234.5"), Ok(123_450));
        assert_eq!(Product::parse_revenue("7"), Ok(700));
        assert!(Product::parse_revenue("1.234").is_err());
        assert!(Product::parse_revenue("-3").is_err());
        assert!(Product::parse_revenue("abc").is_err());
        let product = Product {
            revenue_cents: Some(123_405),
            ..Product::default()
        };
        assert_eq!(product.revenue().as_deref(), Some("1234.05"));
    }

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 1, 1, hour, 0, 0)
            .single()
            .expect("a valid instant")
    }

    #[test]
    fn status_hooks_on_create_follow_the_flags() {
        let mut mitigated = Finding {
            active: false,
            is_mitigated: true,
            ..Finding::default()
        };
        mitigated.apply_status_hooks(None, 7, at(1));
        assert_eq!(mitigated.mitigated, Some(at(1)));
        assert_eq!(mitigated.mitigated_by_id, Some(7));
        let mut false_positive = Finding {
            active: false,
            verified: true,
            false_p: true,
            ..Finding::default()
        };
        false_positive.apply_status_hooks(None, 7, at(1));
        assert!(false_positive.is_mitigated && !false_positive.verified);
        assert_eq!(false_positive.last_status_update, Some(at(1)));
    }

    #[test]
    fn status_hooks_on_update_react_to_changes_only() {
        let stored = Finding {
            active: false,
            is_mitigated: true,
            mitigated: Some(at(1)),
            mitigated_by_id: Some(3),
            last_status_update: Some(at(1)),
            ..Finding::default()
        };
        // No status field changed: nothing moves, not even the timestamp.
        let mut same = stored.clone();
        same.title = "renamed".into();
        same.apply_status_hooks(Some(&stored), 9, at(2));
        assert_eq!(same.last_status_update, Some(at(1)));
        // Reopened: the mitigation goes.
        let mut reopened = stored.clone();
        reopened.active = true;
        reopened.is_mitigated = false;
        reopened.apply_status_hooks(Some(&stored), 9, at(2));
        assert_eq!((reopened.mitigated, reopened.mitigated_by_id), (None, None));
        assert_eq!(reopened.last_status_update, Some(at(2)));
        // Marked out of scope while mitigated: the first mitigation is kept.
        let mut out_of_scope = stored.clone();
        out_of_scope.out_of_scope = true;
        out_of_scope.apply_status_hooks(Some(&stored), 9, at(2));
        assert_eq!(out_of_scope.mitigated, Some(at(1)));
        assert_eq!(out_of_scope.mitigated_by_id, Some(3));
        assert!(!out_of_scope.active);
    }

    #[test]
    fn finding_status_string_follows_defectdojo_order() {
        let finding = Finding {
            under_review: true,
            verified: true,
            is_mitigated: true,
            active: false,
            duplicate: true,
            ..Finding::default()
        };
        assert_eq!(
            finding.status(),
            "Under Review, Inactive, Verified, Mitigated, Duplicate"
        );
    }

    #[test]
    fn finding_status_rules() {
        let dup = Finding {
            duplicate: true,
            ..Finding::default()
        };
        assert_eq!(dup.validate_status().map_err(|e| e.field), Err("duplicate"));
        let fp = Finding {
            active: false,
            false_p: true,
            verified: true,
            ..Finding::default()
        };
        assert_eq!(fp.validate_status().map_err(|e| e.field), Err("false_p"));
        let ra = Finding {
            risk_accepted: true,
            ..Finding::default()
        };
        assert_eq!(
            ra.validate_status().map_err(|e| e.field),
            Err("risk_accepted")
        );
        assert_eq!(Finding::default().validate_status(), Ok(()));
    }

    #[test]
    fn save_normalisation() {
        let mut finding = Finding {
            title: "x".repeat(600),
            severity: Severity::High,
            component_name: Some("  ".into()),
            ..Finding::default()
        };
        finding.normalise_for_save();
        assert_eq!(finding.title.len(), 511);
        assert_eq!(finding.numerical_severity, "S1");
        assert_eq!(finding.component_name, None);
    }

    #[test]
    fn vulnerability_id_types() {
        assert_eq!(
            vulnerability_id_type("CVE-2021-44228").as_deref(),
            Some("CVE")
        );
        assert_eq!(vulnerability_id_type("ghsa-xxxx").as_deref(), Some("GHSA"));
        assert_eq!(vulnerability_id_type("12345-6"), None);
        assert_eq!(vulnerability_id_type("NODASH"), None);
        assert_eq!(
            vulnerability_id_type(&format!("{}-1", "A".repeat(21))),
            None
        );
    }

    #[test]
    fn cwe_labels() {
        assert_eq!(canonical_cwe("89").as_deref(), Some("CWE-89"));
        assert_eq!(canonical_cwe("cwe-79").as_deref(), Some("CWE-79"));
        assert_eq!(canonical_cwe("0"), None);
        assert_eq!(canonical_cwe("CWE-10000000"), None);
    }

    #[test]
    fn endpoint_string_drops_default_port() {
        let endpoint = Endpoint {
            protocol: Some("https".into()),
            host: Some("example.com".into()),
            port: Some(443),
            path: Some("api/v1".into()),
            query: Some("a=1".into()),
            ..Endpoint::default()
        };
        assert_eq!(endpoint.to_url_string(), "https://example.com/api/v1?a=1");
        let other = Endpoint {
            port: Some(8443),
            ..endpoint
        };
        assert_eq!(other.to_url_string(), "https://example.com:8443/api/v1?a=1");
    }

    #[test]
    fn engagement_overdue_grace_for_cicd() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default();
        let mut engagement = Engagement {
            target_end: day(1),
            ..Engagement::default()
        };
        assert!(engagement.is_overdue(day(5)));
        engagement.engagement_type = EngagementType::CiCd;
        assert!(!engagement.is_overdue(day(5)));
        assert!(engagement.is_overdue(day(12)));
        engagement.close();
        assert_eq!(engagement.status, EngagementStatus::Completed);
        assert!(!engagement.active);
    }
}
