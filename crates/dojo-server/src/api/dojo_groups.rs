//! `/api/v2/dojo_groups/` (api.md §3.12): groups of users. A group is seen by
//! its members and by superusers and holders of a global role; its members'
//! roles in it decide the rest (rbac.md §8.2, group configuration roles):
//! Maintainer edits it and its members, Owner also makes Owners and deletes
//! it. Creating one is a configuration permission, which Dojo grants to
//! superusers only.

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use dojo_domain::entities::Group;
use dojo_domain::Role;
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, Conn, StorageError};
use serde_json::Value;

use crate::api::fields::Mode;
use crate::api::list::{self, Filters};
use crate::api::prefetch::{self, link, own, Target};
use crate::api::related;
use crate::api::resource::{render_single, with_prefetch};
use crate::api::shapes::members::{self as shape, GroupExtra};
use crate::api::{references, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

const MODEL: &str = "Dojo_Group";

pub fn routes() -> Router<AppState> {
    let collection = get(list_groups).post(create_group);
    let item = get(retrieve_group)
        .put(update_group)
        .patch(update_group)
        .delete(delete_group);
    Router::new()
        .route("/api/v2/dojo_groups/", collection.clone())
        .route("/api/v2/dojo_groups", collection)
        .route("/api/v2/dojo_groups/{id}/", item.clone())
        .route("/api/v2/dojo_groups/{id}", item)
}

/// Restricts `column` (a group id) to the caller's groups; `None` for
/// superusers and holders of a global role, who see every group.
pub fn visible_filter(caller: &Caller, column: &str, params: &mut Vec<Param>) -> Option<String> {
    if caller.access.sees_everything() {
        return None;
    }
    params.push(caller.user.id.into());
    Some(format!(
        "{column} IN (SELECT group_id FROM dojo_group_member WHERE user_id = ${})",
        params.len()
    ))
}

/// What an action needs in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupNeed {
    /// Edit the group, manage its members (not as Owner): Maintainer.
    Manage,
    /// Make Owners, delete the group: Owner.
    Owner,
}

/// Whether the caller may do `need` in the group: its role there or its
/// global role.
pub async fn may(
    conn: &mut Conn,
    caller: &Caller,
    group_id: i64,
    need: GroupNeed,
) -> Result<bool, ApiError> {
    if caller.access.superuser {
        return Ok(true);
    }
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        "SELECT role_id FROM dojo_group_member WHERE group_id = $1 AND user_id = $2",
        &[group_id.into(), caller.user.id.into()],
    )
    .await?;
    let grants = |role: Role| match need {
        GroupNeed::Manage => matches!(role, Role::Maintainer | Role::Owner),
        GroupNeed::Owner => role == Role::Owner,
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id,)| Role::from_id(id))
        .chain(caller.access.global_role)
        .any(grants))
}

fn filters(q: &list::QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let shown = visible_filter(caller, "g.id", &mut f.params);
    f.push(shown);
    f.ids(q, "id", "g.id");
    f.exact(q, "name", "g.name");
    f.exact(q, "social_provider", "g.social_provider");
    f.check()?;
    Ok(f)
}

/// What `?prefetch=` may name: the members, and the products and product
/// types the group is authorized on (the reverse side of their
/// `authorization_groups`).
pub(crate) const PREFETCH: prefetch::Fields = &[
    own("users", Target::User),
    link(
        "product_groups",
        Target::Product,
        "SELECT group_id, product_id FROM product_group WHERE group_id IN ({ids})",
    ),
    link(
        "product_type_groups",
        Target::ProductType,
        "SELECT group_id, product_type_id FROM product_type_group WHERE group_id IN ({ids})",
    ),
];

const LISTING: list::Listing = list::Listing {
    select: "g.*",
    from: "dojo_group g",
    ordering: None,
    id: "g.id",
    prefetch: Some(PREFETCH),
};

pub(crate) async fn render(conn: &mut Conn, rows: &[Group]) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|g| g.id).collect();
    let mut users = related::pairs(
        conn,
        &ids,
        "SELECT group_id, user_id FROM dojo_group_member WHERE group_id IN ({ids}) ORDER BY user_id",
    )
    .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let extra = GroupExtra {
                users: users.remove(&row.id).unwrap_or_default(),
            };
            shape::group_json(row, &extra)
        })
        .collect())
}

async fn render_one(conn: &mut Conn, row: &Group) -> Result<Value, ApiError> {
    render_single(conn, row, render).await.map(with_prefetch)
}

async fn list_groups(
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

/// The group if the caller sees it; 404 otherwise.
pub(crate) async fn visible(conn: &mut Conn, caller: &Caller, id: &str) -> Result<Group, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(MODEL))?;
    let mut params: Vec<Param> = vec![id.into()];
    let condition = visible_filter(caller, "g.id", &mut params)
        .map(|c| format!(" AND {c}"))
        .unwrap_or_default();
    let rows: Vec<Group> = bulk::fetch_all(
        conn,
        &format!("SELECT g.* FROM dojo_group g WHERE g.id = $1{condition}"),
        &params,
    )
    .await?;
    rows.into_iter().next().ok_or(ApiError::NoMatch(MODEL))
}

async fn retrieve_group(
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

const DUPLICATE_NAME: &str = "dojo_ group with this name already exists.";

/// DRF's unique check of `name`, before the insert or update.
async fn check_name(conn: &mut Conn, row: &Group) -> Result<(), ApiError> {
    if references::held_by_another(conn, "dojo_group", "name", row.name.clone().into(), row.id)
        .await?
    {
        return Err(ApiError::field("name", DUPLICATE_NAME));
    }
    Ok(())
}

fn duplicate_name(err: StorageError) -> ApiError {
    match err {
        StorageError::Duplicate { .. } => ApiError::field("name", DUPLICATE_NAME),
        other => other.into(),
    }
}

async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = insert_from(&mut tx, &caller, &body).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// PUT (every field) and PATCH (the fields given).
async fn update_group(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = update_from(&mut tx, &caller, &id, Mode::of(&method), &body).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok(Json(body))
}

async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    delete_by_id(&mut tx, &caller, &id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a group from `body`: a configuration permission, superusers only.
pub(crate) async fn insert_from(
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<Group, ApiError> {
    if !caller.access.superuser {
        return Err(ApiError::denied());
    }
    let row = shape::read_group(body, Mode::Create, None).map_err(ApiError::Fields)?;
    check_name(tx, &row).await?;
    repo::groups::insert(tx, &row).await.map_err(duplicate_name)
}

/// Changes group `id` from `body`: Maintainers of the group and above.
pub(crate) async fn update_from(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    mode: Mode,
    body: &RequestFields,
) -> Result<Group, ApiError> {
    let current = visible(tx, caller, id).await?;
    if !may(tx, caller, current.id, GroupNeed::Manage).await? {
        return Err(ApiError::denied());
    }
    let row = shape::read_group(body, mode, Some(&current)).map_err(ApiError::Fields)?;
    check_name(tx, &row).await?;
    repo::groups::update(tx, &row).await.map_err(duplicate_name)
}

/// Deletes group `id`: its Owners only.
pub(crate) async fn delete_by_id(tx: &mut Conn, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let row = visible(tx, caller, id).await?;
    if !may(tx, caller, row.id, GroupNeed::Owner).await? {
        return Err(ApiError::denied());
    }
    // Its memberships, roles on products and product types and global role
    // go with it (ON DELETE CASCADE).
    repo::groups::delete(tx, row.id).await?;
    Ok(())
}
