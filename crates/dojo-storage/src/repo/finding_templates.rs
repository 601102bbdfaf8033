//! Finding templates.

use dojo_domain::entities::FindingTemplate;

table! {
    entity: FindingTemplate,
    table: "finding_template",
    columns: [
        title,
        cwe,
        cve,
        cvssv3,
        cvssv3_score,
        cvssv4,
        cvssv4_score,
        severity,
        description,
        mitigation,
        impact,
        refs,
        last_used,
        numerical_severity,
        fix_available,
        fix_version,
        planned_remediation_version,
        effort_for_fixing,
        steps_to_reproduce,
        severity_justification,
        component_name,
        component_version,
        notes,
        vulnerability_ids_text,
        endpoints_text,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
