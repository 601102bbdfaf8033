//! Finding templates put to work (workflows §j): a template made from a
//! finding, and a template applied to a finding. Managing templates is a
//! configuration right, superuser-only in Dojo as on the API; applying one
//! also needs the right to edit the finding.

use chrono::{DateTime, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Finding, FindingTemplate};
use dojo_storage::bulk::{self, Param};
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{repo, Conn};

use super::transitions::{self, Saved};
use crate::api::object_notes::attach_finding_note;
use crate::api::shapes::finding_templates::{self as template_shape, lines};
use crate::api::shapes::notes::NewNote;
use crate::auth::Caller;
use crate::error::ApiError;

fn require_template_rights(caller: &Caller) -> Result<(), ApiError> {
    if caller.access.superuser {
        Ok(())
    } else {
        Err(ApiError::denied())
    }
}

fn joined(entries: &[String]) -> Option<String> {
    (!entries.is_empty()).then(|| entries.join("\n"))
}

/// "Make template": a new template carrying the finding's descriptive fields,
/// tags, vulnerability ids and endpoint URLs. Refused when a template with the
/// finding's title exists.
pub async fn create_from_finding(
    conn: &mut Conn,
    caller: &Caller,
    finding: &Finding,
) -> Result<FindingTemplate, ApiError> {
    require_template_rights(caller)?;
    transitions::require(conn, caller, finding, Permission::FindingView).await?;
    let taken: Vec<(i64,)> = bulk::fetch_all(
        conn,
        "SELECT id FROM finding_template WHERE title = $1",
        &[finding.title.clone().into()],
    )
    .await?;
    if !taken.is_empty() {
        return Err(ApiError::field(
            "title",
            "A finding template with this title already exists.",
        ));
    }
    let vulnerability_ids = repo::findings::vulnerability_ids(conn, finding.id).await?;
    let urls = endpoint_urls(conn, finding.id).await?;
    let template = FindingTemplate {
        id: 0,
        title: finding.title.clone(),
        cwe: Some(finding.cwe),
        cve: None,
        cvssv3: finding.cvssv3.clone(),
        cvssv3_score: finding.cvssv3_score,
        cvssv4: finding.cvssv4.clone(),
        cvssv4_score: finding.cvssv4_score,
        severity: Some(finding.severity),
        description: Some(finding.description.clone()),
        mitigation: finding.mitigation.clone(),
        impact: finding.impact.clone(),
        refs: finding.refs.clone(),
        last_used: None,
        numerical_severity: Some(finding.severity.numerical().to_owned()),
        fix_available: finding.fix_available,
        fix_version: finding.fix_version.clone(),
        planned_remediation_version: finding.planned_remediation_version.clone(),
        effort_for_fixing: finding.effort_for_fixing.clone(),
        steps_to_reproduce: finding.steps_to_reproduce.clone(),
        severity_justification: finding.severity_justification.clone(),
        component_name: finding.component_name.clone(),
        component_version: finding.component_version.clone(),
        notes: None,
        vulnerability_ids_text: joined(&vulnerability_ids),
        endpoints_text: joined(&urls),
    };
    let saved = repo::finding_templates::insert(conn, &template).await?;
    let finding_tags = tags::get(conn, Tagged::Finding, finding.id).await?;
    tags::set(conn, Tagged::FindingTemplate, saved.id, &finding_tags).await?;
    Ok(saved)
}

/// The URLs of the finding's endpoints, as the endpoint list shows them.
async fn endpoint_urls(conn: &mut Conn, finding_id: i64) -> Result<Vec<String>, ApiError> {
    let rows: Vec<dojo_domain::entities::Endpoint> = bulk::fetch_all(
        conn,
        "SELECT e.* FROM endpoint e JOIN endpoint_status s ON s.endpoint_id = e.id \
         WHERE s.finding_id = $1 ORDER BY e.id",
        &[finding_id.into()],
    )
    .await?;
    Ok(rows.iter().map(|e| e.to_url_string()).collect())
}

