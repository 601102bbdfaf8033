//! `/api/v2/products/`: list, retrieve, create, update, partial update and
//! delete, with visibility and role checks (rbac.md §8).

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use dojo_domain::authz::Permission;
use dojo_domain::entities::Product;
use dojo_domain::Severity;
use dojo_storage::bulk;
use dojo_storage::links::{self, Link};
use dojo_storage::repo::sla_configurations::SlaScope;
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{cascade, repo, Conn};
use serde_json::Value;

use crate::api::fields::Mode;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::members::{self, Membership};
use crate::api::prefetch::{self, link, own, Target};
use crate::api::resource::{find_visible, render_single, with_prefetch, Visibility};
use crate::api::shapes::products::{self as shape, ProductExtra, ProductInput};
use crate::api::{references, related, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{notifications, AppState};

const MODEL: &str = "Product";

pub fn routes() -> Router<AppState> {
    let collection = get(list_products).post(create_product);
    let item = get(retrieve_product)
        .put(update_product)
        .patch(update_product)
        .delete(delete_product);
    Router::new()
        .route("/api/v2/products/", collection.clone())
        .route("/api/v2/products", collection)
        .route("/api/v2/products/{id}/", item.clone())
        .route("/api/v2/products/{id}", item)
}

/// `o` values (api.md §3.2) on the product's own columns.
pub(crate) const ORDERING: &[(&str, &str)] = &[
    ("id", "p.id"),
    ("name", "p.name"),
    ("created", "p.created"),
    ("updated", "p.updated"),
    ("prod_numeric_grade", "p.prod_numeric_grade"),
    ("business_criticality", "p.business_criticality"),
    ("platform", "p.platform"),
    ("lifecycle", "p.lifecycle"),
    ("origin", "p.origin"),
    ("revenue", "p.revenue_cents"),
    ("external_audience", "p.external_audience"),
    ("internet_accessible", "p.internet_accessible"),
    ("user_records", "p.user_records"),
    ("prod_type", "p.prod_type_id"),
    (
        "prod_type__name",
        "(SELECT t.name FROM product_type t WHERE t.id = p.prod_type_id)",
    ),
    ("product_manager", "p.product_manager_id"),
    ("technical_contact", "p.technical_contact_id"),
    ("team_manager", "p.team_manager_id"),
];

fn filters(q: &QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let visible = caller.access.product_filter("p.id", &mut f.params);
    f.push(visible);
    f.ids(q, "id", "p.id");
    f.ids(q, "prod_type", "p.prod_type_id");
    f.ids(q, "product_manager", "p.product_manager_id");
    f.ids(q, "technical_contact", "p.technical_contact_id");
    f.ids(q, "team_manager", "p.team_manager_id");
    f.ids(q, "prod_numeric_grade", "p.prod_numeric_grade");
    f.ids(q, "user_records", "p.user_records");
    f.ids_into(
        q,
        "regulations",
        "p.id IN (SELECT r.product_id FROM product_regulation r WHERE r.regulation_id IN ({}))",
    );
    f.contains(q, "name", "p.name");
    f.iexact(q, "name_exact", "p.name");
    f.contains(q, "description", "p.description");
    f.any_of(q, "business_criticality", "p.business_criticality");
    f.any_of(q, "platform", "p.platform");
    f.any_of(q, "lifecycle", "p.lifecycle");
    f.any_of(q, "origin", "p.origin");
    f.boolean(q, "external_audience", "p.external_audience");
    f.boolean(q, "internet_accessible", "p.internet_accessible");
    f.check()?;
    Ok(f)
}

/// What `?prefetch=` may name: 3.x's `authorized_users` and 2.x's `members`
/// (both the users with a direct membership) and `authorization_groups`.
pub(crate) const PREFETCH: prefetch::Fields = &[
    own("prod_type", Target::ProductType),
    own("product_manager", Target::User),
    own("technical_contact", Target::User),
    own("team_manager", Target::User),
    own("authorized_users", Target::User),
    own("regulations", Target::Regulation),
    own("sla_configuration", Target::SlaConfiguration),
    link(
        "members",
        Target::User,
        "SELECT product_id, user_id FROM product_member WHERE product_id IN ({ids})",
    ),
    link(
        "authorization_groups",
        Target::DojoGroup,
        "SELECT product_id, group_id FROM product_group WHERE product_id IN ({ids})",
    ),
];

/// The rows of the list endpoint.
const LISTING: list::Listing = list::Listing {
    select: "p.*",
    from: "product p",
    ordering: Some(ORDERING),
    id: "p.id",
    prefetch: Some(PREFETCH),
};

async fn list_products(
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

pub(crate) async fn render(conn: &mut Conn, rows: &[Product]) -> Result<Vec<Value>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let mut tag_names: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT pt.product_id, tg.name FROM product_tags pt JOIN tag tg ON tg.id = pt.tag_id \
         WHERE pt.product_id IN ({ids}) ORDER BY tg.name",
    )
    .await?;
    // `findings_list` and `findings_count`: the product's active findings.
    let mut active: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT product_id, id FROM finding WHERE product_id IN ({ids}) AND active = TRUE ORDER BY id",
    )
    .await?;
    let meta_rows: Vec<(i64, String, String)> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT product_id, name, value FROM dojo_meta WHERE product_id IN ({list}) ORDER BY id")
    })
    .await?;
    let mut meta: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (id, name, value) in meta_rows {
        meta.entry(id).or_default().push((name, value));
    }
    let mut regulations: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT product_id, regulation_id FROM product_regulation WHERE product_id IN ({ids}) \
         ORDER BY regulation_id",
    )
    .await?;
    let mut users = members::of(conn, Membership::Product, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let findings_list = active.remove(&row.id).unwrap_or_default();
            let extra = ProductExtra {
                tags: tag_names.remove(&row.id).unwrap_or_default(),
                findings_count: i64::try_from(findings_list.len()).unwrap_or(i64::MAX),
                findings_list,
                product_meta: meta.remove(&row.id).unwrap_or_default(),
                authorized_users: users.remove(&row.id).unwrap_or_default(),
                regulations: regulations.remove(&row.id).unwrap_or_default(),
            };
            shape::json(row, &extra)
        })
        .collect())
}

