//! `/api/v2/risk_acceptance/`: full risk acceptances (api.md §4.7). Every
//! action, reading included, takes the `Risk_Acceptance` permission (Writer and
//! up) on the product of the risk acceptance's engagement; the list shows only
//! those (in the SQL), and one the caller may not act on is a 404. A risk
//! acceptance with no engagement is seen by superusers only.
//!
//! The findings' side of each change (status, endpoint statuses, notes) is in
//! `lifecycle::risk_acceptance`, shared with the web pages.

use std::collections::{BTreeSet, HashMap};

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Finding, RiskAcceptance};
use dojo_domain::ids::Id;
use dojo_storage::bulk::{self, Param};
use dojo_storage::links::{self, Link};
use dojo_storage::{repo, Conn};
use serde_json::{json, Value};

use crate::api::fields::Mode;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::prefetch::{self, own, Target};
use crate::api::resource::{render_single, with_prefetch};
use crate::api::shapes::risk_acceptances::{self as shape, RiskAcceptanceExtra};
use crate::api::{references, related, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::lifecycle::risk_acceptance as lifecycle;
use crate::AppState;

const MODEL: &str = "Risk_Acceptance";

pub fn routes() -> Router<AppState> {
    let collection = get(list_risk_acceptances).post(create_risk_acceptance);
    let item = get(retrieve_risk_acceptance)
        .put(update_risk_acceptance)
        .patch(update_risk_acceptance)
        .delete(delete_risk_acceptance);
    let proof = get(download_proof);
    Router::new()
        .route("/api/v2/risk_acceptance/", collection.clone())
        .route("/api/v2/risk_acceptance", collection)
        .route("/api/v2/risk_acceptance/{id}/", item.clone())
        .route("/api/v2/risk_acceptance/{id}", item)
        .route(
            "/api/v2/risk_acceptance/{id}/download_proof/",
            proof.clone(),
        )
        .route("/api/v2/risk_acceptance/{id}/download_proof", proof)
}

/// `r.id` restricted to risk acceptances whose engagement's product grants the
/// caller `Risk_Acceptance`; `None` for those who may act on every one.
fn scope(caller: &Caller, params: &mut Vec<Param>) -> Option<String> {
    let granted = caller.access.product_filter_granting(
        "e.product_id",
        Permission::RiskAcceptance,
        params,
    )?;
    Some(format!(
        "r.id IN (SELECT l.risk_acceptance_id FROM engagement_risk_acceptance l \
         JOIN engagement e ON e.id = l.engagement_id WHERE {granted})"
    ))
}

/// Text filters with django-filter's lookups, as `(parameter, column)`.
pub const EXACT: &[(&str, &str)] = &[
    ("name", "r.name"),
    ("recommendation", "r.recommendation"),
    ("recommendation_details", "r.recommendation_details"),
    ("decision", "r.decision"),
    ("decision_details", "r.decision_details"),
    ("accepted_by", "r.accepted_by"),
];

pub const CONTAINS: &[(&str, &str)] = &[
    ("name__icontains", "r.name"),
    ("accepted_by__icontains", "r.accepted_by"),
];

/// Instants filtered exactly and by range.
pub const INSTANTS: &[(&str, &str)] = &[
    ("expiration_date", "r.expiration_date"),
    ("expiration_date_warned", "r.expiration_date_warned"),
    ("expiration_date_handled", "r.expiration_date_handled"),
    ("created", "r.created"),
    ("updated", "r.updated"),
];

const RANGES: &[(&str, &str)] = &[("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<=")];

pub const FLAGS: &[&str] = &["reactivate_expired", "restart_sla_expired"];

pub const ORDERING: &[(&str, &str)] = &[
    ("name", "r.name"),
    ("created", "r.created"),
    ("updated", "r.updated"),
];

/// Every range parameter (`created__gte`…), for the schema.
pub fn range_parameters() -> Vec<String> {
    INSTANTS
        .iter()
        .flat_map(|(name, _)| RANGES.iter().map(move |(op, _)| format!("{name}__{op}")))
        .collect()
}

fn filters(q: &QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let visible = scope(caller, &mut f.params);
    f.push(visible);
    f.ids(q, "id", "r.id");
    f.ids(q, "owner", "r.owner_id");
    f.ids_into(
        q,
        "accepted_findings",
        "r.id IN (SELECT risk_acceptance_id FROM risk_acceptance_findings WHERE finding_id IN ({}))",
    );
    f.ids_into(
        q,
        "notes",
        "r.id IN (SELECT risk_acceptance_id FROM risk_acceptance_notes WHERE notes_id IN ({}))",
    );
    for (name, column) in EXACT {
        f.exact(q, name, column);
    }
    for (name, column) in CONTAINS {
        f.contains(q, name, column);
    }
    for (name, column) in INSTANTS {
        f.instant_into(q, name, &format!("{column} = {{}}"));
        for (suffix, op) in RANGES {
            f.instant_into(
                q,
                &format!("{name}__{suffix}"),
                &format!("{column} {op} {{}}"),
            );
        }
    }
    for flag in FLAGS {
        f.boolean(q, flag, &format!("r.{flag}"));
    }
    f.check()?;
    Ok(f)
}

/// What `?prefetch=` may name.
pub(crate) const PREFETCH: prefetch::Fields = &[
    own("owner", Target::User),
    own("accepted_findings", Target::Finding),
    own("notes", Target::Note),
];

const LISTING: list::Listing = list::Listing {
    select: "r.*",
    from: "risk_acceptance r",
    ordering: Some(ORDERING),
    id: "r.id",
    prefetch: Some(PREFETCH),
};

async fn list_risk_acceptances(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    parts: Parts,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let body = list::respond(
        &mut conn,
        &caller,
        &parts,
        raw.as_deref(),
        &LISTING,
        |q| filters(q, &caller),
        render,
    )
    .await?;
    Ok(Json(body))
}

pub async fn render(conn: &mut Conn, rows: &[RiskAcceptance]) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut findings: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT risk_acceptance_id, finding_id FROM risk_acceptance_findings \
         WHERE risk_acceptance_id IN ({ids}) ORDER BY finding_id",
    )
    .await?;
    let mut notes: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT risk_acceptance_id, notes_id FROM risk_acceptance_notes \
         WHERE risk_acceptance_id IN ({ids}) ORDER BY notes_id",
    )
    .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let extra = RiskAcceptanceExtra {
                accepted_findings: findings.remove(&row.id).unwrap_or_default(),
                notes: notes.remove(&row.id).unwrap_or_default(),
                proof_url: row
                    .path
                    .as_ref()
                    .filter(|p| !p.is_empty())
                    .map(|_| format!("/api/v2/risk_acceptance/{}/download_proof/", row.id)),
            };
            shape::json(row, &extra)
        })
        .collect())
}