/// Applies a template to a finding: the finding takes the template's title,
/// CWE, severity, description, mitigation, impact, references and tags; its
/// CVSS, fix, effort, steps, justification and component fields where the
/// template has them; the template's vulnerability ids are added and its
/// endpoint URLs become endpoints of the finding; the template's note text
/// becomes a note. The template is marked used now; the finding is saved as
/// an edit (SLA recomputed, de-duplication after; see [`Saved`]).
pub async fn apply(
    conn: &mut Conn,
    caller: &Caller,
    finding: &Finding,
    template: &FindingTemplate,
    now: DateTime<Utc>,
) -> Result<Saved, ApiError> {
    require_template_rights(caller)?;
    transitions::require(conn, caller, finding, Permission::FindingEdit).await?;
    let mut row = finding.clone();
    row.title = template.title.clone();
    row.cwe = template.cwe.unwrap_or(0);
    if let Some(severity) = template.severity {
        row.severity = severity;
    }
    row.description = template.description.clone().unwrap_or_default();
    row.mitigation = template.mitigation.clone();
    row.impact = template.impact.clone();
    row.refs = template.refs.clone();
    copy_if_set(&mut row.cvssv3, &template.cvssv3);
    if template.cvssv3_score.is_some() {
        row.cvssv3_score = template.cvssv3_score;
    }
    copy_if_set(&mut row.cvssv4, &template.cvssv4);
    if template.cvssv4_score.is_some() {
        row.cvssv4_score = template.cvssv4_score;
    }
    if template.fix_available.is_some() {
        row.fix_available = template.fix_available;
    }
    copy_if_set(&mut row.fix_version, &template.fix_version);
    copy_if_set(
        &mut row.planned_remediation_version,
        &template.planned_remediation_version,
    );
    copy_if_set(&mut row.effort_for_fixing, &template.effort_for_fixing);
    copy_if_set(&mut row.steps_to_reproduce, &template.steps_to_reproduce);
    copy_if_set(
        &mut row.severity_justification,
        &template.severity_justification,
    );
    copy_if_set(&mut row.component_name, &template.component_name);
    copy_if_set(&mut row.component_version, &template.component_version);
    row.normalise_for_save();
    let product = repo::products::get(conn, row.product_id).await?;
    let sla = repo::sla_configurations::get(conn, product.sla_configuration_id).await?;
    row.sla_expiration_date =
        sla.expiration_date(row.severity, row.sla_start_date.unwrap_or(row.date));
    row.updated = now;
    repo::findings::save(conn, &row).await?;

    let template_tags = tags::get(conn, Tagged::FindingTemplate, template.id).await?;
    tags::set(conn, Tagged::Finding, row.id, &template_tags).await?;
    let mut ids = repo::findings::vulnerability_ids(conn, row.id).await?;
    ids.extend(template_shape::vulnerability_ids(template));
    repo::findings::set_vulnerability_ids(conn, row.id, &ids).await?;
    let urls = lines(template.endpoints_text.as_deref());
    let endpoint_ids =
        dojo_importer::saved::endpoint_ids_for_urls(conn, row.product_id, &urls).await?;
    let statuses: Vec<Vec<Param>> = endpoint_ids
        .iter()
        .map(|endpoint_id| {
            vec![
                now.date_naive().into(),
                now.into(),
                (*endpoint_id).into(),
                row.id.into(),
            ]
        })
        .collect();
    bulk::insert_rows(
        conn,
        "endpoint_status",
        &["date", "last_modified", "endpoint_id", "finding_id"],
        &statuses,
        "ON CONFLICT DO NOTHING",
    )
    .await?;
    if let Some(text) = template.notes.as_deref().filter(|t| !t.trim().is_empty()) {
        let note = NewNote {
            entry: text.to_owned(),
            private: false,
            note_type: None,
        };
        attach_finding_note(conn, caller, row.id, &note).await?;
    }
    let mut used = template.clone();
    used.last_used = Some(now);
    repo::finding_templates::update(conn, &used).await?;

    let stored = repo::findings::get(conn, row.id).await?;
    let deleted_files = dojo_importer::saved::after_save(conn, &stored).await?;
    Ok(Saved {
        finding: repo::findings::get(conn, row.id).await?,
        deleted_files,
    })
}

fn copy_if_set(target: &mut Option<String>, source: &Option<String>) {
    if source.as_deref().is_some_and(|s| !s.trim().is_empty()) {
        target.clone_from(source);
    }
}
