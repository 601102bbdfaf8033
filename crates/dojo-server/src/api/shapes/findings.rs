//! Findings on the wire (api.md §3.5): the GET shape of `FindingSerializer`, the
//! POST answer of `FindingCreateSerializer`, and the reading of create/update bodies.
//! Pure functions: whatever lives in other tables arrives in [`FindingExtra`], and
//! whatever needs the database (pk existence, the product's risk-acceptance switch)
//! is handed back to the caller in [`FindingInput`].

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use dojo_domain::entities::{canonical_cwe, BurpRawRequestResponse, Finding, FindingGroup};
use dojo_domain::ids::Id;
use dojo_domain::Severity;

use super::{date_value, datetime_value};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null, Source, UNBOUNDED};
use crate::api::RequestFields;

/// What a finding's JSON needs beyond its own row.
#[derive(Debug, Clone)]
pub struct FindingExtra {
    /// The day `age` and `sla_days_remaining` count to (DefectDojo's `get_current_date`,
    /// the server's date). `Default` takes today's UTC date.
    pub today: NaiveDate,
    pub tags: Vec<String>,
    /// Legacy endpoint ids (api.md decision 1).
    pub endpoints: Vec<Id>,
    /// Test type ids.
    pub found_by: Vec<Id>,
    /// User ids.
    pub reviewers: Vec<Id>,
    /// Notes already rendered by `notes::json`; the create shape shows only their ids.
    pub notes: Vec<Value>,
    /// File upload ids.
    pub files: Vec<Id>,
    /// In order, primary (`cve`) first.
    pub vulnerability_ids: Vec<String>,
    /// Canonical `CWE-<n>` labels, primary first.
    pub cwes: Vec<String>,
    /// `(name, value)` custom fields.
    pub finding_meta: Vec<(String, String)>,
    /// Pairs already capped by `DD_MAX_REQRESP_FROM_API`.
    pub request_response: Vec<RequestResponse>,
    /// Rendered by [`finding_group_json`].
    pub finding_groups: Vec<Value>,
    /// Rendered risk acceptances; leave empty unless the caller may edit the finding.
    pub accepted_risks: Vec<Value>,
    /// `Some` only for `?related_fields=true`.
    pub related_fields: Option<Value>,
    pub jira_creation: Option<DateTime<Utc>>,
    pub jira_change: Option<DateTime<Utc>>,
    /// The legacy SonarQube issue link; the finding row does not carry it.
    pub sonarqube_issue: Option<Id>,
}

impl Default for FindingExtra {
    fn default() -> Self {
        Self {
            today: Utc::now().date_naive(),
            tags: Vec::new(),
            endpoints: Vec::new(),
            found_by: Vec::new(),
            reviewers: Vec::new(),
            notes: Vec::new(),
            files: Vec::new(),
            vulnerability_ids: Vec::new(),
            cwes: Vec::new(),
            finding_meta: Vec::new(),
            request_response: Vec::new(),
            finding_groups: Vec::new(),
            accepted_risks: Vec::new(),
            related_fields: None,
            jira_creation: None,
            jira_change: None,
            sonarqube_issue: None,
        }
    }
}

/// One request/response pair as the API shows it: decoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestResponse {
    pub request: String,
    pub response: String,
}

impl RequestResponse {
    /// Decodes a stored pair the way DefectDojo's `get_request`/`get_response` do:
    /// base64 to UTF-8 dropping invalid bytes, and blank lines removed from the response.
    pub fn from_row(row: &BurpRawRequestResponse) -> Self {
        Self {
            request: decode_base64_text(&row.burp_request_base64),
            response: squeeze_blank_lines(&decode_base64_text(&row.burp_response_base64)),
        }
    }
}

/// Python's lenient `b64decode` skips characters outside the alphabet; a body that
/// still does not decode shows as empty rather than failing the whole finding.
fn decode_base64_text(encoded: &str) -> String {
    use base64::Engine;
    let cleaned: String = encoded
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\u{FFFD}', ""))
        .unwrap_or_default()
}

/// DefectDojo's `re.sub(r"\n\s*\n", "\n", text)`: a whitespace run holding two or more
/// newlines collapses, from its first to its last newline, into one newline.
fn squeeze_blank_lines(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\n' {
            let mut last_newline = i;
            let mut j = i + 1;
            while let Some(&w) = chars.get(j) {
                if !w.is_whitespace() {
                    break;
                }
                if w == '\n' {
                    last_newline = j;
                }
                j += 1;
            }
            out.push('\n');
            // Without a second newline the run is kept as it was.
            i = if last_newline > i {
                last_newline + 1
            } else {
                i + 1
            };
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `FindingGroupSerializer`: `{id, name, test, jira_issue}`.
pub fn finding_group_json(group: &FindingGroup, jira_issue: Option<Value>) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), group.id.into());
    map.insert("name".into(), group.name.clone().into());
    map.insert("test".into(), group.test_id.into());
    map.insert("jira_issue".into(), jira_issue.unwrap_or(Value::Null));
    Value::Object(map)
}

fn opt_datetime(instant: Option<&DateTime<Utc>>) -> Value {
    instant.map_or(Value::Null, datetime_value)
}

fn opt_date(day: Option<&NaiveDate>) -> Value {
    day.map_or(Value::Null, date_value)
}

fn opt_text(text: Option<&String>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.clone()))
}

fn opt_int(n: Option<i64>) -> Value {
    n.map_or(Value::Null, Value::from)
}

/// A float as a JSON number; NaN and infinities (never valid scores) become null.
fn opt_float(x: Option<f64>) -> Value {
    x.and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn ids(list: &[Id]) -> Value {
    Value::Array(list.iter().map(|id| Value::from(*id)).collect())
}

/// DefectDojo's `Finding.age`: days from `date` to the mitigation day (when `mitigated`
/// is set; `is_mitigated` alone does not stop the clock) or to today, never negative.
pub fn age(row: &Finding, today: NaiveDate) -> i64 {
    let end = row.mitigated.map_or(today, |m| m.date_naive());
    (end - row.date).num_days().max(0)
}

/// DefectDojo's `sla_days_remaining()`: expiration minus the mitigation day (or today);
/// null without an expiration date. Negative means breached.
pub fn sla_days_remaining(row: &Finding, today: NaiveDate) -> Option<i64> {
    let expiration = row.sla_expiration_date?;
    let end = row.mitigated.map_or(today, |m| m.date_naive());
    Some((expiration - end).num_days())
}

/// The model fields both serializers share, in DefectDojo's model order.
fn model_fields(row: &Finding, extra: &FindingExtra) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |key: &str, value: Value| {
        m.insert(key.to_owned(), value);
    };
    put("id", row.id.into());
    put("tags", extra.tags.clone().into());
    put("created", datetime_value(&row.created));
    put("updated", datetime_value(&row.updated));
    put("title", row.title.clone().into());
    put("date", date_value(&row.date));
    put("sla_start_date", opt_date(row.sla_start_date.as_ref()));
    put(
        "sla_expiration_date",
        opt_date(row.sla_expiration_date.as_ref()),
    );
    put("cwe", row.cwe.into());
    put("epss_score", opt_float(row.epss_score));
    put("epss_percentile", opt_float(row.epss_percentile));
    put("known_exploited", row.known_exploited.into());
    put("ransomware_used", row.ransomware_used.into());
    put("kev_date", opt_date(row.kev_date.as_ref()));
    put("cvssv3", opt_text(row.cvssv3.as_ref()));
    put("cvssv3_score", opt_float(row.cvssv3_score));
    put("cvssv4", opt_text(row.cvssv4.as_ref()));
    put("cvssv4_score", opt_float(row.cvssv4_score));
    put("url", opt_text(row.url.as_ref()));
    put("severity", row.severity.as_str().into());
    put("description", row.description.clone().into());
    put("mitigation", opt_text(row.mitigation.as_ref()));
    put(
        "fix_available",
        row.fix_available.map_or(Value::Null, Value::Bool),
    );
    put("fix_version", opt_text(row.fix_version.as_ref()));
    put("impact", opt_text(row.impact.as_ref()));
    put(
        "steps_to_reproduce",
        opt_text(row.steps_to_reproduce.as_ref()),
    );
    put(
        "severity_justification",
        opt_text(row.severity_justification.as_ref()),
    );
    put("endpoints", ids(&extra.endpoints));
    put("references", opt_text(row.refs.as_ref()));
    put("test", row.test_id.into());
    put("active", row.active.into());
    put("verified", row.verified.into());
    put("false_p", row.false_p.into());
    put("duplicate", row.duplicate.into());
    put("duplicate_finding", opt_int(row.duplicate_finding_id));
    put("out_of_scope", row.out_of_scope.into());
    put("risk_accepted", row.risk_accepted.into());
    put("under_review", row.under_review.into());
    put(
        "last_status_update",
        opt_datetime(row.last_status_update.as_ref()),
    );
    put("review_requested_by", opt_int(row.review_requested_by_id));
    put("reviewers", ids(&extra.reviewers));
    put("under_defect_review", row.under_defect_review.into());
    put(
        "defect_review_requested_by",
        opt_int(row.defect_review_requested_by_id),
    );
    put("is_mitigated", row.is_mitigated.into());
    put("thread_id", row.thread_id.into());
    put("mitigated", opt_datetime(row.mitigated.as_ref()));
    put("mitigated_by", opt_int(row.mitigated_by_id));
    put("reporter", row.reporter_id.into());
    put("numerical_severity", row.numerical_severity.clone().into());
    put("last_reviewed", opt_datetime(row.last_reviewed.as_ref()));
    put("last_reviewed_by", opt_int(row.last_reviewed_by_id));
    put("files", ids(&extra.files));
    put("param", opt_text(row.param.as_ref()));
    put("payload", opt_text(row.payload.as_ref()));
    put("hash_code", opt_text(row.hash_code.as_ref()));
    put("line", opt_int(row.line));
    put("file_path", opt_text(row.file_path.as_ref()));
    put("component_name", opt_text(row.component_name.as_ref()));
    put(
        "component_version",
        opt_text(row.component_version.as_ref()),
    );
    put("found_by", ids(&extra.found_by));
    put("static_finding", row.static_finding.into());
    put("dynamic_finding", row.dynamic_finding.into());
    put("scanner_confidence", opt_int(row.scanner_confidence));
    put("sonarqube_issue", opt_int(extra.sonarqube_issue));
    put(
        "unique_id_from_tool",
        opt_text(row.unique_id_from_tool.as_ref()),
    );
    put(
        "vuln_id_from_tool",
        opt_text(row.vuln_id_from_tool.as_ref()),
    );
    put(
        "sast_source_object",
        opt_text(row.sast_source_object.as_ref()),
    );
    put("sast_sink_object", opt_text(row.sast_sink_object.as_ref()));
    put("sast_source_line", opt_int(row.sast_source_line));
    put(
        "sast_source_file_path",
        opt_text(row.sast_source_file_path.as_ref()),
    );
    put("nb_occurences", opt_int(row.nb_occurences));
    put("publish_date", opt_date(row.publish_date.as_ref()));
    put("service", opt_text(row.service.as_ref()));
    put(
        "planned_remediation_date",
        opt_date(row.planned_remediation_date.as_ref()),
    );
    put(
        "planned_remediation_version",
        opt_text(row.planned_remediation_version.as_ref()),
    );
    put(
        "effort_for_fixing",
        opt_text(row.effort_for_fixing.as_ref()),
    );
    put(
        "vulnerability_ids",
        Value::Array(
            extra
                .vulnerability_ids
                .iter()
                .map(|v| serde_json::json!({ "vulnerability_id": v }))
                .collect(),
        ),
    );
    put(
        "cwes",
        Value::Array(
            extra
                .cwes
                .iter()
                .map(|c| serde_json::json!({ "cwe": c }))
                .collect(),
        ),
    );
    // Input only: DRF answers the field's default because the model has no such attribute.
    put("push_to_jira", Value::Bool(false));
    m
}