async fn render_one(conn: &mut Conn, row: &RiskAcceptance) -> Result<Value, ApiError> {
    render_single(conn, row, render).await.map(with_prefetch)
}

/// The risk acceptance if the caller may act on it; DefectDojo's 404 otherwise.
pub async fn visible(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<RiskAcceptance, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(MODEL))?;
    let mut params: Vec<Param> = vec![id.into()];
    let condition = scope(caller, &mut params)
        .map(|c| format!(" AND {c}"))
        .unwrap_or_default();
    let sql = format!("SELECT r.* FROM risk_acceptance r WHERE r.id = $1{condition}");
    let rows: Vec<RiskAcceptance> = bulk::fetch_all(conn, &sql, &params).await?;
    rows.into_iter().next().ok_or(ApiError::NoMatch(MODEL))
}

async fn retrieve_risk_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let row = visible(&mut conn, &caller, &id).await?;
    let body = render_single(&mut conn, &row, render).await?;
    let body = prefetch::detail(&mut conn, &caller, raw.as_deref(), PREFETCH, body).await?;
    Ok(Json(body))
}

/// The findings a body names, loaded; each must exist (checked before).
async fn findings_named(conn: &mut Conn, ids: &[Id]) -> Result<Vec<Finding>, ApiError> {
    Ok(bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT * FROM finding WHERE id IN ({list}) ORDER BY id")
    })
    .await?)
}

