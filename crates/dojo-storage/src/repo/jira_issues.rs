//! Jira issues linked to findings, groups and engagements.

use dojo_domain::entities::JiraIssue;

table! {
    entity: JiraIssue,
    table: "jira_issue",
    columns: [
        jira_project_id,
        jira_id,
        jira_key,
        finding_id,
        engagement_id,
        finding_group_id,
        jira_creation,
        jira_change,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
