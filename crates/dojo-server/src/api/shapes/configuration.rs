//! Configuration resources on the wire (api.md §3.11): SLA configurations,
//! regulations, development environments, note types and the system settings.
//! Each is its model's fields; uniqueness is the handler's to check.

use dojo_domain::entities::{
    DevelopmentEnvironment, NoteType, Regulation, SlaConfiguration, SystemSettings,
};
use dojo_domain::RegulationCategory;
use serde_json::{json, Map, Value};

use super::opt;
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null, UNBOUNDED};
use crate::api::RequestFields;

/// DefectDojo's refusal while an SLA configuration's findings are recomputed.
pub const SLA_LOCKED: &str = "Finding SLA expiration dates are currently being recalculated. \
     The SLA configuration cannot be changed until the calculation is complete.";

/// The day counts and their switches, in the order of severities.
const SLA_DAYS: [&str; 4] = ["critical", "high", "medium", "low"];

pub fn sla_json(row: &SlaConfiguration) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "critical": row.critical,
        "enforce_critical": row.enforce_critical,
        "high": row.high,
        "enforce_high": row.enforce_high,
        "medium": row.medium,
        "enforce_medium": row.enforce_medium,
        "low": row.low,
        "enforce_low": row.enforce_low,
        "restart_sla_on_reactivation": row.restart_sla_on_reactivation,
    })
}

/// Whether saving `new` over `old` changes what findings' expiration dates
/// are computed from.
pub fn sla_days_changed(old: &SlaConfiguration, new: &SlaConfiguration) -> bool {
    (old.critical, old.high, old.medium, old.low) != (new.critical, new.high, new.medium, new.low)
        || (
            old.enforce_critical,
            old.enforce_high,
            old.enforce_medium,
            old.enforce_low,
        ) != (
            new.enforce_critical,
            new.enforce_high,
            new.enforce_medium,
            new.enforce_low,
        )
}

pub fn read_sla(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&SlaConfiguration>,
) -> Result<SlaConfiguration, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_else(|| SlaConfiguration {
        id: 0,
        name: String::new(),
        description: None,
        critical: 7,
        high: 30,
        medium: 90,
        low: 120,
        enforce_critical: true,
        enforce_high: true,
        enforce_medium: true,
        enforce_low: true,
        restart_sla_on_reactivation: false,
        async_updating: false,
    });
    if let Some(name) = f.required_text("name", 128) {
        row.name = name;
    }
    if let Some(description) = f.text("description", 512, Blank::Allowed) {
        row.description = description;
    }
    for (field, slot) in SLA_DAYS.into_iter().zip([
        &mut row.critical,
        &mut row.high,
        &mut row.medium,
        &mut row.low,
    ]) {
        if let Some(Some(days)) = f.integer(field, None, Null::Forbidden) {
            *slot = days;
        }
    }
    for (field, slot) in [
        ("enforce_critical", &mut row.enforce_critical),
        ("enforce_high", &mut row.enforce_high),
        ("enforce_medium", &mut row.enforce_medium),
        ("enforce_low", &mut row.enforce_low),
        (
            "restart_sla_on_reactivation",
            &mut row.restart_sla_on_reactivation,
        ),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    // The model's `clean`, then the lock, once every field is valid.
    if !f.has_errors() {
        if [row.critical, row.high, row.medium, row.low]
            .iter()
            .any(|days| *days < 1)
        {
            f.non_field_error("SLA Days must be at least 1");
        } else if let Some(old) = current {
            if old.async_updating && sla_days_changed(old, &row) {
                f.non_field_error(SLA_LOCKED);
            }
        }
    }
    f.finish()?;
    Ok(row)
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

pub fn regulation_json(row: &Regulation) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "acronym": row.acronym,
        "category": row.category.as_str(),
        "jurisdiction": row.jurisdiction,
        "description": row.description,
        "reference": row.reference,
    })
}

pub fn read_regulation(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&Regulation>,
) -> Result<Regulation, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(name) = f.required_text("name", 128) {
        row.name = name;
    }
    if let Some(acronym) = f.required_text("acronym", 20) {
        row.acronym = acronym;
    }
    f.required("category");
    let categories = names(RegulationCategory::ALL, RegulationCategory::as_str);
    if let Some(Some(category)) = f.choice("category", &categories, Blank::Forbidden) {
        row.category = category.parse().unwrap_or_default();
    }
    if let Some(jurisdiction) = f.required_text("jurisdiction", 64) {
        row.jurisdiction = jurisdiction;
    }
    if let Some(description) = f.text("description", UNBOUNDED, Blank::Allowed) {
        row.description = description;
    }
    if let Some(reference) = f.url("reference", 200, Blank::Allowed) {
        row.reference = reference;
    }
    f.finish()?;
    Ok(row)
}

