//! Product types: `/product/type` (list), `/product/type/{id}` (its products,
//! members and groups), add, edit and delete (with the cascade's counts), with
//! the API's permission checks (the API's own create, save and delete run).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use dojo_domain::authz::Permission;
use dojo_domain::entities::ProductType;
use dojo_storage::bulk::{self, Param};
use dojo_storage::metrics::SeverityCounts;

use super::format;
use super::hierarchy_common::{
    self as common, counts_of, form_page, request_fields, severity_sums, Member, SeverityCell,
    SIDE_LIST_LIMIT,
};
use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::fields::Mode;
use crate::api::list::Filters;
use crate::api::product_types as api;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/product/type", get(list))
        .route("/product/type/add", get(add_form).post(add))
        .route("/product/type/{id}", get(view))
        .route("/product/type/{id}/edit", get(edit_form).post(edit))
        .route(
            "/product/type/{id}/delete",
            get(delete_confirm).post(delete),
        )
}

const CHECKBOXES: &[&str] = &["critical_product", "key_product"];

/// A product type's row of the list.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub critical_product: bool,
    pub key_product: bool,
    pub products: i64,
    pub open: Vec<SeverityCell>,
}

#[derive(Template)]
#[template(path = "product_type_list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub query: ListQuery,
    pub rows: Vec<Row>,
    pub pager: Pager,
    pub may_add: bool,
}

type ListRow = (i64, String, bool, bool, i64, i64, i64, i64, i64, i64);

/// `GET /product/type`: the product types the viewer sees, each with its
/// visible products and their open findings by severity (from the rollup,
/// one grouped query for the page).
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = ListQuery::parse("/product/type", raw.as_deref());
    let q = query.api_params(&[]);
    let access = &viewer.caller.access;
    let mut f = Filters::default();
    let visible = access.product_type_filter("t.id", &mut f.params);
    f.push(visible);
    f.contains(&q, "name", "t.name");
    f.check()?;
    let mut params = f.params.clone();
    let visible_product = access
        .product_filter("p.id", &mut params)
        .map(|c| format!(" AND {c}"))
        .unwrap_or_default();
    let order = common::order_by(
        query.ordering(),
        &[
            ("name", "t.name"),
            ("products", "products"),
            ("critical", "critical"),
            ("high", "high"),
            ("medium", "medium"),
            ("low", "low"),
            ("info", "info"),
        ],
        "name",
        "t.id",
    );
    let paging = query.paging();
    let sql = format!(
        "SELECT t.id, t.name, t.critical_product, t.key_product, \
         (SELECT COUNT(*) FROM product p WHERE p.prod_type_id = t.id{visible_product}) AS products, \
         COALESCE(c.critical, 0) AS critical, COALESCE(c.high, 0) AS high, \
         COALESCE(c.medium, 0) AS medium, COALESCE(c.low, 0) AS low, COALESCE(c.info, 0) AS info \
         FROM product_type t LEFT JOIN (SELECT p.prod_type_id AS type_id, {sums} \
           FROM metrics_product_open r JOIN product p ON p.id = r.product_id \
           WHERE TRUE{visible_product} GROUP BY p.prod_type_id) \
           c ON c.type_id = t.id{where_sql}{order}{limit}",
        sums = severity_sums(),
        where_sql = f.where_sql(),
        limit = paging.sql(),
    );
    let mut conn = state.db.conn().await?;
    let rows: Vec<ListRow> = bulk::fetch_all(&mut conn, &sql, &params).await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM product_type t{}", f.where_sql()),
        &f.params,
    )
    .await?;
    let total = total.first().map_or(0, |r| r.0);
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            open: common::severity_cells(
                &counts_of([r.5, r.6, r.7, r.8, r.9]),
                &format!("test__engagement__product__prod_type={}", r.0),
            ),
            id: r.0,
            name: r.1,
            critical_product: r.2,
            key_product: r.3,
            products: r.4,
        })
        .collect();
    let pager = Pager::new(&query, paging, total, rows.len());
    let page = ListPage {
        chrome: viewer.chrome("product_types"),
        may_add: access.may_add_product_type(),
        query,
        rows,
        pager,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

/// A product of the product type's page.
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub open: Vec<SeverityCell>,
}

#[derive(Template)]
#[template(path = "product_type_view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub product_type: ProductType,
    pub description: String,
    pub created: String,
    pub updated: String,
    pub products: Vec<ProductRow>,
    pub product_count: i64,
    pub users: Vec<Member>,
    pub groups: Vec<Member>,
    pub may_edit: bool,
    pub may_delete: bool,
    pub may_add_product: bool,
    pub may_manage_members: bool,
}

