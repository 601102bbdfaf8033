//! `/api/v2/engagements/`: list, retrieve, create, update, partial update and
//! delete, within the products the caller may see (rbac.md §8).

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dojo_domain::authz::Permission;
use dojo_domain::entities::Engagement;
use dojo_domain::EngagementStatus;
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{cascade, repo, Conn};
use serde_json::{json, Value};

use crate::api::fields::Mode;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::parent::Parent;
use crate::api::resource::{find_visible, render_single, Visibility};
use crate::api::shapes::engagements::{self as shape, EngagementExtra};
use crate::api::{object_files, references, related, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{notifications, AppState};

const MODEL: &str = "Engagement";

pub fn routes() -> Router<AppState> {
    let collection = get(list_engagements).post(create_engagement);
    let item = get(retrieve_engagement)
        .put(update_engagement)
        .patch(update_engagement)
        .delete(delete_engagement);
    let close = post(|state, caller, id| set_open(state, caller, id, false));
    let reopen = post(|state, caller, id| set_open(state, caller, id, true));
    Router::new()
        .route("/api/v2/engagements/", collection.clone())
        .route("/api/v2/engagements", collection)
        .route("/api/v2/engagements/{id}/", item.clone())
        .route("/api/v2/engagements/{id}", item)
        .route("/api/v2/engagements/{id}/close/", close.clone())
        .route("/api/v2/engagements/{id}/close", close)
        .route("/api/v2/engagements/{id}/reopen/", reopen.clone())
        .route("/api/v2/engagements/{id}/reopen", reopen)
}

/// `close/` (inactive, Completed) and `reopen/` (active, In Progress): an
/// edit of the engagement, answered with `{}` as DefectDojo does. The body,
/// if any, is not read.
async fn set_open(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    open: bool,
) -> Result<Json<Value>, ApiError> {
    close_or_reopen(&state, &caller, &id, open).await?;
    Ok(Json(json!({})))
}

/// Closes or reopens the engagement (the API's and the pages' action).
pub(crate) async fn close_or_reopen(
    state: &AppState,
    caller: &Caller,
    id: &str,
    open: bool,
) -> Result<Engagement, ApiError> {
    let mut tx = state.db.begin().await?;
    let mut row = visible(&mut tx, caller, id).await?;
    if !caller
        .access
        .may_on_product(&mut tx, row.product_id, Permission::EngagementEdit)
        .await?
    {
        return Err(ApiError::denied());
    }
    let previous = row.status;
    row.active = open;
    row.status = if open {
        EngagementStatus::InProgress
    } else {
        EngagementStatus::Completed
    };
    repo::engagements::save(&mut tx, &row).await?;
    // DefectDojo notifies a status change: closed (Completed or Cancelled)
    // from another status, reopened (In Progress) from one other than Not Started.
    let changed = if open {
        !matches!(
            previous,
            EngagementStatus::InProgress | EngagementStatus::NotStarted
        )
    } else {
        !matches!(
            previous,
            EngagementStatus::Completed | EngagementStatus::Cancelled
        )
    };
    if changed {
        notifications::emit::engagement_status(&mut tx, &row, !open).await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// `o` values (api.md §3.3).
pub(crate) const ORDERING: &[(&str, &str)] = &[
    ("name", "e.name"),
    ("version", "e.version"),
    ("target_start", "e.target_start"),
    ("target_end", "e.target_end"),
    ("status", "e.status"),
    ("lead", "e.lead_id"),
    ("created", "e.created"),
    ("updated", "e.updated"),
];

fn filters(q: &QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let visible = caller.access.product_filter("e.product_id", &mut f.params);
    f.push(visible);
    f.ids(q, "id", "e.id");
    f.ids(q, "product", "e.product_id");
    f.ids(q, "requester", "e.requester_id");
    f.ids(q, "report_type", "e.report_type_id");
    f.ids_into(
        q,
        "product__prod_type",
        "e.product_id IN (SELECT p.id FROM product p WHERE p.prod_type_id IN ({}))",
    );
    f.boolean(q, "active", "e.active");
    f.boolean(q, "threat_model", "e.threat_model");
    f.boolean(q, "api_test", "e.api_test");
    f.boolean(q, "pen_test", "e.pen_test");
    f.exact(q, "name", "e.name");
    f.exact(q, "version", "e.version");
    f.exact(q, "status", "e.status");
    f.date(q, "target_start", "e.target_start");
    f.date(q, "target_end", "e.target_end");
    f.check()?;
    Ok(f)
}

/// The rows of the list endpoint. Engagements are not a prefetching resource:
/// no `prefetch` key (api.md §3.3).
const LISTING: list::Listing = list::Listing {
    select: "e.*",
    from: "engagement e",
    ordering: Some(ORDERING),
    id: "e.id",
    prefetch: None,
};

async fn list_engagements(
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

pub(crate) async fn render(conn: &mut Conn, rows: &[Engagement]) -> Result<Vec<Value>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let mut tag_names: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT et.engagement_id, tg.name FROM engagement_tags et JOIN tag tg ON tg.id = et.tag_id \
         WHERE et.engagement_id IN ({ids}) ORDER BY tg.name",
    )
    .await?;
    let mut risk_acceptances: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT engagement_id, risk_acceptance_id FROM engagement_risk_acceptance \
         WHERE engagement_id IN ({ids}) ORDER BY risk_acceptance_id",
    )
    .await?;
    let mut notes = related::notes_of(conn, "engagement_notes", "engagement_id", &ids).await?;
    let mut files = object_files::nested(conn, Parent::Engagement, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let extra = EngagementExtra {
                tags: tag_names.remove(&row.id).unwrap_or_default(),
                notes: notes.remove(&row.id).unwrap_or_default(),
                files: files.remove(&row.id).unwrap_or_default(),
                risk_acceptance: risk_acceptances.remove(&row.id).unwrap_or_default(),
            };
            shape::json(row, &extra)
        })
        .collect())
}

