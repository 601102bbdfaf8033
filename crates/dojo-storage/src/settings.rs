//! The system settings singleton (row id 1, seeded by the first migration).

use dojo_domain::entities::SystemSettings;

use crate::{Conn, StorageError, StorageResult};

table! {
    entity: SystemSettings,
    table: "system_settings",
    columns: [
        enable_deduplication,
        delete_duplicates,
        max_dupes,
        false_positive_history,
        retroactive_false_positive_history,
        enable_jira,
        enable_jira_web_hook,
        disable_jira_webhook_secret,
        jira_webhook_secret,
        jira_minimum_severity,
        jira_labels,
        add_vulnerability_id_to_jira_label,
        enforce_verified_status,
        enforce_verified_status_jira,
        enforce_verified_status_product_grading,
        enforce_verified_status_metrics,
        enable_finding_sla,
        enable_notify_sla_active,
        enable_notify_sla_active_verified,
        enable_notify_sla_jira_only,
        enable_notify_sla_exponential_backoff,
        enable_product_grade,
        product_grade_a,
        product_grade_b,
        product_grade_c,
        product_grade_d,
        product_grade_f,
        enable_product_tag_inheritance,
        enable_finding_groups,
        enable_benchmark,
        enable_questionnaires,
        enable_checklists,
        enable_calendar,
        enable_product_tracking_files,
        enable_endpoint_metadata_import,
        enable_similar_findings,
        enable_user_profile_editable,
        enable_ui_table_based_searching,
        enable_cvss3_display,
        enable_cvss4_display,
        engagement_auto_close,
        engagement_auto_close_days,
        risk_acceptance_form_default_days,
        risk_acceptance_notify_before_expiration,
        enable_slack_notifications,
        slack_channel,
        slack_token,
        slack_username,
        enable_msteams_notifications,
        msteams_url,
        enable_mail_notifications,
        mail_notifications_to,
        email_from,
        enable_webhooks_notifications,
        webhooks_notifications_timeout,
        minimum_password_length,
        maximum_password_length,
        number_character_required,
        special_character_required,
        lowercase_character_required,
        uppercase_character_required,
        non_common_password_required,
        disclaimer_notifications,
        disclaimer_reports,
        disclaimer_reports_forced,
        disclaimer_notes,
        url_prefix,
        team_name,
        api_expose_error_details,
        filter_string_matching,
        allow_anonymous_survey_repsonse,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub(crate) update_row,
    delete: pub(crate) delete_row,
}

/// The current settings.
pub async fn load(conn: &mut Conn) -> StorageResult<SystemSettings> {
    get(conn, 1).await
}

/// Saves the settings, refusing a password policy whose minimum exceeds its maximum.
pub async fn save(conn: &mut Conn, settings: &SystemSettings) -> StorageResult<SystemSettings> {
    if settings.minimum_password_length > settings.maximum_password_length {
        return Err(StorageError::Refused(
            "minimum_password_length must not exceed maximum_password_length".into(),
        ));
    }
    let settings = SystemSettings {
        id: 1,
        ..settings.clone()
    };
    update_row(conn, &settings).await
}