pub fn development_environment_json(row: &DevelopmentEnvironment) -> Value {
    json!({ "id": row.id, "name": row.name })
}

pub fn read_development_environment(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&DevelopmentEnvironment>,
) -> Result<DevelopmentEnvironment, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(name) = f.required_text("name", 200) {
        row.name = name;
    }
    f.finish()?;
    Ok(row)
}

pub fn note_type_json(row: &NoteType) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "is_single": row.is_single,
        "is_active": row.is_active,
        "is_mandatory": row.is_mandatory,
    })
}

pub fn read_note_type(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&NoteType>,
) -> Result<NoteType, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_else(|| NoteType {
        id: 0,
        name: String::new(),
        description: String::new(),
        is_single: false,
        is_active: true,
        is_mandatory: true,
    });
    if let Some(name) = f.required_text("name", 100) {
        row.name = name;
    }
    if let Some(description) = f.required_text("description", 200) {
        row.description = description;
    }
    for (field, slot) in [
        ("is_single", &mut row.is_single),
        ("is_active", &mut row.is_active),
        ("is_mandatory", &mut row.is_mandatory),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    f.finish()?;
    Ok(row)
}

/// The Jira minimum severities the settings accept.
const JIRA_SEVERITIES: &[&str] = &["Critical", "High", "Medium", "Low", "Info"];

/// The boolean switches of the settings, by name.
macro_rules! setting_flags {
    ($row:expr) => {
        [
            ("enable_deduplication", &mut $row.enable_deduplication),
            ("delete_duplicates", &mut $row.delete_duplicates),
            ("false_positive_history", &mut $row.false_positive_history),
            (
                "retroactive_false_positive_history",
                &mut $row.retroactive_false_positive_history,
            ),
            ("enable_jira", &mut $row.enable_jira),
            ("enable_jira_web_hook", &mut $row.enable_jira_web_hook),
            (
                "disable_jira_webhook_secret",
                &mut $row.disable_jira_webhook_secret,
            ),
            (
                "add_vulnerability_id_to_jira_label",
                &mut $row.add_vulnerability_id_to_jira_label,
            ),
            ("enforce_verified_status", &mut $row.enforce_verified_status),
            (
                "enforce_verified_status_jira",
                &mut $row.enforce_verified_status_jira,
            ),
            (
                "enforce_verified_status_product_grading",
                &mut $row.enforce_verified_status_product_grading,
            ),
            (
                "enforce_verified_status_metrics",
                &mut $row.enforce_verified_status_metrics,
            ),
            ("enable_finding_sla", &mut $row.enable_finding_sla),
            (
                "enable_notify_sla_active",
                &mut $row.enable_notify_sla_active,
            ),
            (
                "enable_notify_sla_active_verified",
                &mut $row.enable_notify_sla_active_verified,
            ),
            (
                "enable_notify_sla_jira_only",
                &mut $row.enable_notify_sla_jira_only,
            ),
            (
                "enable_notify_sla_exponential_backoff",
                &mut $row.enable_notify_sla_exponential_backoff,
            ),
            ("enable_product_grade", &mut $row.enable_product_grade),
            (
                "enable_product_tag_inheritance",
                &mut $row.enable_product_tag_inheritance,
            ),
            ("enable_finding_groups", &mut $row.enable_finding_groups),
            ("enable_benchmark", &mut $row.enable_benchmark),
            ("enable_questionnaires", &mut $row.enable_questionnaires),
            ("enable_checklists", &mut $row.enable_checklists),
            ("enable_calendar", &mut $row.enable_calendar),
            (
                "enable_product_tracking_files",
                &mut $row.enable_product_tracking_files,
            ),
            (
                "enable_endpoint_metadata_import",
                &mut $row.enable_endpoint_metadata_import,
            ),
            ("enable_similar_findings", &mut $row.enable_similar_findings),
            (
                "enable_user_profile_editable",
                &mut $row.enable_user_profile_editable,
            ),
            (
                "enable_ui_table_based_searching",
                &mut $row.enable_ui_table_based_searching,
            ),
            ("enable_cvss3_display", &mut $row.enable_cvss3_display),
            ("enable_cvss4_display", &mut $row.enable_cvss4_display),
            ("engagement_auto_close", &mut $row.engagement_auto_close),
            (
                "enable_slack_notifications",
                &mut $row.enable_slack_notifications,
            ),
            (
                "enable_msteams_notifications",
                &mut $row.enable_msteams_notifications,
            ),
            (
                "enable_mail_notifications",
                &mut $row.enable_mail_notifications,
            ),
            (
                "enable_webhooks_notifications",
                &mut $row.enable_webhooks_notifications,
            ),
            (
                "number_character_required",
                &mut $row.number_character_required,
            ),
            (
                "special_character_required",
                &mut $row.special_character_required,
            ),
            (
                "lowercase_character_required",
                &mut $row.lowercase_character_required,
            ),
            (
                "uppercase_character_required",
                &mut $row.uppercase_character_required,
            ),
            (
                "non_common_password_required",
                &mut $row.non_common_password_required,
            ),
            (
                "disclaimer_reports_forced",
                &mut $row.disclaimer_reports_forced,
            ),
            (
                "api_expose_error_details",
                &mut $row.api_expose_error_details,
            ),
            ("filter_string_matching", &mut $row.filter_string_matching),
            (
                "allow_anonymous_survey_repsonse",
                &mut $row.allow_anonymous_survey_repsonse,
            ),
        ]
    };
}