async fn render_one(conn: &mut Conn, row: &Engagement) -> Result<Value, ApiError> {
    render_single(conn, row, render).await
}

/// The engagement if the caller may see it; 404 otherwise.
pub(crate) async fn visible(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<Engagement, ApiError> {
    let scope = Visibility::Product("e.product_id");
    find_visible(conn, caller, "engagement e", "e", scope, id, MODEL).await
}

async fn retrieve_engagement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let row = visible(&mut conn, &caller, &id).await?;
    Ok(Json(render_one(&mut conn, &row).await?))
}

/// The permission check on the parent named in the body, before the body is
/// validated (api.md §1.8): missing → 400, unknown → 404, not allowed → 403.
async fn check_parent(
    conn: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
    permission: Permission,
) -> Result<(), ApiError> {
    let product_id = references::parent_id(body, "product")?;
    if repo::products::find(conn, product_id).await?.is_none() {
        return Err(ApiError::NoMatch("Product"));
    }
    if !caller
        .access
        .may_on_product(conn, product_id, permission)
        .await?
    {
        return Err(ApiError::denied());
    }
    Ok(())
}

async fn save_tags(conn: &mut Conn, id: i64, tags: Option<&Vec<String>>) -> Result<(), ApiError> {
    if let Some(tags) = tags {
        tags::set(conn, Tagged::Engagement, id, tags).await?;
    }
    Ok(())
}

async fn create_engagement(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = create(&mut tx, &caller, &body).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Creates the engagement the body describes (the API's and the pages'
/// create), within the caller's transaction.
pub(crate) async fn create(
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<Engagement, ApiError> {
    check_parent(tx, caller, body, Permission::EngagementAdd).await?;
    let (row, input) = shape::read(body, Mode::Create, None).map_err(ApiError::Fields)?;
    references::check(tx, &input.references).await?;
    let saved = repo::engagements::insert(tx, &row).await?;
    notifications::emit::engagement_added(tx, &saved).await?;
    save_tags(tx, saved.id, input.tags.as_ref()).await?;
    Ok(saved)
}

/// Saves the body over the engagement `id` (the API's and the pages' edit).
pub(crate) async fn save(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
    mode: Mode,
) -> Result<Engagement, ApiError> {
    let current = visible(tx, caller, id).await?;
    if !caller
        .access
        .may_on_product(tx, current.product_id, Permission::EngagementEdit)
        .await?
    {
        return Err(ApiError::denied());
    }
    let (row, input) = shape::read(body, mode, Some(&current)).map_err(ApiError::Fields)?;
    // Moving an engagement to another product needs the right to add there.
    if row.product_id != current.product_id
        && !caller
            .access
            .may_on_product(tx, row.product_id, Permission::EngagementAdd)
            .await?
    {
        return Err(ApiError::denied());
    }
    references::check(tx, &input.references).await?;
    let saved = repo::engagements::save(tx, &row).await?;
    save_tags(tx, saved.id, input.tags.as_ref()).await?;
    Ok(saved)
}

async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
    mode: Mode,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = save(&mut tx, caller, id, body, mode).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// PUT (every field) and PATCH (the fields given).
async fn update_engagement(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &id, &body, Mode::of(&method)).await
}

async fn delete_engagement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the engagement and everything under it (the API's and the pages' delete).
pub(crate) async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let mut conn = state.db.conn().await?;
    let row = visible(&mut conn, caller, id).await?;
    if !caller
        .access
        .may_on_product(&mut conn, row.product_id, Permission::EngagementDelete)
        .await?
    {
        return Err(ApiError::denied());
    }
    drop(conn);
    let deleted = cascade::delete_engagement(&state.db, row.id).await?;
    state.files.remove(&deleted.files).await;
    Ok(())
}