/// The GET shape (`FindingSerializer`): every model field plus nested notes and the
/// computed fields.
pub fn json(row: &Finding, extra: &FindingExtra) -> Value {
    let mut m = model_fields(row, extra);
    m.insert("notes".into(), Value::Array(extra.notes.clone()));
    let pairs = extra
        .request_response
        .iter()
        .map(|p| serde_json::json!({ "request": p.request, "response": p.response }))
        .collect();
    m.insert(
        "request_response".into(),
        serde_json::json!({ "req_resp": Value::Array(pairs) }),
    );
    m.insert(
        "accepted_risks".into(),
        Value::Array(extra.accepted_risks.clone()),
    );
    m.insert("age".into(), age(row, extra.today).into());
    m.insert(
        "sla_days_remaining".into(),
        opt_int(sla_days_remaining(row, extra.today)),
    );
    let meta = extra
        .finding_meta
        .iter()
        .map(|(name, value)| serde_json::json!({ "name": name, "value": value }))
        .collect();
    m.insert("finding_meta".into(), Value::Array(meta));
    m.insert(
        "related_fields".into(),
        extra.related_fields.clone().unwrap_or(Value::Null),
    );
    m.insert(
        "jira_creation".into(),
        opt_datetime(extra.jira_creation.as_ref()),
    );
    m.insert(
        "jira_change".into(),
        opt_datetime(extra.jira_change.as_ref()),
    );
    m.insert("display_status".into(), row.status().into());
    m.insert(
        "finding_groups".into(),
        Value::Array(extra.finding_groups.clone()),
    );
    Value::Object(m)
}

/// The POST answer (`FindingCreateSerializer`): model fields, `notes` as ids, nothing
/// computed.
pub fn create_json(row: &Finding, extra: &FindingExtra) -> Value {
    let mut m = model_fields(row, extra);
    let note_ids = extra
        .notes
        .iter()
        .filter_map(|note| note.get("id").cloned())
        .collect();
    m.insert("notes".into(), Value::Array(note_ids));
    Value::Object(m)
}

// ---------------------------------------------------------------------------
// Reading create / update bodies
// ---------------------------------------------------------------------------

const DUPLICATE_ACTIVE: &str = "Duplicate findings cannot be verified or active";
const FALSE_P_VERIFIED: &str = "False positive findings cannot be verified.";
const ACTIVE_RISK_ACCEPTED: &str = "Active findings cannot be risk accepted.";
const SIMPLE_RISK_DISABLED: &str =
    "Simple risk acceptance is disabled for this product, use the UI to accept this finding.";
const SEVERITY_CHOICES: &str =
    "Severity must be one of the following: ['Info', 'Low', 'Medium', 'High', 'Critical']";
const CWE_INVALID: &str = "Enter a CWE number, e.g. 89 or CWE-89.";
/// `Vulnerability_Id.vulnerability_id`'s length, which the nested serializer checks.
const VULNERABILITY_ID_MAX: usize = 50;

/// What kind of object a supplied primary key must name; the caller checks that it
/// exists and otherwise answers [`FindingRef::missing`]. Kept apart from
/// `shapes::RefKind`, which has no test, endpoint or SonarQube issue kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingRefKind {
    Test,
    TestType,
    User,
    Endpoint,
    SonarqubeIssue,
}

/// One primary key taken from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingRef {
    pub field: &'static str,
    pub kind: FindingRefKind,
    pub id: Id,
}

/// The simple risk-acceptance transition a PUT/PATCH asks for (DefectDojo's
/// `process_risk_acceptance`); the caller runs it, with its note, when saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskAction {
    Accept,
    Unaccept,
}

/// The body's values that do not live on the finding row, and what needs the
/// database to check. `None` means "not supplied": keep what is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingInput {
    /// The parent test (create only; also written to the row's `test_id`).
    pub test: Option<Id>,
    /// Test type ids. On update an empty list clears `found_by`.
    pub found_by: Option<Vec<Id>>,
    pub tags: Option<Vec<String>>,
    pub endpoints: Option<Vec<Id>>,
    pub reviewers: Option<Vec<Id>>,
    /// In order, de-duplicated; the first is also written to the row's `cve`.
    /// DefectDojo ignores an empty list, so one arrives here as `None`.
    pub vulnerability_ids: Option<Vec<String>>,
    /// Canonical `CWE-<n>` labels, de-duplicated; the first one's number is written
    /// to the row's `cwe` (0 for an empty list), as DefectDojo does even when `cwe`
    /// is sent too.
    pub cwes: Option<Vec<String>>,
    pub push_to_jira: bool,
    /// `Some(None)` clears the link.
    pub sonarqube_issue: Option<Option<Id>>,
    /// The supplied reporter. On create without one the caller writes the requesting
    /// user (DefectDojo's `validate` does); the row holds the model default until then.
    pub reporter: Option<Id>,
    /// Set when the product's `enable_simple_risk_acceptance` decides the outcome:
    /// call [`FindingInput::check_simple_risk_acceptance`] once the product is known.
    pub needs_simple_risk_acceptance: bool,
    /// Whether "Active findings cannot be risk accepted." waits for that check,
    /// because DefectDojo tests the product's switch first.
    deferred_active_error: bool,
    /// What to run after an update (never set on create).
    pub risk_action: Option<RiskAction>,
    /// Nullable user links the body set to a user, by field name.
    user_links: Vec<(&'static str, Id)>,
}

impl FindingInput {
    /// The product-dependent rule of api.md §3.5, in DefectDojo's order: a product
    /// without simple risk acceptance refuses first, then an active finding does.
    pub fn check_simple_risk_acceptance(&self, enabled: bool) -> Result<(), FieldErrors> {
        if !self.needs_simple_risk_acceptance {
            return Ok(());
        }
        if !enabled {
            return Err(non_field(SIMPLE_RISK_DISABLED));
        }
        if self.deferred_active_error {
            return Err(non_field(ACTIVE_RISK_ACCEPTED));
        }
        Ok(())
    }

    /// Every primary key the body named, for the caller's existence checks.
    pub fn references(&self) -> Vec<FindingRef> {
        let mut refs = Vec::new();
        let mut add = |field: &'static str, kind: FindingRefKind, id: Id| {
            refs.push(FindingRef { field, kind, id });
        };
        if let Some(test) = self.test {
            add("test", FindingRefKind::Test, test);
        }
        for id in self.found_by.iter().flatten() {
            add("found_by", FindingRefKind::TestType, *id);
        }
        if let Some(reporter) = self.reporter {
            add("reporter", FindingRefKind::User, reporter);
        }
        for (field, id) in &self.user_links {
            add(field, FindingRefKind::User, *id);
        }
        for id in self.reviewers.iter().flatten() {
            add("reviewers", FindingRefKind::User, *id);
        }
        for id in self.endpoints.iter().flatten() {
            add("endpoints", FindingRefKind::Endpoint, *id);
        }
        if let Some(Some(id)) = self.sonarqube_issue {
            add("sonarqube_issue", FindingRefKind::SonarqubeIssue, id);
        }
        refs
    }
}

impl FindingRef {
    /// DRF's 400 for a primary key that names nothing (as `shapes::Reference::missing`).
    pub fn missing(&self) -> FieldErrors {
        FieldErrors::from([(
            self.field.to_owned(),
            vec![format!(
                "Invalid pk \"{}\" - object does not exist.",
                self.id
            )],
        )])
    }
}

fn non_field(message: &str) -> FieldErrors {
    FieldErrors::from([("non_field_errors".to_owned(), vec![message.to_owned()])])
}

/// The status flags the body supplied, for the object-level rules.
#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    active: Option<bool>,
    verified: Option<bool>,
    duplicate: Option<bool>,
    false_p: Option<bool>,
    risk_accepted: Option<bool>,
}