/// The required integers of the settings, by name.
macro_rules! setting_numbers {
    ($row:expr) => {
        [
            ("product_grade_a", &mut $row.product_grade_a),
            ("product_grade_b", &mut $row.product_grade_b),
            ("product_grade_c", &mut $row.product_grade_c),
            ("product_grade_d", &mut $row.product_grade_d),
            ("product_grade_f", &mut $row.product_grade_f),
            (
                "engagement_auto_close_days",
                &mut $row.engagement_auto_close_days,
            ),
            (
                "webhooks_notifications_timeout",
                &mut $row.webhooks_notifications_timeout,
            ),
            ("minimum_password_length", &mut $row.minimum_password_length),
            ("maximum_password_length", &mut $row.maximum_password_length),
        ]
    };
}

/// The texts that are never null (blank allowed), by name and length.
macro_rules! setting_texts {
    ($row:expr) => {
        [
            ("slack_channel", 100, &mut $row.slack_channel),
            ("slack_token", 100, &mut $row.slack_token),
            ("slack_username", 100, &mut $row.slack_username),
            ("msteams_url", 400, &mut $row.msteams_url),
            (
                "mail_notifications_to",
                200,
                &mut $row.mail_notifications_to,
            ),
            ("email_from", 200, &mut $row.email_from),
            (
                "disclaimer_notifications",
                3000,
                &mut $row.disclaimer_notifications,
            ),
            ("disclaimer_reports", 5000, &mut $row.disclaimer_reports),
            ("disclaimer_notes", 3000, &mut $row.disclaimer_notes),
            ("url_prefix", 300, &mut $row.url_prefix),
            ("team_name", 100, &mut $row.team_name),
        ]
    };
}

/// Every field of the settings row (domain.md §23).
pub fn settings_json(row: &SystemSettings) -> Value {
    let mut copy = row.clone();
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    for (name, value) in setting_flags!(copy) {
        m.insert(name.into(), (*value).into());
    }
    for (name, value) in setting_numbers!(copy) {
        m.insert(name.into(), (*value).into());
    }
    for (name, _, value) in setting_texts!(copy) {
        m.insert(name.into(), value.clone().into());
    }
    m.insert("max_dupes".into(), opt(row.max_dupes));
    m.insert(
        "risk_acceptance_form_default_days".into(),
        opt(row.risk_acceptance_form_default_days),
    );
    m.insert(
        "risk_acceptance_notify_before_expiration".into(),
        opt(row.risk_acceptance_notify_before_expiration),
    );
    m.insert(
        "jira_webhook_secret".into(),
        opt(row.jira_webhook_secret.clone()),
    );
    m.insert(
        "jira_minimum_severity".into(),
        opt(row.jira_minimum_severity.clone()),
    );
    m.insert("jira_labels".into(), opt(row.jira_labels.clone()));
    Value::Object(m)
}

