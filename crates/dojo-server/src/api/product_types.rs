//! `/api/v2/product_types/`: list, retrieve, create, update, partial update and
//! delete, with visibility and role checks (rbac.md §8).

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use dojo_domain::authz::Permission;
use dojo_domain::entities::ProductType;
use dojo_storage::{cascade, repo, Conn};
use serde_json::Value;

use crate::api::fields::Mode;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::members::{self, Membership};
use crate::api::prefetch::{self, link, own, Target};
use crate::api::references;
use crate::api::resource::{find_visible, render_single, with_prefetch, Visibility};
use crate::api::shapes::product_types::{self as shape, ProductTypeExtra};
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{notifications, AppState};

const MODEL: &str = "Product_Type";

pub fn routes() -> Router<AppState> {
    let collection = get(list_product_types).post(create_product_type);
    let item = get(retrieve_product_type)
        .put(update_product_type)
        .patch(update_product_type)
        .delete(delete_product_type);
    Router::new()
        .route("/api/v2/product_types/", collection.clone())
        .route("/api/v2/product_types", collection)
        .route("/api/v2/product_types/{id}/", item.clone())
        .route("/api/v2/product_types/{id}", item)
}

fn filters(q: &QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let visible = caller.access.product_type_filter("t.id", &mut f.params);
    f.push(visible);
    f.ids(q, "id", "t.id");
    f.exact(q, "name", "t.name");
    f.boolean(q, "critical_product", "t.critical_product");
    f.boolean(q, "key_product", "t.key_product");
    f.check()?;
    Ok(f)
}

/// What `?prefetch=` may name: 3.x's `authorized_users` and 2.x's `members`
/// (both the users with a direct membership) and `authorization_groups`.
pub(crate) const PREFETCH: prefetch::Fields = &[
    own("authorized_users", Target::User),
    link(
        "members",
        Target::User,
        "SELECT product_type_id, user_id FROM product_type_member WHERE product_type_id IN ({ids})",
    ),
    link(
        "authorization_groups",
        Target::DojoGroup,
        "SELECT product_type_id, group_id FROM product_type_group WHERE product_type_id IN ({ids})",
    ),
];

/// The rows of the list endpoint.
const LISTING: list::Listing = list::Listing {
    select: "t.*",
    from: "product_type t",
    ordering: None,
    id: "t.id",
    prefetch: Some(PREFETCH),
};

async fn list_product_types(
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

/// Users with a direct membership, which 3.x clients read as `authorized_users`.
pub(crate) async fn render(conn: &mut Conn, rows: &[ProductType]) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut users = members::of(conn, Membership::ProductType, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let extra = ProductTypeExtra {
                authorized_users: users.remove(&row.id).unwrap_or_default(),
            };
            shape::json(row, &extra)
        })
        .collect())
}

async fn render_one(conn: &mut Conn, row: &ProductType) -> Result<Value, ApiError> {
    render_single(conn, row, render).await.map(with_prefetch)
}

/// The product type if the caller may see it; 404 otherwise.
pub(crate) async fn visible(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<ProductType, ApiError> {
    let scope = Visibility::ProductType("t.id");
    find_visible(conn, caller, "product_type t", "t", scope, id, MODEL).await
}

async fn retrieve_product_type(
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

/// `authorized_users` when the body sets it; managing members takes
/// Maintainer or Owner on the product type.
async fn set_authorized_users(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    users: Option<&[i64]>,
) -> Result<(), ApiError> {
    let Some(users) = users else {
        return Ok(());
    };
    if !caller
        .access
        .may_on_product_type(conn, id, Permission::ProductTypeManageMembers)
        .await?
    {
        return Err(ApiError::Forbidden(
            "You do not have permission to manage authorized users for this product type.".into(),
        ));
    }
    members::set_writers(conn, Membership::ProductType, id, users).await
}

async fn create_product_type(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = create(&mut tx, &caller, &body).await?;
    let body = render(&mut tx, std::slice::from_ref(&saved))
        .await?
        .pop()
        .unwrap_or(Value::Null);
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Creates the product type the body describes (the API's and the pages'
/// create), within the caller's transaction.
pub(crate) async fn create(
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<ProductType, ApiError> {
    if !caller.access.may_add_product_type() {
        return Err(ApiError::denied());
    }
    let (row, input) = shape::read(body, Mode::Create, None).map_err(ApiError::Fields)?;
    references::check(tx, &input.references).await?;
    let saved = repo::product_types::insert(tx, &row).await?;
    notifications::emit::product_type_added(tx, &saved).await?;
    set_authorized_users(tx, caller, saved.id, input.authorized_users.as_deref()).await?;
    Ok(saved)
}

/// Saves the body over the product type `id` (the API's and the pages' edit).
pub(crate) async fn save(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
    mode: Mode,
) -> Result<ProductType, ApiError> {
    let current = visible(tx, caller, id).await?;
    if !caller
        .access
        .may_on_product_type(tx, current.id, Permission::ProductTypeEdit)
        .await?
    {
        return Err(ApiError::denied());
    }
    let (row, input) = shape::read(body, mode, Some(&current)).map_err(ApiError::Fields)?;
    references::check(tx, &input.references).await?;
    let saved = repo::product_types::update(tx, &row).await?;
    set_authorized_users(tx, caller, saved.id, input.authorized_users.as_deref()).await?;
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
async fn update_product_type(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &id, &body, Mode::of(&method)).await
}

async fn delete_product_type(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the product type and everything under it (the API's and the pages' delete).
pub(crate) async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let mut conn = state.db.conn().await?;
    let row = visible(&mut conn, caller, id).await?;
    if !caller
        .access
        .may_on_product_type(&mut conn, row.id, Permission::ProductTypeDelete)
        .await?
    {
        return Err(ApiError::denied());
    }
    drop(conn);
    let deleted = cascade::delete_product_type(&state.db, row.id).await?;
    state.files.remove(&deleted.files).await;
    Ok(())
}