/// Reads a finding body (api.md §3.5) into the row to save and the relation values.
///
/// `current` is the stored finding for PUT/PATCH; the rules run against stored plus
/// supplied values on PATCH, and against supplied values or model defaults on POST
/// and PUT, as DefectDojo's serializers do. `editable_mitigated` is
/// `DD_EDITABLE_MITIGATED_DATA` for a superuser (domain.md §7.2). Read-only fields
/// are ignored; `numerical_severity` is recomputed from the severity. Without
/// `current` (or on create) the row starts from the model defaults dated `today`.
pub fn read(
    body: &RequestFields,
    mode: Mode,
    current: Option<&Finding>,
    today: NaiveDate,
    editable_mitigated: bool,
) -> Result<(Finding, FindingInput), FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = match (mode, current) {
        (Mode::Update | Mode::Partial, Some(stored)) => stored.clone(),
        _ => Finding {
            date: today,
            ..Finding::default()
        },
    };
    let mut input = FindingInput::default();
    mark_required(&mut f, mode);
    read_texts(&mut f, body, mode, &mut row);
    read_numbers_and_dates(&mut f, mode, &mut row, today);
    let flags = read_flags(&mut f, body, &mut row, &mut input);
    read_relations(&mut f, mode, &mut row, &mut input);
    read_vulnerability_ids(&mut f, body, &mut row, &mut input);
    read_cwes(&mut f, body, &mut row, &mut input);
    let mitigated_supplied = read_mitigated(&mut f, &mut row, &mut input);
    // DRF runs the object-level `validate` only once every field is clean.
    f.finish()?;
    if !editable_mitigated {
        refuse_mitigated_edit(mitigated_supplied)?;
    }
    object_rules(mode, current, flags, &row, &mut input)?;
    row.numerical_severity = row.severity.numerical().to_owned();
    Ok((row, input))
}

/// Marks the fields each write requires. PATCH registers them too: in a form body a
/// required field's `""` is a value ("may not be blank"), never "not supplied".
fn mark_required(f: &mut Fields<'_>, mode: Mode) {
    let mut names = vec![
        "title",
        "severity",
        "description",
        "numerical_severity",
        "found_by",
    ];
    if mode == Mode::Create {
        names.extend(["test", "active", "verified"]);
    }
    for name in names {
        f.required(name);
    }
}

/// The explicit JSON null of a field that allows null but not blank (Django
/// `null=True` without `blank=True`), which `Fields::text` cannot express.
fn is_null(body: &RequestFields, name: &str) -> bool {
    body.values.get(name).and_then(|v| v.last()) == Some(&Value::Null)
}

/// Optional text columns (`blank=True, null=True`) with their model lengths.
fn blank_allowed_texts(row: &mut Finding) -> [(&'static str, usize, &mut Option<String>); 17] {
    [
        ("mitigation", UNBOUNDED, &mut row.mitigation),
        ("impact", UNBOUNDED, &mut row.impact),
        ("steps_to_reproduce", UNBOUNDED, &mut row.steps_to_reproduce),
        (
            "severity_justification",
            UNBOUNDED,
            &mut row.severity_justification,
        ),
        ("references", UNBOUNDED, &mut row.refs),
        ("fix_version", 100, &mut row.fix_version),
        ("file_path", 4000, &mut row.file_path),
        ("component_name", 500, &mut row.component_name),
        ("component_version", 100, &mut row.component_version),
        ("unique_id_from_tool", 500, &mut row.unique_id_from_tool),
        ("vuln_id_from_tool", 500, &mut row.vuln_id_from_tool),
        ("sast_source_object", 500, &mut row.sast_source_object),
        ("sast_sink_object", 500, &mut row.sast_sink_object),
        (
            "sast_source_file_path",
            4000,
            &mut row.sast_source_file_path,
        ),
        ("service", 200, &mut row.service),
        (
            "planned_remediation_version",
            99,
            &mut row.planned_remediation_version,
        ),
        ("effort_for_fixing", 99, &mut row.effort_for_fixing),
    ]
}

fn read_texts(f: &mut Fields<'_>, body: &RequestFields, mode: Mode, row: &mut Finding) {
    if let Some(Some(title)) = f.text("title", 511, Blank::Forbidden) {
        row.title = title;
    }
    if let Some(Some(description)) = f.text("description", UNBOUNDED, Blank::Forbidden) {
        row.description = description;
    }
    // Checked for its length only: the value is recomputed from the severity.
    f.text("numerical_severity", 4, Blank::Forbidden);
    if let Some(Some(severity)) = f.text("severity", 200, Blank::Forbidden) {
        match severity.parse::<Severity>() {
            Ok(parsed) => row.severity = parsed,
            Err(_) => f.error("severity", SEVERITY_CHOICES),
        }
    }
    for (name, max_len, slot) in blank_allowed_texts(row) {
        if let Some(value) = f.text(name, max_len, Blank::Allowed) {
            *slot = value;
        }
    }
    for (name, max_len, version) in [
        ("cvssv3", 117, CvssVersion::V3),
        ("cvssv4", 255, CvssVersion::V4),
    ] {
        let value = if is_null(body, name) {
            Some(None)
        } else {
            f.text(name, max_len, Blank::Forbidden)
        };
        let checked = match value {
            Some(Some(text)) => match cvss_vector(&text, version) {
                Ok(vector) => Some(Some(vector)),
                Err(message) => {
                    f.error(name, message);
                    None
                }
            },
            other => other,
        };
        if let Some(vector) = checked {
            match version {
                CvssVersion::V3 => row.cvssv3 = vector,
                CvssVersion::V4 => row.cvssv4 = vector,
            }
        }
    }
    // `url` is writable on create only (`FindingCreateSerializer`).
    if mode == Mode::Create {
        if is_null(body, "url") {
            row.url = None;
        } else if let Some(url) = f.text("url", UNBOUNDED, Blank::Forbidden) {
            row.url = url;
        }
    }
}

fn read_numbers_and_dates(f: &mut Fields<'_>, mode: Mode, row: &mut Finding, today: NaiveDate) {
    if let Some(cwe) = f.integer("cwe", None, Null::Allowed) {
        // The column is nullable in DefectDojo; Dojo keeps 0, its "unset".
        row.cwe = cwe.unwrap_or(0);
    }
    for (name, slot) in [
        ("line", &mut row.line),
        ("sast_source_line", &mut row.sast_source_line),
        ("nb_occurences", &mut row.nb_occurences),
    ] {
        if let Some(value) = f.integer(name, None, Null::Allowed) {
            *slot = value;
        }
    }
    if mode == Mode::Create {
        if let Some(Some(thread_id)) = f.integer("thread_id", None, Null::Forbidden) {
            row.thread_id = thread_id;
        }
    }
    for (name, max, slot) in [
        ("epss_score", 1.0, &mut row.epss_score),
        ("epss_percentile", 1.0, &mut row.epss_percentile),
        ("cvssv3_score", 10.0, &mut row.cvssv3_score),
        ("cvssv4_score", 10.0, &mut row.cvssv4_score),
    ] {
        if let Some(value) = f.float(name, Some(0.0), Some(max), Null::Allowed) {
            *slot = value;
        }
    }
    if let Some(Some(date)) = f.date("date", Null::Forbidden) {
        row.date = date;
    }
    for (name, slot) in [
        ("sla_start_date", &mut row.sla_start_date),
        ("sla_expiration_date", &mut row.sla_expiration_date),
        ("publish_date", &mut row.publish_date),
        (
            "planned_remediation_date",
            &mut row.planned_remediation_date,
        ),
    ] {
        if let Some(value) = f.date(name, Null::Allowed) {
            *slot = value;
        }
    }
    if let Some(kev_date) = f.date("kev_date", Null::Allowed) {
        // The model's `MaxValueValidator(tomorrow)`.
        let tomorrow = today.succ_opt().unwrap_or(today);
        match kev_date {
            Some(day) if day > tomorrow => f.error(
                "kev_date",
                format!("Ensure this value is less than or equal to {tomorrow}."),
            ),
            other => row.kev_date = other,
        }
    }
}

fn read_flags(
    f: &mut Fields<'_>,
    body: &RequestFields,
    row: &mut Finding,
    input: &mut FindingInput,
) -> Flags {
    let flags = Flags {
        active: f.boolean("active"),
        verified: f.boolean("verified"),
        duplicate: f.boolean("duplicate"),
        false_p: f.boolean("false_p"),
        risk_accepted: f.boolean("risk_accepted"),
    };
    for (value, slot) in [
        (flags.active, &mut row.active),
        (flags.verified, &mut row.verified),
        (flags.duplicate, &mut row.duplicate),
        (flags.false_p, &mut row.false_p),
        (flags.risk_accepted, &mut row.risk_accepted),
    ] {
        if let Some(value) = value {
            *slot = value;
        }
    }
    for (name, slot) in [
        ("out_of_scope", &mut row.out_of_scope),
        ("under_review", &mut row.under_review),
        ("under_defect_review", &mut row.under_defect_review),
        ("is_mitigated", &mut row.is_mitigated),
        ("static_finding", &mut row.static_finding),
        ("dynamic_finding", &mut row.dynamic_finding),
        ("known_exploited", &mut row.known_exploited),
        ("ransomware_used", &mut row.ransomware_used),
    ] {
        if let Some(value) = f.boolean(name) {
            *slot = value;
        }
    }
    // `fix_available` is the one nullable flag (unknown = null).
    if is_null(body, "fix_available") {
        row.fix_available = None;
    } else if let Some(value) = f.boolean("fix_available") {
        row.fix_available = Some(value);
    }
    if let Some(push) = f.boolean("push_to_jira") {
        input.push_to_jira = push;
    }
    flags
}

fn read_relations(f: &mut Fields<'_>, mode: Mode, row: &mut Finding, input: &mut FindingInput) {
    if mode == Mode::Create {
        if let Some(Some(test)) = f.pk("test", Null::Forbidden) {
            row.test_id = test;
            input.test = Some(test);
        }
    }
    input.found_by = f.pk_list("found_by");
    input.reviewers = f.pk_list("reviewers");
    input.endpoints = f.pk_list("endpoints");
    input.tags = f.tags("tags");
    if let Some(Some(reporter)) = f.pk("reporter", Null::Forbidden) {
        row.reporter_id = reporter;
        input.reporter = Some(reporter);
    }
    for (name, slot) in [
        ("review_requested_by", &mut row.review_requested_by_id),
        (
            "defect_review_requested_by",
            &mut row.defect_review_requested_by_id,
        ),
    ] {
        if let Some(value) = f.pk(name, Null::Allowed) {
            *slot = value;
            if let Some(id) = value {
                input.user_links.push((name, id));
            }
        }
    }
    input.sonarqube_issue = f.pk("sonarqube_issue", Null::Allowed);
}

/// Reads `mitigated` / `mitigated_by` and reports which carried a non-null value,
/// the ones DefectDojo refuses unless mitigated data is editable.
fn read_mitigated(f: &mut Fields<'_>, row: &mut Finding, input: &mut FindingInput) -> (bool, bool) {
    let mut supplied = (false, false);
    if let Some(value) = f.datetime("mitigated", Null::Allowed) {
        supplied.0 = value.is_some();
        row.mitigated = value;
    }
    if let Some(value) = f.pk("mitigated_by", Null::Allowed) {
        supplied.1 = value.is_some();
        row.mitigated_by_id = value;
        if let Some(id) = value {
            input.user_links.push(("mitigated_by", id));
        }
    }
    supplied
}

/// DefectDojo's first object-level check: non-null mitigation data needs
/// `DD_EDITABLE_MITIGATED_DATA`; both fields are reported at once.
pub(crate) fn refuse_mitigated_edit(
    (mitigated, mitigated_by): (bool, bool),
) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if mitigated {
        errors.insert(
            "mitigated".into(),
            vec!["Editing mitigated timestamp is disabled (EDITABLE_MITIGATED_DATA=false)".into()],
        );
    }
    if mitigated_by {
        errors.insert(
            "mitigated_by".into(),
            vec!["Editing mitigated_by is disabled (EDITABLE_MITIGATED_DATA=false)".into()],
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The status rules of `FindingSerializer.validate` / `FindingCreateSerializer.validate`.
fn object_rules(
    mode: Mode,
    current: Option<&Finding>,
    flags: Flags,
    row: &Finding,
    input: &mut FindingInput,
) -> Result<(), FieldErrors> {
    // PATCH merges with the stored finding (already in `row`); POST and PUT fall back
    // to the model defaults, even where PUT leaves the stored value in place.
    let (active, verified, duplicate, false_p, risk_accepted) = if mode == Mode::Partial {
        (
            row.active,
            row.verified,
            row.duplicate,
            row.false_p,
            row.risk_accepted,
        )
    } else {
        (
            flags.active.unwrap_or(true),
            flags.verified.unwrap_or(false),
            flags.duplicate.unwrap_or(false),
            flags.false_p.unwrap_or(false),
            flags.risk_accepted.unwrap_or(false),
        )
    };
    if (active || verified) && duplicate {
        return Err(non_field(DUPLICATE_ACTIVE));
    }
    if false_p && verified {
        return Err(non_field(FALSE_P_VERIFIED));
    }
    let stored_risk_accepted = current.is_some_and(|c| c.risk_accepted);
    let needs_product_check = match mode {
        Mode::Create => flags.risk_accepted == Some(true),
        Mode::Update | Mode::Partial => risk_accepted && !stored_risk_accepted,
    };
    let active_conflict = active && risk_accepted;
    if needs_product_check {
        input.needs_simple_risk_acceptance = true;
        input.deferred_active_error = active_conflict;
    } else if active_conflict {
        return Err(non_field(ACTIVE_RISK_ACCEPTED));
    }
    if mode != Mode::Create {
        input.risk_action = match flags.risk_accepted {
            Some(true) if !stored_risk_accepted && !flags.active.unwrap_or(false) => {
                Some(RiskAction::Accept)
            }
            Some(false) if stored_risk_accepted => Some(RiskAction::Unaccept),
            _ => None,
        };
    }
    Ok(())
}

/// The items of a list field: a JSON array (or JSON-array text), or form values with
/// each value split on commas as list-valued form fields are sent (api.md §5.3).
/// `Ok(None)` when not supplied.
fn list_items(
    body: &RequestFields,
    source: Source,
    name: &str,
) -> Result<Option<Vec<Value>>, String> {
    let Some(values) = body.values.get(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let mut items = Vec::new();
    if source == Source::Form {
        for value in values {
            let text = value.as_str().unwrap_or_default().trim();
            if text.starts_with('[') {
                match serde_json::from_str::<Value>(text) {
                    Ok(Value::Array(list)) => items.extend(list),
                    _ => return Err("Invalid json list.".into()),
                }
            } else {
                items.extend(split_commas(text));
            }
        }
        // Only empty values: an optional field left blank, i.e. not supplied.
        return Ok((!items.is_empty()).then_some(items));
    }
    match values.last() {
        Some(Value::Array(list)) => Ok(Some(list.clone())),
        Some(Value::String(text)) if text.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(list)) => Ok(Some(list)),
                _ => Err("Invalid json list.".into()),
            }
        }
        // A bare string is taken as a comma-separated list (api.md §3.5).
        Some(Value::String(text)) => Ok(Some(split_commas(text))),
        Some(Value::Null) | None => Err("This field may not be null.".into()),
        Some(other) => Err(format!(
            "Expected a list of items but got type \"{}\".",
            python_type(other)
        )),
    }
}

fn split_commas(text: &str) -> Vec<Value> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| Value::String(part.to_owned()))
        .collect()
}

fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// One entry of a nested list: a bare value, or `{key: value}` as DefectDojo's nested
/// serializers write it.
fn nested_value<'v>(item: &'v Value, key: &str) -> Result<&'v Value, String> {
    match item {
        Value::Object(map) => match map.get(key) {
            None => Err("This field is required.".into()),
            Some(Value::Null) => Err("This field may not be null.".into()),
            Some(value) => Ok(value),
        },
        Value::String(_) | Value::Number(_) => Ok(item),
        other => Err(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            python_type(other)
        )),
    }
}

/// `vulnerability_ids`: `[{"vulnerability_id": "CVE-…"}]` or bare strings.
fn read_vulnerability_ids(
    f: &mut Fields<'_>,
    body: &RequestFields,
    row: &mut Finding,
    input: &mut FindingInput,
) {
    const NAME: &str = "vulnerability_ids";
    let items = match list_items(body, f.source(), NAME) {
        Ok(Some(items)) => items,
        Ok(None) => return,
        Err(message) => return f.error(NAME, message),
    };
    let mut ids: Vec<String> = Vec::new();
    for item in &items {
        let text = match nested_value(item, "vulnerability_id") {
            Ok(Value::String(s)) => s.trim().to_owned(),
            Ok(Value::Number(n)) => n.to_string(),
            Ok(_) => return f.error(NAME, "Not a valid string."),
            Err(message) => return f.error(NAME, message),
        };
        if text.is_empty() {
            return f.error(NAME, "This field may not be blank.");
        }
        if text.chars().count() > VULNERABILITY_ID_MAX {
            return f.error(
                NAME,
                format!("Ensure this field has no more than {VULNERABILITY_ID_MAX} characters."),
            );
        }
        if !ids.contains(&text) {
            ids.push(text);
        }
    }
    if let Some(first) = ids.first() {
        row.cve = Some(first.clone());
        input.vulnerability_ids = Some(ids);
    }
}

/// `cwes`: `[{"cwe": "CWE-79"}]`, `"CWE-79"`, `"79"` or `79`.
fn read_cwes(
    f: &mut Fields<'_>,
    body: &RequestFields,
    row: &mut Finding,
    input: &mut FindingInput,
) {
    const NAME: &str = "cwes";
    let items = match list_items(body, f.source(), NAME) {
        Ok(Some(items)) => items,
        // A JSON `[]` clears the CWEs; `list_items` gives `Some(vec![])` for it.
        Ok(None) => return,
        Err(message) => return f.error(NAME, message),
    };
    let mut labels: Vec<String> = Vec::new();
    for item in &items {
        let label = match nested_value(item, "cwe") {
            Ok(Value::String(s)) => canonical_cwe(s),
            Ok(Value::Number(n)) => canonical_cwe(&n.to_string()),
            Ok(_) => None,
            Err(message) => return f.error(NAME, message),
        };
        let Some(label) = label else {
            return f.error(NAME, CWE_INVALID);
        };
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    row.cwe = labels
        .first()
        .and_then(|label| label.strip_prefix("CWE-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    input.cwes = Some(labels);
}

// ---------------------------------------------------------------------------
// CVSS vectors
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CvssVersion {
    V3,
    V4,
}

/// The version of the first CVSS vector found in a text, as `cvss.parser.
/// parse_cvss_from_text` looks for one anywhere in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    V2,
    V3,
    V4,
}

/// Mandatory base metrics and their allowed values, per version.
const V2_BASE: &[(&str, &str)] = &[
    ("AV", "LAN"),
    ("AC", "HML"),
    ("Au", "MSN"),
    ("C", "NPC"),
    ("I", "NPC"),
    ("A", "NPC"),
];
const V3_BASE: &[(&str, &str)] = &[
    ("AV", "NALP"),
    ("AC", "LH"),
    ("PR", "NLH"),
    ("UI", "NR"),
    ("S", "UC"),
    ("C", "NLH"),
    ("I", "NLH"),
    ("A", "NLH"),
];
const V4_BASE: &[(&str, &str)] = &[
    ("AV", "NALP"),
    ("AC", "LH"),
    ("AT", "NP"),
    ("PR", "NLH"),
    ("UI", "NPA"),
    ("VC", "HLN"),
    ("VI", "HLN"),
    ("VA", "HLN"),
    ("SC", "HLN"),
    ("SI", "HLN"),
    ("SA", "HLN"),
];

/// Whether `metrics` (`K:V/K:V…`) holds every mandatory base metric once, each with
/// one allowed letter. Other metrics are not checked: this is a basic validation,
/// the score is computed elsewhere.
fn has_base_metrics(metrics: &str, base: &[(&str, &str)]) -> bool {
    let pairs: Vec<(&str, &str)> = metrics
        .split('/')
        .filter_map(|pair| pair.split_once(':'))
        .collect();
    base.iter().all(|(key, allowed)| {
        let mut values = pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| *v);
        match (values.next(), values.next()) {
            (Some(v), None) => v.len() == 1 && allowed.contains(v),
            _ => false,
        }
    })
}

/// The first CVSS vector in `text`, with its version.
fn find_vector(text: &str) -> Option<(Found, String)> {
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| matches!(c, '(' | ')' | '"' | '\'' | ',' | ';'));
        let token = token.trim_end_matches('.');
        if let Some(rest) = token
            .strip_prefix("CVSS:3.1/")
            .or_else(|| token.strip_prefix("CVSS:3.0/"))
        {
            return has_base_metrics(rest, V3_BASE).then(|| (Found::V3, token.to_owned()));
        }
        if let Some(rest) = token.strip_prefix("CVSS:4.0/") {
            return has_base_metrics(rest, V4_BASE).then(|| (Found::V4, token.to_owned()));
        }
        let v2 = token.strip_prefix("CVSS:2.0/").unwrap_or(token);
        has_base_metrics(v2, V2_BASE).then(|| (Found::V2, token.to_owned()))
    })
}

