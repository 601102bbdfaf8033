//! `POST /api/v2/findings/` and `PUT`/`PATCH /api/v2/findings/{id}/`: a finding
//! written by hand, with DefectDojo's save rules (workflows a.4): status hooks,
//! SLA date, hash code on create, simple risk (un)acceptance, and
//! de-duplication when the system setting asks for it.

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Endpoint, EndpointStatus, Finding, Product};
use dojo_domain::ids::Id;
use dojo_storage::bulk;
use dojo_storage::links::{self, Link};
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{repo, Conn};
use serde_json::Value;

use crate::api::fields::Mode;
use crate::api::findings::{extras, permitted, render};
use crate::api::references;
use crate::api::shapes::findings::{self as shape, FindingInput, FindingRefKind, RiskAction};
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::lifecycle;
use crate::AppState;

/// `DD_EDITABLE_MITIGATED_DATA`, off in DefectDojo's default settings; Dojo has
/// no switch for it, so `mitigated` and `mitigated_by` are never written by hand.
const EDITABLE_MITIGATED_DATA: bool = false;

/// POST: the parent test's product must allow `Finding_Add`; checked before the
/// body is validated, as DefectDojo does (api.md §1.8).
pub async fn create_finding(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let test_id = references::parent_id(&body, "test")?;
    let Some(test) = repo::tests::find(&mut tx, test_id).await? else {
        return Err(ApiError::NoMatch("Test"));
    };
    let product = product_of_engagement(&mut tx, test.engagement_id).await?;
    if !caller
        .access
        .may_on_product(&mut tx, product.id, Permission::FindingAdd)
        .await?
    {
        return Err(ApiError::denied());
    }
    let now = Utc::now();
    let (mut row, input) = shape::read(
        &body,
        Mode::Create,
        None,
        now.date_naive(),
        EDITABLE_MITIGATED_DATA,
    )
    .map_err(ApiError::Fields)?;
    check_references(&mut tx, &input).await?;
    input
        .check_simple_risk_acceptance(product.enable_simple_risk_acceptance)
        .map_err(ApiError::Fields)?;
    row.reporter_id = input.reporter.unwrap_or(caller.user.id);
    row.created = now;
    row.updated = now;
    row.apply_status_hooks(None, caller.user.id, now);
    let endpoints = endpoints_named(&mut tx, input.endpoints.as_deref().unwrap_or(&[])).await?;
    if row.file_path.is_some() {
        row.static_finding = true;
        if endpoints.is_empty() {
            row.dynamic_finding = false;
        }
    }
    set_sla_expiration(&mut tx, &product, &mut row).await?;
    let mut saved = repo::findings::create(&mut tx, &row).await?;
    // The test's type always counts among those that found it.
    let mut found_by = input.found_by.clone().unwrap_or_default();
    if !found_by.contains(&test.test_type_id) {
        found_by.push(test.test_type_id);
    }
    links::set(&mut tx, Link::FindingFoundBy, saved.id, &found_by).await?;
    save_relations(&mut tx, &saved, &input, &endpoints, now).await?;
    let vulnerability_ids = repo::findings::vulnerability_ids(&mut tx, saved.id).await?;
    let cwes = repo::findings::cwes(&mut tx, saved.id).await?;
    let hash_code = dojo_importer::saved::hash_code_of_new(
        &mut tx,
        &saved,
        &vulnerability_ids,
        &cwes,
        &endpoints,
    )
    .await?;
    bulk::execute(
        &mut tx,
        "UPDATE finding SET hash_code = $1 WHERE id = $2",
        &[hash_code.clone().into(), saved.id.into()],
    )
    .await?;
    saved.hash_code = Some(hash_code);
    let deleted_files = dojo_importer::saved::after_save(&mut tx, &saved).await?;
    let saved = repo::findings::get(&mut tx, saved.id).await?;
    let body = created_body(&mut tx, &saved).await?;
    tx.commit().await?;
    state.files.remove(&deleted_files).await;
    Ok((StatusCode::CREATED, Json(body)))
}

/// PUT (every required field) and PATCH (the fields given): `Finding_Edit` on
/// the finding's product; a finding the caller cannot see is a 404.
pub async fn update_finding(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let saved = update(&state, &caller, &id, Mode::of(&method), &body).await?;
    let mut conn = state.db.conn().await?;
    let body = render(&mut conn, std::slice::from_ref(&saved))
        .await?
        .pop()
        .unwrap_or(Value::Null);
    Ok(Json(body))
}

/// The update behind PUT and PATCH, shared with the web edit form: checks
/// `Finding_Edit`, validates `body` as the API does, saves with the save rules
/// and commits. Answers the stored finding.
pub(crate) async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    mode: Mode,
    body: &RequestFields,
) -> Result<Finding, ApiError> {
    let mut tx = state.db.begin().await?;
    let current = permitted(&mut tx, caller, id, Permission::FindingEdit).await?;
    let now = Utc::now();
    let (mut row, input) = shape::read(
        body,
        mode,
        Some(&current),
        now.date_naive(),
        EDITABLE_MITIGATED_DATA,
    )
    .map_err(ApiError::Fields)?;
    check_references(&mut tx, &input).await?;
    let product = repo::products::get(&mut tx, current.product_id).await?;
    input
        .check_simple_risk_acceptance(product.enable_simple_risk_acceptance)
        .map_err(ApiError::Fields)?;
    let risk_note = match input.risk_action {
        Some(action) => {
            let accept = action == RiskAction::Accept;
            Some(lifecycle::simple_risk_change(&mut tx, &mut row, accept).await?)
        }
        None => None,
    };
    row.updated = now;
    row.apply_status_hooks(Some(&current), caller.user.id, now);
    set_sla_expiration(&mut tx, &product, &mut row).await?;
    let saved = repo::findings::save(&mut tx, &row).await?;
    if let Some(found_by) = &input.found_by {
        links::set(&mut tx, Link::FindingFoundBy, saved.id, found_by).await?;
    }
    let endpoints = match &input.endpoints {
        Some(ids) => endpoints_named(&mut tx, ids).await?,
        None => Vec::new(),
    };
    save_relations(&mut tx, &saved, &input, &endpoints, now).await?;
    if let Some(action) = risk_note {
        let accept = input.risk_action == Some(RiskAction::Accept);
        lifecycle::set_endpoint_risk(&mut tx, &[saved.id], accept, now).await?;
        lifecycle::add_finding_note(&mut tx, &caller.user, saved.id, action, now).await?;
    }
    // Risk (un)acceptance saves without de-duplication (workflows c.1).
    let deleted_files = if risk_note.is_none() {
        dojo_importer::saved::after_save(&mut tx, &saved).await?
    } else {
        Vec::new()
    };
    let saved = repo::findings::get(&mut tx, saved.id).await?;
    tx.commit().await?;
    state.files.remove(&deleted_files).await;
    Ok(saved)
}