/// `GET /product/type/{id}`.
async fn view(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let mut conn = state.db.conn().await?;
    let caller = &viewer.caller;
    let product_type = api::visible(&mut conn, caller, &id).await?;
    let tid = product_type.id;
    let mut params: Vec<Param> = vec![tid.into()];
    let visible = caller
        .access
        .product_filter("p.id", &mut params)
        .map(|c| format!(" AND {c}"))
        .unwrap_or_default();
    let products: Vec<(i64, String)> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT p.id, p.name FROM product p WHERE p.prod_type_id = $1{visible} \
             ORDER BY p.name LIMIT {SIDE_LIST_LIMIT}"
        ),
        &params,
    )
    .await?;
    let counted: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM product p WHERE p.prod_type_id = $1{visible}"),
        &params,
    )
    .await?;
    let ids: Vec<i64> = products.iter().map(|p| p.0).collect();
    let open = dojo_storage::metrics::rollup::open_by_product(
        &mut conn,
        &caller.access,
        Some(&ids),
        false,
    )
    .await?;
    let products = products
        .into_iter()
        .map(|(id, name)| {
            let counts = open
                .iter()
                .find(|o| o.product_id == id)
                .map_or_else(SeverityCounts::default, |o| o.open);
            ProductRow {
                open: common::severity_cells(&counts, &format!("test__engagement__product={id}")),
                id,
                name,
            }
        })
        .collect();
    let (users, groups) = common::members(
        &mut conn,
        (
            "product_type_member",
            "product_type_group",
            "product_type_id",
        ),
        tid,
    )
    .await?;
    let access = &caller.access;
    let page = ViewPage {
        chrome: viewer.chrome("product_types"),
        description: format::text(product_type.description.as_deref()),
        created: format::instant(product_type.created),
        updated: format::instant(product_type.updated),
        products,
        product_count: counted.first().map_or(0, |r| r.0),
        users,
        groups,
        may_edit: access
            .may_on_product_type(&mut conn, tid, Permission::ProductTypeEdit)
            .await?,
        may_delete: access
            .may_on_product_type(&mut conn, tid, Permission::ProductTypeDelete)
            .await?,
        may_add_product: access
            .may_on_product_type(&mut conn, tid, Permission::ProductTypeAddProduct)
            .await?,
        may_manage_members: access
            .may_on_product_type(&mut conn, tid, Permission::ProductTypeManageMembers)
            .await?,
        product_type,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "product_type_form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub values: ListQuery,
    pub error: Option<String>,
}

fn values_of(product_type: &ProductType) -> ListQuery {
    let mut pairs = vec![
        ("name".to_owned(), product_type.name.clone()),
        (
            "description".to_owned(),
            product_type.description.clone().unwrap_or_default(),
        ),
    ];
    for (name, ticked) in [
        ("critical_product", product_type.critical_product),
        ("key_product", product_type.key_product),
    ] {
        if ticked {
            pairs.push((name.to_owned(), "on".to_owned()));
        }
    }
    ListQuery::from_pairs("", pairs)
}

fn add_page(viewer: &Viewer, values: ListQuery, error: Option<String>) -> Response {
    let page = FormPage {
        chrome: viewer.chrome("product_types"),
        heading: "Add product type".into(),
        action: "/product/type/add".into(),
        cancel: "/product/type".into(),
        values,
        error,
    };
    form_page(&page.error, &page)
}

/// `GET /product/type/add`: superusers and global Maintainers or Owners only.
async fn add_form(viewer: Viewer) -> PageResult {
    if !viewer.caller.access.may_add_product_type() {
        return Err(PageError::forbidden());
    }
    Ok(add_page(&viewer, ListQuery::default(), None))
}

/// `POST /product/type/add`: creates it and shows it.
async fn add(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, CHECKBOXES, &[]);
    let mut tx = state.db.begin().await?;
    match api::create(&mut tx, &viewer.caller, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/product/type/{}", saved.id)))
        }
        Err(error) => match PageError::from(error) {
            PageError::BadRequest(reason) => Ok(add_page(
                &viewer,
                ListQuery::from_pairs("", form),
                Some(reason),
            )),
            other => Err(other),
        },
    }
}

fn edit_page(
    viewer: &Viewer,
    product_type: &ProductType,
    values: ListQuery,
    error: Option<String>,
) -> Response {
    let page = FormPage {
        chrome: viewer.chrome("product_types"),
        heading: format!("Edit product type {}", product_type.name),
        action: format!("/product/type/{}/edit", product_type.id),
        cancel: format!("/product/type/{}", product_type.id),
        values,
        error,
    };
    form_page(&page.error, &page)
}

/// The product type the viewer may edit: 404 if they may not see it, 403 if
/// they may not edit it.
async fn editable(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<ProductType> {
    let mut conn = state.db.conn().await?;
    let product_type = api::visible(&mut conn, &viewer.caller, id).await?;
    viewer
        .require_on_product_type(&mut conn, product_type.id, Permission::ProductTypeEdit)
        .await?;
    Ok(product_type)
}

/// `GET /product/type/{id}/edit`.
async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let product_type = editable(&state, &viewer, &id).await?;
    Ok(edit_page(
        &viewer,
        &product_type,
        values_of(&product_type),
        None,
    ))
}

/// `POST /product/type/{id}/edit`: saves it through the API's update.
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let product_type = editable(&state, &viewer, &id).await?;
    let body = request_fields(&form, CHECKBOXES, &[]);
    let mut tx = state.db.begin().await?;
    match api::save(&mut tx, &viewer.caller, &id, &body, Mode::Partial).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/product/type/{}", saved.id)))
        }
        Err(error) => match PageError::from(error) {
            PageError::BadRequest(reason) => Ok(edit_page(
                &viewer,
                &product_type,
                ListQuery::from_pairs("", form),
                Some(reason),
            )),
            other => Err(other),
        },
    }
}

/// `GET /product/type/{id}/delete`: what the delete removes, with counts.
async fn delete_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let product_type = api::visible(&mut conn, &viewer.caller, &id).await?;
    viewer
        .require_on_product_type(&mut conn, product_type.id, Permission::ProductTypeDelete)
        .await?;
    common::delete_confirm(
        &mut conn,
        viewer.chrome("product_types"),
        "product_types",
        product_type.id,
        ("product type", product_type.name),
        (
            format!("/product/type/{}/delete", product_type.id),
            format!("/product/type/{}", product_type.id),
        ),
    )
    .await
}

/// `POST /product/type/{id}/delete`: the API's delete, then the list.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    api::delete(&state, &viewer.caller, &id).await?;
    Ok(pages::redirect("/product/type"))
}
