//! Jira servers.

use dojo_domain::entities::JiraInstance;

table! {
    entity: JiraInstance,
    table: "jira_instance",
    columns: [
        configuration_name,
        url,
        username,
        password,
        default_issue_type,
        issue_template_dir,
        epic_name_id,
        open_status_key,
        close_status_key,
        info_mapping_severity,
        low_mapping_severity,
        medium_mapping_severity,
        high_mapping_severity,
        critical_mapping_severity,
        finding_text,
        accepted_mapping_resolution,
        false_positive_mapping_resolution,
        global_jira_sla_notification,
        finding_jira_sync,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