async fn product_of_engagement(conn: &mut Conn, engagement_id: Id) -> Result<Product, ApiError> {
    let engagement = repo::engagements::get(conn, engagement_id).await?;
    Ok(repo::products::get(conn, engagement.product_id).await?)
}

/// DRF's "Invalid pk" 400 for the first id in the body that names nothing.
async fn check_references(conn: &mut Conn, input: &FindingInput) -> Result<(), ApiError> {
    for reference in input.references() {
        let table = match reference.kind {
            FindingRefKind::Test => "test",
            FindingRefKind::TestType => "test_type",
            FindingRefKind::User => "dojo_user",
            FindingRefKind::Endpoint => "endpoint",
            // Dojo keeps no SonarQube issues, so no id can name one.
            FindingRefKind::SonarqubeIssue => return Err(ApiError::Fields(reference.missing())),
        };
        let found: Vec<(i64,)> = bulk::fetch_all(
            conn,
            &format!("SELECT id FROM {table} WHERE id = $1"),
            &[reference.id.into()],
        )
        .await?;
        if found.is_empty() {
            return Err(ApiError::Fields(reference.missing()));
        }
    }
    Ok(())
}

async fn endpoints_named(conn: &mut Conn, ids: &[Id]) -> Result<Vec<Endpoint>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Endpoint> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT * FROM endpoint WHERE id IN ({list})")
    })
    .await?;
    rows.sort_by_key(|e| ids.iter().position(|id| *id == e.id));
    Ok(rows)
}

/// `sla_expiration_date` from the product's SLA configuration, counted from
/// `sla_start_date` or else the finding's date.
async fn set_sla_expiration(
    conn: &mut Conn,
    product: &Product,
    row: &mut Finding,
) -> Result<(), ApiError> {
    let sla = repo::sla_configurations::get(conn, product.sla_configuration_id).await?;
    let start = row.sla_start_date.unwrap_or(row.date);
    row.sla_expiration_date = sla.expiration_date(row.severity, start);
    Ok(())
}

/// Tags, reviewers, endpoints, vulnerability ids and CWEs, each only when the
/// body supplied it.
async fn save_relations(
    conn: &mut Conn,
    saved: &Finding,
    input: &FindingInput,
    endpoints: &[Endpoint],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(tag_names) = &input.tags {
        tags::set(conn, Tagged::Finding, saved.id, tag_names).await?;
    }
    if let Some(reviewers) = &input.reviewers {
        links::set(conn, Link::FindingReviewers, saved.id, reviewers).await?;
    }
    if input.endpoints.is_some() {
        set_endpoints(conn, saved.id, endpoints, now).await?;
    }
    if let Some(ids) = &input.vulnerability_ids {
        repo::findings::set_vulnerability_ids(conn, saved.id, ids).await?;
    }
    if let Some(cwes) = &input.cwes {
        repo::findings::set_cwes(conn, saved.id, cwes).await?;
    }
    Ok(())
}

/// Keeps the finding's endpoint statuses for exactly these endpoints: new ones
/// start open today, dropped ones go, kept ones keep their state.
async fn set_endpoints(
    conn: &mut Conn,
    finding_id: Id,
    endpoints: &[Endpoint],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let current: Vec<(i64,)> = bulk::fetch_all(
        conn,
        "SELECT endpoint_id FROM endpoint_status WHERE finding_id = $1",
        &[finding_id.into()],
    )
    .await?;
    let wanted: Vec<Id> = endpoints.iter().map(|e| e.id).collect();
    for (endpoint_id,) in &current {
        if !wanted.contains(endpoint_id) {
            bulk::execute(
                conn,
                "DELETE FROM endpoint_status WHERE finding_id = $1 AND endpoint_id = $2",
                &[finding_id.into(), (*endpoint_id).into()],
            )
            .await?;
        }
    }
    for endpoint_id in wanted {
        if !current.iter().any(|(id,)| *id == endpoint_id) {
            repo::endpoint_statuses::insert(
                conn,
                &EndpointStatus {
                    date: now.date_naive(),
                    last_modified: Some(now),
                    endpoint_id,
                    finding_id,
                    ..EndpointStatus::default()
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The create answer: the model's fields, `notes` as ids (api.md §3.5).
async fn created_body(conn: &mut Conn, saved: &Finding) -> Result<Value, ApiError> {
    let extra = extras(conn, std::slice::from_ref(saved))
        .await?
        .pop()
        .unwrap_or_default();
    Ok(shape::create_json(saved, &extra))
}
