//! Jira projects mapped to products or engagements.

use dojo_domain::entities::JiraProject;

table! {
    entity: JiraProject,
    table: "jira_project",
    columns: [
        jira_instance_id,
        project_key,
        product_id,
        engagement_id,
        issue_template_dir,
        component,
        custom_fields,
        close_transition_fields,
        reopen_transition_fields,
        default_assignee,
        jira_labels,
        add_vulnerability_id_to_jira_label,
        push_all_issues,
        enable_engagement_epic_mapping,
        epic_issue_type_name,
        push_notes,
        product_jira_sla_notification,
        risk_acceptance_expiration_notification,
        enabled,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