async fn render_one(conn: &mut Conn, row: &Product) -> Result<Value, ApiError> {
    render_single(conn, row, render).await.map(with_prefetch)
}

/// The product if the caller may see it; 404 otherwise.
pub(crate) async fn visible(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<Product, ApiError> {
    let scope = Visibility::Product("p.id");
    find_visible(conn, caller, "product p", "p", scope, id, MODEL).await
}

async fn retrieve_product(
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

/// Adding a product to a product type takes Maintainer or Owner there.
async fn check_product_type(
    conn: &mut Conn,
    caller: &Caller,
    product_type_id: i64,
) -> Result<(), ApiError> {
    if repo::product_types::find(conn, product_type_id)
        .await?
        .is_none()
    {
        return Err(ApiError::NoMatch("Product_Type"));
    }
    if !caller
        .access
        .may_on_product_type(conn, product_type_id, Permission::ProductTypeAddProduct)
        .await?
    {
        return Err(ApiError::denied());
    }
    Ok(())
}

/// Tags, regulations and `authorized_users`, when the body sets them.
async fn save_relations(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    input: &ProductInput,
) -> Result<(), ApiError> {
    if let Some(tags) = &input.tags {
        tags::set(conn, Tagged::Product, id, tags).await?;
    }
    if let Some(regulations) = &input.regulations {
        links::set(conn, Link::ProductRegulation, id, regulations).await?;
    }
    if let Some(users) = &input.authorized_users {
        if !caller
            .access
            .may_on_product(conn, id, Permission::ProductManageMembers)
            .await?
        {
            return Err(ApiError::Forbidden(
                "You do not have permission to manage authorized users for this product.".into(),
            ));
        }
        members::set_writers(conn, Membership::Product, id, users).await?;
    }
    Ok(())
}

async fn create_product(
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

/// Creates the product the body describes (the API's and the pages' create),
/// within the caller's transaction.
pub(crate) async fn create(
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<Product, ApiError> {
    let product_type_id = references::parent_id(body, "prod_type")?;
    check_product_type(tx, caller, product_type_id).await?;
    let (row, input) = shape::read(body, Mode::Create, None).map_err(ApiError::Fields)?;
    references::check(tx, &input.references).await?;
    let saved = repo::products::insert(tx, &row).await?;
    notifications::emit::product_added(tx, &saved).await?;
    save_relations(tx, caller, saved.id, &input).await?;
    Ok(saved)
}

/// Saves the body over the product `id` (the API's and the pages' edit).
pub(crate) async fn save(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
    mode: Mode,
) -> Result<Product, ApiError> {
    let current = visible(tx, caller, id).await?;
    if !caller
        .access
        .may_on_product(tx, current.id, Permission::ProductEdit)
        .await?
    {
        return Err(ApiError::denied());
    }
    let (row, input) = shape::read(body, mode, Some(&current)).map_err(ApiError::Fields)?;
    if row.prod_type_id != current.prod_type_id {
        check_product_type(tx, caller, row.prod_type_id).await?;
    }
    references::check(tx, &input.references).await?;
    let saved = repo::products::update(tx, &row).await?;
    if saved.sla_configuration_id != current.sla_configuration_id {
        // Another configuration: every finding's SLA date (workflows.md §e).
        let all = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ];
        let scope = SlaScope::Product(saved.id);
        crate::api::sla_configurations::recompute(tx, scope, &all).await?;
    }
    save_relations(tx, caller, saved.id, &input).await?;
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
async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &id, &body, Mode::of(&method)).await
}

async fn delete_product(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the product and everything under it (the API's and the pages' delete).
pub(crate) async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let mut conn = state.db.conn().await?;
    let row = visible(&mut conn, caller, id).await?;
    if !caller
        .access
        .may_on_product(&mut conn, row.id, Permission::ProductDelete)
        .await?
    {
        return Err(ApiError::denied());
    }
    drop(conn);
    let deleted = cascade::delete_product(&state.db, row.id).await?;
    state.files.remove(&deleted.files).await;
    Ok(())
}