/// DefectDojo's check that every named finding is one the caller may edit.
async fn check_editable(
    conn: &mut Conn,
    caller: &Caller,
    findings: &[Finding],
) -> Result<(), ApiError> {
    let products: BTreeSet<Id> = findings.iter().map(|f| f.product_id).collect();
    for product in products {
        if !caller
            .access
            .may_on_product(conn, product, Permission::FindingEdit)
            .await?
        {
            return Err(ApiError::Forbidden(
                "You are not permitted to add one or more selected findings to this risk acceptance"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// The engagements of findings, ascending.
async fn engagements_of(conn: &mut Conn, findings: &[Finding]) -> Result<Vec<Id>, ApiError> {
    let tests: Vec<Id> = findings.iter().map(|f| f.test_id).collect();
    let rows: Vec<(i64,)> = bulk::fetch_in(conn, &[], &tests, |list| {
        format!(
            "SELECT DISTINCT engagement_id FROM test WHERE id IN ({list}) ORDER BY engagement_id"
        )
    })
    .await?;
    let mut ids: Vec<Id> = rows.into_iter().map(|(id,)| id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn multiple_engagements() -> ApiError {
    ApiError::Forbidden("You are not permitted to add findings from multiple engagements".into())
}

async fn create_risk_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let (mut row, input) = shape::read(&body, Mode::Create, None).map_err(ApiError::Fields)?;
    references::check(&mut tx, &input.references).await?;
    let findings = findings_named(&mut tx, &input.accepted_findings.unwrap_or_default()).await?;
    check_editable(&mut tx, &caller, &findings).await?;
    let engagements = engagements_of(&mut tx, &findings).await?;
    let [engagement_id] = engagements[..] else {
        return Err(multiple_engagements());
    };
    let engagement = repo::engagements::get(&mut tx, engagement_id).await?;
    let product = repo::products::get(&mut tx, engagement.product_id).await?;
    if !product.enable_full_risk_acceptance {
        return Err(ApiError::Forbidden(
            "Full risk acceptance is not enabled for this product".into(),
        ));
    }
    let now = Utc::now();
    row.path = None;
    let saved = repo::risk_acceptances::insert(&mut tx, &row).await?;
    lifecycle::add_findings(&mut tx, &caller.user, &saved, &findings, now).await?;
    links::add(
        &mut tx,
        Link::EngagementRiskAcceptance,
        engagement_id,
        saved.id,
    )
    .await?;
    let saved = repo::risk_acceptances::get(&mut tx, saved.id).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// PUT and PATCH. Findings named and not held are accepted into it, findings
/// held and not named are taken out (only when the body names findings: a
/// PATCH without `accepted_findings` leaves them alone, where DefectDojo 3.2
/// would take every finding out). A new expiration date reinstates it.
async fn update_risk_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let current = visible(&mut tx, &caller, &id).await?;
    let (mut row, input) =
        shape::read(&body, Mode::of(&method), Some(&current)).map_err(ApiError::Fields)?;
    references::check(&mut tx, &input.references).await?;
    let now = Utc::now();
    let held = lifecycle::accepted_findings(&mut tx, current.id).await?;
    let mut engagement_id = lifecycle::engagement_of(&mut tx, current.id).await?;
    let mut to_add = Vec::new();
    let mut to_remove = Vec::new();
    if let Some(named_ids) = &input.accepted_findings {
        let named = findings_named(&mut tx, named_ids).await?;
        check_editable(&mut tx, &caller, &named).await?;
        let mut all = held.clone();
        all.extend(named.iter().cloned());
        if engagements_of(&mut tx, &all).await?.len() > 1 {
            return Err(multiple_engagements());
        }
        let named_engagement = engagements_of(&mut tx, &named).await?.first().copied();
        if let (Some(current_engagement), Some(new_engagement)) = (engagement_id, named_engagement)
        {
            if current_engagement != new_engagement {
                return Err(ApiError::field(
                    "non_field_errors",
                    format!(
                        "Risk Acceptance belongs to engagement {current_engagement}. \
                         Cannot add findings from engagement {new_engagement}"
                    ),
                ));
            }
        }
        let held_ids: BTreeSet<Id> = held.iter().map(|f| f.id).collect();
        let named_set: BTreeSet<Id> = named_ids.iter().copied().collect();
        to_add = named
            .into_iter()
            .filter(|f| !held_ids.contains(&f.id))
            .collect();
        to_remove = held
            .into_iter()
            .filter(|f| !named_set.contains(&f.id))
            .collect();
        if engagement_id.is_none() {
            engagement_id = named_engagement;
            if let Some(engagement) = engagement_id {
                links::add(
                    &mut tx,
                    Link::EngagementRiskAcceptance,
                    engagement,
                    current.id,
                )
                .await?;
            }
        }
    }
    row.path = current.path.clone();
    let mut saved = repo::risk_acceptances::update(&mut tx, &row).await?;
    lifecycle::add_findings(&mut tx, &caller.user, &saved, &to_add, now).await?;
    for finding in &to_remove {
        // The finding as it is now, after any change above.
        let finding = repo::findings::get(&mut tx, finding.id).await?;
        lifecycle::remove_finding(&mut tx, &caller.user, &saved, &finding, now).await?;
    }
    if saved.expiration_date != current.expiration_date {
        saved = lifecycle::reinstate(&mut tx, &saved, now).await?;
    }
    let saved = repo::risk_acceptances::get(&mut tx, saved.id).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// Takes every finding out (reactivating it) and deletes the risk acceptance.
async fn delete_risk_acceptance(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    let row = visible(&mut tx, &caller, &id).await?;
    let proof = lifecycle::delete(&mut tx, &caller.user, &row, Utc::now()).await?;
    tx.commit().await?;
    state
        .files
        .remove(&proof.into_iter().collect::<Vec<_>>())
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The proof file, as a download named after its stored name (DefectDojo's
/// `filename()`); DefectDojo's "no proof" 404 when there is none. The API
/// cannot upload one (`path` is read only): the web pages attach it
/// (`lifecycle::risk_acceptance::attach_proof`).
async fn download_proof(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mut conn = state.db.conn().await?;
    let row = visible(&mut conn, &caller, &id).await?;
    drop(conn);
    let Some(stored) = row.path.filter(|p| !p.is_empty()) else {
        return Ok((
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "Proof has not provided to this risk acceptance..." })),
        )
            .into_response());
    };
    let name = stored.rsplit('/').next().unwrap_or(&stored).to_owned();
    Ok(crate::files::attachment(&state.files, &stored, &name).await?)
}