/// DefectDojo's `cvss3_validator` / `cvss4_validator` messages; a valid value becomes
/// the vector alone, as the model's save keeps only the parsed vector.
fn cvss_vector(text: &str, version: CvssVersion) -> Result<String, &'static str> {
    match (find_vector(text), version) {
        (Some((Found::V3, vector)), CvssVersion::V3) => Ok(vector),
        (Some((Found::V4, vector)), CvssVersion::V4) => Ok(vector),
        (Some((Found::V4, _)), CvssVersion::V3) => {
            Err("CVSS4 vector cannot be stored in the cvssv3 field. Use the cvssv4 field.")
        }
        (Some((Found::V3, _)), CvssVersion::V4) => {
            Err("CVSS3 vector cannot be stored in the cvssv4 field. Use the cvssv3 field.")
        }
        (Some((Found::V2, _)), _) => Err("Unsupported CVSS2 version detected."),
        (None, CvssVersion::V3) => {
            Err("No valid CVSS3 vectors found by cvss.parse_cvss_from_text()")
        }
        (None, CvssVersion::V4) => {
            Err("No valid CVSS4 vectors found by cvss.parse_cvss_from_text()")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .unwrap_or_default()
    }

    const TODAY: (i32, u32, u32) = (2026, 3, 10);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    /// The JSON type a key must have, as the generated client's strict models read it.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum T {
        Int,
        Bool,
        Str,
        Float,
        Date,
        DateTime,
        IntList,
        Array,
        Object,
        Null,
    }

    fn type_of(value: &Value) -> T {
        match value {
            Value::Null => T::Null,
            Value::Bool(_) => T::Bool,
            Value::Number(n) if n.is_i64() || n.is_u64() => T::Int,
            Value::Number(_) => T::Float,
            Value::String(s) if s.len() == 10 && parse_date_strict(s) => T::Date,
            Value::String(s) if s.ends_with('Z') && s.contains('T') => T::DateTime,
            Value::String(_) => T::Str,
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_i64) => {
                T::IntList
            }
            Value::Array(_) => T::Array,
            Value::Object(_) => T::Object,
        }
    }

    fn parse_date_strict(s: &str) -> bool {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
    }

    /// A finding with every optional column set, so no key is null by accident.
    fn full_row() -> Finding {
        Finding {
            id: 12,
            test_id: 3,
            product_id: 1,
            title: "SQL Injection".into(),
            date: day(2026, 3, 1),
            sla_start_date: Some(day(2026, 3, 1)),
            sla_expiration_date: Some(day(2026, 3, 31)),
            cwe: 89,
            cve: Some("CVE-2024-1".into()),
            epss_score: Some(0.5),
            epss_percentile: Some(0.25),
            known_exploited: true,
            ransomware_used: false,
            kev_date: Some(day(2026, 2, 1)),
            cvssv3: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into()),
            cvssv3_score: Some(9.8),
            cvssv4: Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into()),
            cvssv4_score: Some(9.3),
            url: Some("https://x".into()),
            severity: Severity::High,
            description: "d".into(),
            mitigation: Some("m".into()),
            fix_available: Some(true),
            fix_version: Some("1.2".into()),
            impact: Some("i".into()),
            steps_to_reproduce: Some("s".into()),
            severity_justification: Some("j".into()),
            refs: Some("r".into()),
            active: true,
            verified: true,
            duplicate_finding_id: Some(4),
            last_status_update: Some(at(2026, 3, 2, 1, 2, 3)),
            review_requested_by_id: Some(2),
            defect_review_requested_by_id: Some(2),
            thread_id: 0,
            mitigated: Some(at(2026, 3, 5, 0, 0, 0)),
            mitigated_by_id: Some(1),
            reporter_id: 1,
            numerical_severity: "S1".into(),
            last_reviewed: Some(at(2026, 3, 4, 0, 0, 0)),
            last_reviewed_by_id: Some(1),
            param: Some("p".into()),
            payload: Some("x".into()),
            hash_code: Some("ab".into()),
            line: Some(7),
            file_path: Some("a.py".into()),
            component_name: Some("lib".into()),
            component_version: Some("1.0".into()),
            scanner_confidence: Some(1),
            unique_id_from_tool: Some("u".into()),
            vuln_id_from_tool: Some("v".into()),
            sast_source_object: Some("o".into()),
            sast_sink_object: Some("k".into()),
            sast_source_line: Some(3),
            sast_source_file_path: Some("b.py".into()),
            nb_occurences: Some(2),
            publish_date: Some(day(2026, 1, 1)),
            service: Some("svc".into()),
            planned_remediation_date: Some(day(2026, 4, 1)),
            planned_remediation_version: Some("2.0".into()),
            effort_for_fixing: Some("Low".into()),
            created: at(2026, 3, 1, 10, 0, 0),
            updated: at(2026, 3, 2, 10, 0, 0),
            ..Finding::default()
        }
    }

    fn full_extra() -> FindingExtra {
        FindingExtra {
            today: today(),
            tags: vec!["pci".into()],
            endpoints: vec![5],
            found_by: vec![7],
            reviewers: vec![2],
            notes: vec![json!({"id": 31, "entry": "n"})],
            files: vec![8],
            vulnerability_ids: vec!["CVE-2024-1".into()],
            cwes: vec!["CWE-89".into()],
            finding_meta: vec![("team".into(), "blue".into())],
            request_response: vec![RequestResponse {
                request: "GET /".into(),
                response: "200".into(),
            }],
            finding_groups: vec![json!({"id": 1, "name": "g", "test": 3, "jira_issue": null})],
            accepted_risks: vec![json!({"id": 9})],
            related_fields: Some(json!({"test": {}, "jira": null})),
            jira_creation: Some(at(2026, 3, 3, 0, 0, 0)),
            jira_change: Some(at(2026, 3, 3, 0, 0, 0)),
            sonarqube_issue: Some(6),
        }
    }

    /// api.md §3.5's model fields with their JSON types when set.
    const MODEL_KEYS: &[(&str, T)] = &[
        ("id", T::Int),
        ("tags", T::Array),
        ("created", T::DateTime),
        ("updated", T::DateTime),
        ("title", T::Str),
        ("date", T::Date),
        ("sla_start_date", T::Date),
        ("sla_expiration_date", T::Date),
        ("cwe", T::Int),
        ("epss_score", T::Float),
        ("epss_percentile", T::Float),
        ("known_exploited", T::Bool),
        ("ransomware_used", T::Bool),
        ("kev_date", T::Date),
        ("cvssv3", T::Str),
        ("cvssv3_score", T::Float),
        ("cvssv4", T::Str),
        ("cvssv4_score", T::Float),
        ("url", T::Str),
        ("severity", T::Str),
        ("description", T::Str),
        ("mitigation", T::Str),
        ("fix_available", T::Bool),
        ("fix_version", T::Str),
        ("impact", T::Str),
        ("steps_to_reproduce", T::Str),
        ("severity_justification", T::Str),
        ("endpoints", T::IntList),
        ("references", T::Str),
        ("test", T::Int),
        ("active", T::Bool),
        ("verified", T::Bool),
        ("false_p", T::Bool),
        ("duplicate", T::Bool),
        ("duplicate_finding", T::Int),
        ("out_of_scope", T::Bool),
        ("risk_accepted", T::Bool),
        ("under_review", T::Bool),
        ("last_status_update", T::DateTime),
        ("review_requested_by", T::Int),
        ("reviewers", T::IntList),
        ("under_defect_review", T::Bool),
        ("defect_review_requested_by", T::Int),
        ("is_mitigated", T::Bool),
        ("thread_id", T::Int),
        ("mitigated", T::DateTime),
        ("mitigated_by", T::Int),
        ("reporter", T::Int),
        ("numerical_severity", T::Str),
        ("last_reviewed", T::DateTime),
        ("last_reviewed_by", T::Int),
        ("files", T::IntList),
        ("param", T::Str),
        ("payload", T::Str),
        ("hash_code", T::Str),
        ("line", T::Int),
        ("file_path", T::Str),
        ("component_name", T::Str),
        ("component_version", T::Str),
        ("found_by", T::IntList),
        ("static_finding", T::Bool),
        ("dynamic_finding", T::Bool),
        ("scanner_confidence", T::Int),
        ("sonarqube_issue", T::Int),
        ("unique_id_from_tool", T::Str),
        ("vuln_id_from_tool", T::Str),
        ("sast_source_object", T::Str),
        ("sast_sink_object", T::Str),
        ("sast_source_line", T::Int),
        ("sast_source_file_path", T::Str),
        ("nb_occurences", T::Int),
        ("publish_date", T::Date),
        ("service", T::Str),
        ("planned_remediation_date", T::Date),
        ("planned_remediation_version", T::Str),
        ("effort_for_fixing", T::Str),
        ("vulnerability_ids", T::Array),
        ("cwes", T::Array),
        ("push_to_jira", T::Bool),
    ];

    /// The GET shape's keys beyond the model fields.
    const COMPUTED_KEYS: &[(&str, T)] = &[
        ("notes", T::Array),
        ("request_response", T::Object),
        ("accepted_risks", T::Array),
        ("age", T::Int),
        ("sla_days_remaining", T::Int),
        ("finding_meta", T::Array),
        ("related_fields", T::Object),
        ("jira_creation", T::DateTime),
        ("jira_change", T::DateTime),
        ("display_status", T::Str),
        ("finding_groups", T::Array),
    ];

    fn assert_keys(value: &Value, expected: &[(&str, T)]) {
        let Value::Object(map) = value else {
            panic!("not an object: {value}");
        };
        for (key, kind) in expected {
            let got = map.get(*key).map(type_of);
            assert_eq!(got, Some(*kind), "key {key}: {:?}", map.get(*key));
        }
        let mut names: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
        names.sort_unstable();
        let mut actual: Vec<&str> = map.keys().map(String::as_str).collect();
        actual.sort_unstable();
        assert_eq!(actual, names);
    }

    #[test]
    fn get_shape_has_every_key_with_its_type() {
        let value = json(&full_row(), &full_extra());
        let expected: Vec<(&str, T)> = MODEL_KEYS.iter().chain(COMPUTED_KEYS).copied().collect();
        assert_keys(&value, &expected);
        assert_eq!(
            value["vulnerability_ids"],
            json!([{"vulnerability_id": "CVE-2024-1"}])
        );
        assert_eq!(value["cwes"], json!([{"cwe": "CWE-89"}]));
        assert_eq!(value["tags"], json!(["pci"]));
        assert_eq!(
            value["finding_meta"],
            json!([{"name": "team", "value": "blue"}])
        );
        assert_eq!(
            value["request_response"],
            json!({"req_resp": [{"request": "GET /", "response": "200"}]})
        );
        assert_eq!(value["notes"], json!([{"id": 31, "entry": "n"}]));
        assert_eq!(value["severity"], "High");
        assert_eq!(value["created"], "2026-03-01T10:00:00Z");
        assert_eq!(value["date"], "2026-03-01");
        assert_eq!(value["push_to_jira"], false);
        assert_eq!(value["display_status"], "Active, Verified, Mitigated");
        // Mitigated on 03-05: age stops there, SLA counted to there.
        assert_eq!(value["age"], 4);
        assert_eq!(value["sla_days_remaining"], 26);
    }

    #[test]
    fn get_shape_is_null_or_empty_when_absent() {
        let row = Finding {
            date: today(),
            ..Finding::default()
        };
        let extra = FindingExtra {
            today: today(),
            ..FindingExtra::default()
        };
        let value = json(&row, &extra);
        for key in [
            "sla_start_date",
            "sla_expiration_date",
            "epss_score",
            "kev_date",
            "cvssv3",
            "cvssv3_score",
            "url",
            "mitigation",
            "fix_available",
            "duplicate_finding",
            "mitigated",
            "mitigated_by",
            "review_requested_by",
            "line",
            "sonarqube_issue",
            "scanner_confidence",
            "sla_days_remaining",
            "related_fields",
            "jira_creation",
            "jira_change",
            "last_status_update",
        ] {
            assert_eq!(value[key], Value::Null, "{key}");
        }
        for key in [
            "tags",
            "endpoints",
            "found_by",
            "reviewers",
            "files",
            "notes",
            "vulnerability_ids",
            "cwes",
            "finding_meta",
            "accepted_risks",
            "finding_groups",
        ] {
            assert_eq!(value[key], json!([]), "{key}");
        }
        assert_eq!(value["request_response"], json!({"req_resp": []}));
        assert_eq!(value["age"], 0);
        assert_eq!(value["cwe"], 0);
        assert_eq!(value["dynamic_finding"], true);
        assert_eq!(value["numerical_severity"], "S4");
        assert_eq!(value["display_status"], "Active");
    }

    #[test]
    fn create_shape_is_model_fields_with_note_ids() {
        let value = create_json(&full_row(), &full_extra());
        let mut expected: Vec<(&str, T)> = MODEL_KEYS.to_vec();
        expected.push(("notes", T::IntList));
        assert_keys(&value, &expected);
        assert_eq!(value["notes"], json!([31]));
        for key in [
            "age",
            "display_status",
            "request_response",
            "related_fields",
        ] {
            assert!(value.get(key).is_none(), "{key}");
        }
    }

    #[test]
    fn datetimes_show_microseconds_only_when_present() {
        let whole = at(2026, 1, 2, 3, 4, 5);
        assert_eq!(datetime_value(&whole), "2026-01-02T03:04:05Z");
        let fine = whole + chrono::Duration::microseconds(1_500);
        assert_eq!(datetime_value(&fine), "2026-01-02T03:04:05.001500Z");
        // Sub-microsecond parts are dropped, as Python datetimes hold none.
        let nanos = whole + chrono::Duration::nanoseconds(999);
        assert_eq!(datetime_value(&nanos), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn age_counts_to_today_or_the_mitigation_day() {
        let mut row = Finding {
            date: day(2026, 3, 1),
            ..Finding::default()
        };
        assert_eq!(age(&row, today()), 9);
        // `is_mitigated` without a timestamp does not stop the clock.
        row.is_mitigated = true;
        assert_eq!(age(&row, today()), 9);
        row.mitigated = Some(at(2026, 3, 4, 23, 59, 0));
        assert_eq!(age(&row, today()), 3);
        // A date in the future is age 0, not negative.
        row.mitigated = None;
        row.date = day(2026, 4, 1);
        assert_eq!(age(&row, today()), 0);
    }

    #[test]
    fn sla_days_remaining_may_go_negative() {
        let mut row = Finding::default();
        assert_eq!(sla_days_remaining(&row, today()), None);
        row.sla_expiration_date = Some(day(2026, 3, 15));
        assert_eq!(sla_days_remaining(&row, today()), Some(5));
        row.sla_expiration_date = Some(day(2026, 3, 1));
        assert_eq!(sla_days_remaining(&row, today()), Some(-9));
        row.mitigated = Some(at(2026, 2, 27, 12, 0, 0));
        assert_eq!(sla_days_remaining(&row, today()), Some(2));
    }

    #[test]
    fn display_status_joins_in_defectdojos_order() {
        let row = Finding {
            under_review: true,
            active: false,
            verified: true,
            is_mitigated: true,
            false_p: true,
            out_of_scope: true,
            duplicate: true,
            risk_accepted: true,
            ..Finding::default()
        };
        let extra = FindingExtra::default();
        assert_eq!(
            json(&row, &extra)["display_status"],
            "Under Review, Inactive, Verified, Mitigated, False Positive, Out Of Scope, \
             Duplicate, Risk Accepted"
        );
    }

    #[test]
    fn request_response_pairs_decode_like_defectdojo() {
        use base64::Engine;
        let encode = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let row = BurpRawRequestResponse {
            id: 1,
            finding_id: Some(1),
            burp_request_base64: encode("GET / HTTP/1.1\n\nbody"),
            burp_response_base64: encode("HTTP/1.1 200\n  \n\t\nok\nend"),
        };
        let pair = RequestResponse::from_row(&row);
        assert_eq!(pair.request, "GET / HTTP/1.1\n\nbody");
        assert_eq!(pair.response, "HTTP/1.1 200\nok\nend");
        let bad = BurpRawRequestResponse {
            burp_request_base64: "@@@".into(),
            ..row
        };
        assert_eq!(RequestResponse::from_row(&bad).request, "");
    }

    #[test]
    fn finding_group_shape() {
        let group = FindingGroup {
            id: 2,
            name: "lib".into(),
            test_id: 3,
            creator_id: 1,
            created: at(2026, 1, 1, 0, 0, 0),
            modified: at(2026, 1, 1, 0, 0, 0),
        };
        assert_eq!(
            finding_group_json(&group, None),
            json!({"id": 2, "name": "lib", "test": 3, "jira_issue": null})
        );
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap_or_default()
    }

    use crate::api::body::{test_form_body as form_body, test_json_body as json_body};

    /// A valid create body, with `extra` merged over it.
    fn create_json(extra: Value) -> RequestFields {
        let mut base = json!({
            "test": 3, "found_by": [1], "title": "XSS", "severity": "High",
            "description": "d", "numerical_severity": "S1", "active": true, "verified": false,
        });
        if let (Some(map), Value::Object(more)) = (base.as_object_mut(), extra) {
            map.extend(more);
        }
        json_body(base)
    }

    /// The same create body as a form.
    fn create_form(extra: &[(&str, &str)]) -> RequestFields {
        let mut pairs = vec![
            ("test", "3"),
            ("found_by", "1"),
            ("title", "XSS"),
            ("severity", "High"),
            ("description", "d"),
            ("numerical_severity", "S1"),
            ("active", "True"),
            ("verified", "False"),
        ];
        pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        pairs.extend_from_slice(extra);
        form_body(&pairs)
    }

    fn create(body: &RequestFields) -> Result<(Finding, FindingInput), FieldErrors> {
        read(body, Mode::Create, None, today(), false)
    }

    fn patch(
        body: &RequestFields,
        stored: &Finding,
    ) -> Result<(Finding, FindingInput), FieldErrors> {
        read(body, Mode::Partial, Some(stored), today(), false)
    }

    fn put(body: &RequestFields, stored: &Finding) -> Result<(Finding, FindingInput), FieldErrors> {
        read(body, Mode::Update, Some(stored), today(), false)
    }

    fn errors(result: Result<(Finding, FindingInput), FieldErrors>) -> FieldErrors {
        result.err().unwrap_or_default()
    }

    fn stored() -> Finding {
        Finding {
            id: 12,
            test_id: 3,
            title: "Old".into(),
            description: "old".into(),
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            hash_code: Some("abc".into()),
            ..Finding::default()
        }
    }

    #[test]
    fn create_requires_its_eight_fields() {
        let e = errors(create(&json_body(json!({}))));
        for key in [
            "test",
            "found_by",
            "title",
            "severity",
            "description",
            "numerical_severity",
            "active",
            "verified",
        ] {
            assert_eq!(e[key], vec!["This field is required."], "{key}");
        }
        assert_eq!(e.len(), 8);
        let e = errors(create(&form_body(&[("title", "")])));
        assert_eq!(e["title"], vec!["This field may not be blank."]);
        assert_eq!(e["test"], vec!["This field is required."]);
    }

    #[test]
    fn create_reads_json_and_form_alike() {
        for body in [create_json(json!({})), create_form(&[])] {
            let (row, input) = create(&body).expect("valid body");
            assert_eq!(row.title, "XSS");
            assert_eq!(row.severity, Severity::High);
            assert_eq!(row.test_id, 3);
            assert!(row.active && !row.verified);
            assert_eq!(row.date, today());
            assert_eq!(input.test, Some(3));
            assert_eq!(input.found_by, Some(vec![1]));
            assert_eq!(input.reporter, None);
            assert!(!input.push_to_jira);
            assert!(!input.needs_simple_risk_acceptance);
            assert_eq!(input.risk_action, None);
        }
    }

    #[test]
    fn numerical_severity_follows_the_severity() {
        let (row, _) = create(&create_json(
            json!({"severity": "Critical", "numerical_severity": "S4"}),
        ))
        .expect("valid");
        assert_eq!(row.numerical_severity, "S0");
        let e = errors(create(&create_json(
            json!({"numerical_severity": "S12345"}),
        )));
        assert_eq!(
            e["numerical_severity"],
            vec!["Ensure this field has no more than 4 characters."]
        );
    }

    #[test]
    fn severity_must_be_an_exact_choice() {
        for body in [
            create_json(json!({"severity": "high"})),
            create_form(&[("severity", "Urgent")]),
        ] {
            assert_eq!(errors(create(&body))["severity"], vec![SEVERITY_CHOICES]);
        }
        assert!(create(&create_form(&[("severity", "Info")])).is_ok());
    }

    #[test]
    fn duplicates_cannot_be_active_or_verified() {
        let dup = |active: &str, verified: &str| {
            create(&create_form(&[
                ("duplicate", "true"),
                ("active", active),
                ("verified", verified),
            ]))
        };
        assert_eq!(
            errors(dup("True", "False"))["non_field_errors"],
            vec![DUPLICATE_ACTIVE]
        );
        assert_eq!(
            errors(dup("False", "True"))["non_field_errors"],
            vec![DUPLICATE_ACTIVE]
        );
        assert!(dup("False", "False").is_ok());
        let e = errors(create(&create_json(json!({"duplicate": true}))));
        assert_eq!(e["non_field_errors"], vec![DUPLICATE_ACTIVE]);
    }

    #[test]
    fn false_positives_cannot_be_verified() {
        let e = errors(create(&create_json(
            json!({"false_p": true, "verified": true}),
        )));
        assert_eq!(e["non_field_errors"], vec![FALSE_P_VERIFIED]);
        let e = errors(create(&create_form(&[
            ("false_p", "1"),
            ("verified", "yes"),
        ])));
        assert_eq!(e["non_field_errors"], vec![FALSE_P_VERIFIED]);
        assert!(create(&create_json(json!({"false_p": true}))).is_ok());
    }

    #[test]
    fn patch_checks_the_merged_values() {
        let dup = Finding {
            duplicate: true,
            active: false,
            ..stored()
        };
        let e = errors(patch(&json_body(json!({"verified": true})), &dup));
        assert_eq!(e["non_field_errors"], vec![DUPLICATE_ACTIVE]);
        let e = errors(patch(&form_body(&[("active", "on")]), &dup));
        assert_eq!(e["non_field_errors"], vec![DUPLICATE_ACTIVE]);
        let (row, _) = patch(&json_body(json!({"title": "New"})), &dup).expect("valid");
        assert_eq!(row.title, "New");
        assert!(row.duplicate);
        let (row, _) = patch(
            &json_body(json!({"duplicate": false, "active": true})),
            &dup,
        )
        .expect("valid");
        assert!(row.active && !row.duplicate);

        let fp = Finding {
            false_p: true,
            ..stored()
        };
        let e = errors(patch(&json_body(json!({"verified": true})), &fp));
        assert_eq!(e["non_field_errors"], vec![FALSE_P_VERIFIED]);
    }

    #[test]
    fn put_checks_against_model_defaults_and_requires_found_by() {
        let inactive_dup = Finding {
            duplicate: true,
            active: false,
            ..stored()
        };
        let body = |extra: Value| {
            let mut base = json!({
                "title": "T", "severity": "Low", "description": "d",
                "numerical_severity": "S3", "found_by": [],
            });
            if let (Some(map), Value::Object(more)) = (base.as_object_mut(), extra) {
                map.extend(more);
            }
            json_body(base)
        };
        // An absent `active` counts as the default `true`, as DefectDojo's PUT does.
        let e = errors(put(&body(json!({"duplicate": true})), &inactive_dup));
        assert_eq!(e["non_field_errors"], vec![DUPLICATE_ACTIVE]);
        let (row, input) = put(
            &body(json!({"duplicate": true, "active": false})),
            &inactive_dup,
        )
        .expect("valid");
        assert!(row.duplicate && !row.active);
        // `[]` clears found_by on update.
        assert_eq!(input.found_by, Some(vec![]));
        let e = errors(put(&json_body(json!({"title": "T"})), &stored()));
        assert_eq!(e["found_by"], vec!["This field is required."]);
        assert_eq!(e["severity"], vec!["This field is required."]);
        assert!(!e.contains_key("active"));
        assert!(!e.contains_key("test"));
    }

    #[test]
    fn mitigated_data_is_refused_unless_editable() {
        let body = json_body(json!({"mitigated": "2026-03-01T10:00:00Z", "mitigated_by": 2}));
        let e = errors(patch(&body, &stored()));
        assert_eq!(
            e["mitigated"],
            vec!["Editing mitigated timestamp is disabled (EDITABLE_MITIGATED_DATA=false)"]
        );
        assert_eq!(
            e["mitigated_by"],
            vec!["Editing mitigated_by is disabled (EDITABLE_MITIGATED_DATA=false)"]
        );
        let e = errors(create(&create_form(&[("mitigated", "2026-03-01")])));
        assert_eq!(e.keys().collect::<Vec<_>>(), vec!["mitigated"]);
        // Nulls are always allowed.
        assert!(patch(
            &json_body(json!({"mitigated": null, "mitigated_by": null})),
            &stored()
        )
        .is_ok());
        let (row, input) =
            read(&body, Mode::Partial, Some(&stored()), today(), true).expect("editable");
        assert_eq!(row.mitigated_by_id, Some(2));
        assert!(row.mitigated.is_some());
        assert!(input.references().contains(&FindingRef {
            field: "mitigated_by",
            kind: FindingRefKind::User,
            id: 2
        }));
    }

    #[test]
    fn risk_acceptance_on_create_waits_for_the_product() {
        let (_, input) = create(&create_json(
            json!({"risk_accepted": true, "active": false}),
        ))
        .expect("valid");
        assert!(input.needs_simple_risk_acceptance);
        assert_eq!(
            input
                .check_simple_risk_acceptance(false)
                .err()
                .unwrap_or_default()["non_field_errors"],
            vec![SIMPLE_RISK_DISABLED]
        );
        assert!(input.check_simple_risk_acceptance(true).is_ok());
        // Active too: the product's switch is reported first, then the active rule.
        let (_, input) = create(&create_form(&[("risk_accepted", "True")])).expect("deferred");
        assert_eq!(
            input
                .check_simple_risk_acceptance(false)
                .err()
                .unwrap_or_default()["non_field_errors"],
            vec![SIMPLE_RISK_DISABLED]
        );
        assert_eq!(
            input
                .check_simple_risk_acceptance(true)
                .err()
                .unwrap_or_default()["non_field_errors"],
            vec![ACTIVE_RISK_ACCEPTED]
        );
        let (_, input) = create(&create_json(json!({"risk_accepted": false}))).expect("valid");
        assert!(!input.needs_simple_risk_acceptance);
        assert!(input.check_simple_risk_acceptance(false).is_ok());
    }

    #[test]
    fn risk_acceptance_on_update() {
        let accepted = Finding {
            risk_accepted: true,
            active: false,
            ..stored()
        };
        // Already accepted: reactivating conflicts at once, no product check needed.
        let e = errors(patch(&json_body(json!({"active": true})), &accepted));
        assert_eq!(e["non_field_errors"], vec![ACTIVE_RISK_ACCEPTED]);
        let (_, input) =
            patch(&json_body(json!({"risk_accepted": false})), &accepted).expect("unaccept");
        assert_eq!(input.risk_action, Some(RiskAction::Unaccept));
        assert!(!input.needs_simple_risk_acceptance);

        let inactive = Finding {
            active: false,
            ..stored()
        };
        let (row, input) =
            patch(&form_body(&[("risk_accepted", "true")]), &inactive).expect("accept");
        assert!(row.risk_accepted);
        assert!(input.needs_simple_risk_acceptance);
        assert_eq!(input.risk_action, Some(RiskAction::Accept));
        assert!(input.check_simple_risk_acceptance(true).is_ok());
        // Accepting an active finding: decided by the product first.
        let (_, input) =
            patch(&json_body(json!({"risk_accepted": true})), &stored()).expect("deferred");
        assert!(input.check_simple_risk_acceptance(true).is_err());
    }

    #[test]
    fn cvss_vectors_are_validated() {
        let v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        let (row, _) =
            patch(&json_body(json!({"cvssv3": v3, "cvssv4": v4})), &stored()).expect("valid");
        assert_eq!(row.cvssv3.as_deref(), Some(v3));
        assert_eq!(row.cvssv4.as_deref(), Some(v4));
        // Found inside a text, the vector alone is kept.
        let (row, _) = patch(
            &form_body(&[("cvssv3", &format!("score ({v3})"))]),
            &stored(),
        )
        .expect("valid");
        assert_eq!(row.cvssv3.as_deref(), Some(v3));
        let cases = [
            (
                "cvssv3",
                v4,
                "CVSS4 vector cannot be stored in the cvssv3 field. Use the cvssv4 field.",
            ),
            (
                "cvssv4",
                v3,
                "CVSS3 vector cannot be stored in the cvssv4 field. Use the cvssv3 field.",
            ),
            (
                "cvssv3",
                "AV:N/AC:L/Au:N/C:P/I:P/A:P",
                "Unsupported CVSS2 version detected.",
            ),
            (
                "cvssv3",
                "CVSS:3.1/AV:N",
                "No valid CVSS3 vectors found by cvss.parse_cvss_from_text()",
            ),
            (
                "cvssv4",
                "high",
                "No valid CVSS4 vectors found by cvss.parse_cvss_from_text()",
            ),
            ("cvssv3", "", "This field may not be blank."),
        ];
        for (field, value, message) in cases {
            // A number keeps the body JSON: a body of strings alone reads as a form,
            // where "" means "not supplied".
            let body = json_body(json!({ field: value, "line": 1 }));
            let e = errors(patch(&body, &stored()));
            assert_eq!(
                e.get(field),
                Some(&vec![message.to_owned()]),
                "{field}={value}"
            );
        }
        let with_vector = Finding {
            cvssv3: Some(v3.into()),
            ..stored()
        };
        let (row, _) = patch(&json_body(json!({"cvssv3": null})), &with_vector).expect("clears");
        assert_eq!(row.cvssv3, None);
    }

    #[test]
    fn cwes_accept_labels_numbers_and_objects() {
        let body = json_body(json!({"cwes": ["CWE-79", "89", {"cwe": 20}, "cwe-79"], "cwe": 1}));
        let (row, input) = patch(&body, &stored()).expect("valid");
        assert_eq!(
            input.cwes,
            Some(vec!["CWE-79".into(), "CWE-89".into(), "CWE-20".into()])
        );
        assert_eq!(row.cwe, 79);
        let (row, input) = patch(&form_body(&[("cwes", "22,CWE-23")]), &stored()).expect("form");
        assert_eq!(input.cwes, Some(vec!["CWE-22".into(), "CWE-23".into()]));
        assert_eq!(row.cwe, 22);
        let with_cwe = Finding {
            cwe: 89,
            ..stored()
        };
        let (row, input) = patch(&json_body(json!({"cwes": []})), &with_cwe).expect("clears");
        assert_eq!((row.cwe, input.cwes), (0, Some(vec![])));
        for bad in [
            json!(["abc"]),
            json!([{"cwe": "CWE-0"}]),
            json!([{"cwe": true}]),
        ] {
            let e = errors(patch(&json_body(json!({ "cwes": bad })), &stored()));
            assert_eq!(e["cwes"], vec![CWE_INVALID], "{bad}");
        }
        let e = errors(patch(&json_body(json!({"cwes": [true]})), &stored()));
        assert_eq!(
            e["cwes"],
            vec!["Invalid data. Expected a dictionary, but got bool."]
        );
        let e = errors(patch(&json_body(json!({"cwes": [{"id": 1}]})), &stored()));
        assert_eq!(e["cwes"], vec!["This field is required."]);
        let (row, input) = patch(&json_body(json!({"cwe": 352})), &stored()).expect("cwe alone");
        assert_eq!((row.cwe, input.cwes), (352, None));
    }

    #[test]
    fn vulnerability_ids_accept_objects_and_strings() {
        let body = json_body(json!({
            "vulnerability_ids": [{"vulnerability_id": "CVE-2024-1"}, "GHSA-abcd", "CVE-2024-1"],
        }));
        let (row, input) = patch(&body, &stored()).expect("valid");
        assert_eq!(
            input.vulnerability_ids,
            Some(vec!["CVE-2024-1".into(), "GHSA-abcd".into()])
        );
        assert_eq!(row.cve.as_deref(), Some("CVE-2024-1"));
        let body = form_body(&[
            ("vulnerability_ids", "CVE-1"),
            ("vulnerability_ids", "CVE-2"),
        ]);
        let (_, input) = patch(&body, &stored()).expect("form");
        assert_eq!(
            input.vulnerability_ids,
            Some(vec!["CVE-1".into(), "CVE-2".into()])
        );
        let (_, input) =
            patch(&json_body(json!({"vulnerability_ids": []})), &stored()).expect("[]");
        assert_eq!(input.vulnerability_ids, None);
        let long = "X".repeat(51);
        let e = errors(patch(
            &json_body(json!({"vulnerability_ids": [long]})),
            &stored(),
        ));
        assert_eq!(
            e["vulnerability_ids"],
            vec!["Ensure this field has no more than 50 characters."]
        );
        let e = errors(patch(
            &json_body(json!({"vulnerability_ids": 5})),
            &stored(),
        ));
        assert_eq!(
            e["vulnerability_ids"],
            vec!["Expected a list of items but got type \"int\"."]
        );
        let e = errors(patch(
            &json_body(json!({"vulnerability_ids": [{"vulnerability_id": ""}]})),
            &stored(),
        ));
        assert_eq!(e["vulnerability_ids"], vec!["This field may not be blank."]);
    }

    #[test]
    fn lengths_come_from_the_model() {
        let cases = [
            ("title", 511),
            ("component_name", 500),
            ("component_version", 100),
            ("fix_version", 100),
            ("service", 200),
            ("unique_id_from_tool", 500),
            ("file_path", 4000),
            ("planned_remediation_version", 99),
            ("effort_for_fixing", 99),
        ];
        for (field, max) in cases {
            let ok = "a".repeat(max);
            assert!(
                patch(&json_body(json!({ field: ok })), &stored()).is_ok(),
                "{field}"
            );
            let long = "a".repeat(max + 1);
            let e = errors(patch(&json_body(json!({ field: long })), &stored()));
            assert_eq!(
                e[field],
                vec![format!(
                    "Ensure this field has no more than {max} characters."
                )],
                "{field}"
            );
        }
    }

    #[test]
    fn read_only_fields_are_ignored() {
        let body = json_body(json!({
            "test": 99, "url": "u", "hash_code": "x", "param": "p", "payload": "y",
            "thread_id": 5, "duplicate_finding": 4, "notes": [1], "files": [2],
            "last_reviewed": "2026-01-01", "scanner_confidence": 3, "age": 9, "id": 77,
        }));
        let (row, input) = patch(&body, &stored()).expect("ignored");
        assert_eq!(
            row,
            Finding {
                numerical_severity: "S4".into(),
                ..stored()
            }
        );
        assert_eq!(input.test, None);
        assert!(input.references().is_empty());
        // Create accepts `url` and `thread_id`.
        let (row, _) =
            create(&create_json(json!({"url": "https://u", "thread_id": 5}))).expect("ok");
        assert_eq!((row.url.as_deref(), row.thread_id), (Some("https://u"), 5));
    }

    #[test]
    fn numbers_dates_and_flags() {
        let body = json_body(json!({
            "epss_score": 0.4, "cvssv3_score": 7.5, "line": 12, "date": "2026-02-01",
            "kev_date": "2026-03-11", "fix_available": null, "static_finding": true,
            "push_to_jira": true, "mitigation": "", "planned_remediation_date": null,
        }));
        let with_fix = Finding {
            fix_available: Some(true),
            mitigation: Some("old".into()),
            ..stored()
        };
        let (row, input) = patch(&body, &with_fix).expect("valid");
        assert_eq!(row.epss_score, Some(0.4));
        assert_eq!(row.cvssv3_score, Some(7.5));
        assert_eq!(row.line, Some(12));
        assert_eq!(
            row.date,
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default()
        );
        assert_eq!(row.fix_available, None);
        assert_eq!(row.mitigation.as_deref(), Some(""));
        assert!(row.static_finding);
        assert!(input.push_to_jira);
        let cases = [
            (
                "epss_score",
                json!(1.5),
                "Ensure this value is less than or equal to 1.0.",
            ),
            (
                "cvssv4_score",
                json!(-1),
                "Ensure this value is greater than or equal to 0.0.",
            ),
            (
                "kev_date",
                json!("2026-03-12"),
                "Ensure this value is less than or equal to 2026-03-11.",
            ),
            ("line", json!("x"), "A valid integer is required."),
            ("date", json!(null), "This field may not be null."),
            ("active", json!("maybe"), "Must be a valid boolean."),
        ];
        for (field, value, message) in cases {
            let e = errors(patch(&json_body(json!({ field: value })), &stored()));
            assert_eq!(e[field], vec![message], "{field}");
        }
    }

    #[test]
    fn relations_are_handed_to_the_caller() {
        let body = create_json(json!({
            "found_by": [1, 2], "reviewers": [4], "endpoints": [5, 6], "reporter": 7,
            "review_requested_by": 8, "sonarqube_issue": 9, "tags": ["PCI", "web,api"],
        }));
        let (row, input) = create(&body).expect("valid");
        assert_eq!(row.reporter_id, 7);
        assert_eq!(row.review_requested_by_id, Some(8));
        assert_eq!(
            input.tags,
            Some(vec!["pci".into(), "web".into(), "api".into()])
        );
        let refs: Vec<(&str, Id)> = input.references().iter().map(|r| (r.field, r.id)).collect();
        assert_eq!(
            refs,
            vec![
                ("test", 3),
                ("found_by", 1),
                ("found_by", 2),
                ("reporter", 7),
                ("review_requested_by", 8),
                ("reviewers", 4),
                ("endpoints", 5),
                ("endpoints", 6),
                ("sonarqube_issue", 9),
            ]
        );
        let e = errors(create(&create_json(
            json!({"found_by": ["x"], "test": null}),
        )));
        assert_eq!(
            e["found_by"],
            vec!["Incorrect type. Expected pk value, received str."]
        );
        assert_eq!(e["test"], vec!["This field may not be null."]);
        let missing = FindingRef {
            field: "found_by",
            kind: FindingRefKind::TestType,
            id: 9,
        };
        assert_eq!(
            missing.missing()["found_by"],
            vec!["Invalid pk \"9\" - object does not exist."]
        );
    }
}