/// The names of every settings field, in the order of [`settings_json`].
pub fn settings_fields() -> Vec<String> {
    let row = SystemSettings::default();
    settings_json(&row)
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

pub fn read_settings(
    fields: &RequestFields,
    mode: Mode,
    current: &SystemSettings,
) -> Result<SystemSettings, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.clone();
    for (name, slot) in setting_flags!(row) {
        if let Some(v) = f.boolean(name) {
            *slot = v;
        }
    }
    for (name, slot) in setting_numbers!(row) {
        if let Some(Some(v)) = f.integer(name, None, Null::Forbidden) {
            *slot = v;
        }
    }
    for (name, max, slot) in setting_texts!(row) {
        if let Some(Some(v)) = f.text(name, max, Blank::Allowed) {
            *slot = v;
        }
    }
    for (name, slot) in [
        ("max_dupes", &mut row.max_dupes),
        (
            "risk_acceptance_form_default_days",
            &mut row.risk_acceptance_form_default_days,
        ),
        (
            "risk_acceptance_notify_before_expiration",
            &mut row.risk_acceptance_notify_before_expiration,
        ),
    ] {
        if let Some(v) = f.integer(name, Some(0), Null::Allowed) {
            *slot = v;
        }
    }
    if let Some(v) = f.text("jira_webhook_secret", 64, Blank::Allowed) {
        row.jira_webhook_secret = v;
    }
    if let Some(v) = f.text("jira_labels", 200, Blank::Allowed) {
        row.jira_labels = v;
    }
    if let Some(v) = f.choice("jira_minimum_severity", JIRA_SEVERITIES, Blank::Allowed) {
        row.jira_minimum_severity = v;
    }
    if !f.has_errors() && row.minimum_password_length > row.maximum_password_length {
        f.non_field_error(
            "Minimum required password length must be less than maximum required password length.",
        );
    }
    f.finish()?;
    Ok(row)
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;

    #[test]
    fn sla_defaults_and_clean() {
        let row = read_sla(&body(json!({"name": "Fast"})), Mode::Create, None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (row.critical, row.high, row.medium, row.low),
            (7, 30, 90, 120)
        );
        assert!(row.enforce_critical && row.enforce_low && !row.restart_sla_on_reactivation);
        let errors = read_sla(&body(json!({"name": "x", "high": 0})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(
            errors["non_field_errors"],
            vec!["SLA Days must be at least 1"]
        );
        let errors = read_sla(&body(json!({"high": "x"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["name"], vec!["This field is required."]);
        assert_eq!(errors["high"], vec!["A valid integer is required."]);
        let v = sla_json(&row);
        assert!(v.get("async_updating").is_none());
        assert_eq!(v["description"], Value::Null);
    }

    #[test]
    fn sla_lock_refuses_day_changes_only() {
        let mut current = read_sla(&body(json!({"name": "A"})), Mode::Create, None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        current.async_updating = true;
        let errors = read_sla(&body(json!({"low": 5})), Mode::Partial, Some(&current))
            .err()
            .unwrap_or_default();
        assert_eq!(errors["non_field_errors"], vec![SLA_LOCKED]);
        assert!(read_sla(
            &body(json!({"description": "d"})),
            Mode::Partial,
            Some(&current)
        )
        .is_ok());
    }

    #[test]
    fn regulation_needs_its_fields_and_a_known_category() {
        let errors = read_regulation(&body(json!({"category": "law"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        for key in ["name", "acronym", "jurisdiction"] {
            assert_eq!(errors[key], vec!["This field is required."], "{key}");
        }
        assert_eq!(errors["category"], vec!["\"law\" is not a valid choice."]);
        let row = read_regulation(
            &body(
                json!({"name": "General Data Protection Regulation", "acronym": "GDPR",
                          "category": "privacy", "jurisdiction": "EU",
                          "reference": "https://gdpr.eu/"}),
            ),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(regulation_json(&row)["category"], "privacy");
    }

    #[test]
    fn note_type_defaults() {
        let row = read_note_type(
            &body(json!({"name": "Triage", "description": "Why"})),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(!row.is_single && row.is_active && row.is_mandatory);
        let errors = read_note_type(&body(json!({"name": "T"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["description"], vec!["This field is required."]);
    }

    #[test]
    fn settings_round_trip_every_field() {
        let row = SystemSettings::default();
        let v = settings_json(&row);
        assert_eq!(v.as_object().map(|m| m.len()), Some(72));
        let changed = read_settings(
            &body(
                json!({"enable_jira": true, "max_dupes": null, "team_name": "Blue",
                          "jira_minimum_severity": "High"}),
            ),
            Mode::Partial,
            &row,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(changed.enable_jira);
        assert_eq!(changed.max_dupes, None);
        assert_eq!(changed.team_name, "Blue");
        let errors = read_settings(
            &body(json!({"minimum_password_length": 60})),
            Mode::Partial,
            &row,
        )
        .err()
        .unwrap_or_default();
        assert!(errors.contains_key("non_field_errors"));
    }
}
