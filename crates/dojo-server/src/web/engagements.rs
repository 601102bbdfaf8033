//! Engagements: `/engagement` (list), `/engagement/{id}` (its tests),
//! `/product/{id}/new_engagement`, edit, close, reopen and delete, through the
//! API's own create, save, close/reopen and delete (same checks, same
//! notifications).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Engagement, Product};
use dojo_domain::{EngagementStatus, EngagementType};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, Conn};

use super::format;
use super::hierarchy_common::{self as common, form_page, request_fields, Choice, SIDE_LIST_LIMIT};
use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::fields::Mode;
use crate::api::list::Filters;
use crate::api::{engagements as api, products};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/engagement", get(list))
        .route("/product/{id}/new_engagement", get(add_form).post(add))
        .route("/engagement/{id}", get(view))
        .route("/engagement/{id}/edit", get(edit_form).post(edit))
        .route("/engagement/{id}/close", post(close))
        .route("/engagement/{id}/reopen", post(reopen))
        .route("/engagement/{id}/delete", get(delete_confirm).post(delete))
}

const CHECKBOXES: &[&str] = &["deduplication_on_engagement"];
const NULLABLE: &[&str] = &["lead"];

pub struct Row {
    pub id: i64,
    pub name: String,
    pub product_id: i64,
    pub product: String,
    pub target_start: String,
    pub target_end: String,
    pub status: String,
    pub active: bool,
    pub lead: String,
    pub tests: i64,
}

#[derive(Template)]
#[template(path = "engagement_list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub query: ListQuery,
    pub rows: Vec<Row>,
    pub pager: Pager,
    pub products: Vec<Choice>,
}

type ListRow = (
    i64,
    Option<String>,
    i64,
    String,
    NaiveDate,
    NaiveDate,
    String,
    bool,
    Option<String>,
    i64,
);

fn engagement_name(id: i64, name: Option<String>) -> String {
    name.filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("Engagement {id}"))
}

/// `GET /engagement`: the engagements of the products the viewer sees.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = ListQuery::parse("/engagement", raw.as_deref());
    let q = query.api_params(&[]);
    let access = &viewer.caller.access;
    let mut f = Filters::default();
    let visible = access.product_filter("e.product_id", &mut f.params);
    f.push(visible);
    f.ids(&q, "product", "e.product_id");
    f.boolean(&q, "active", "e.active");
    f.contains(&q, "name", "e.name");
    f.check()?;
    let order = common::order_by(
        query.ordering(),
        &[
            ("name", "e.name"),
            ("product", "p.name"),
            ("target_start", "e.target_start"),
            ("target_end", "e.target_end"),
            ("status", "e.status"),
            ("lead", "u.username"),
            ("tests", "tests"),
        ],
        "target_start",
        "e.id",
    );
    let paging = query.paging();
    let sql = format!(
        "SELECT e.id, e.name, e.product_id, p.name, e.target_start, e.target_end, e.status, \
         e.active, u.username, (SELECT COUNT(*) FROM test t WHERE t.engagement_id = e.id) AS tests \
         FROM engagement e JOIN product p ON p.id = e.product_id \
         LEFT JOIN dojo_user u ON u.id = e.lead_id{}{order}{}",
        f.where_sql(),
        paging.sql()
    );
    let mut conn = state.db.conn().await?;
    let rows: Vec<ListRow> = bulk::fetch_all(&mut conn, &sql, &f.params).await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM engagement e{}", f.where_sql()),
        &f.params,
    )
    .await?;
    let total = total.first().map_or(0, |r| r.0);
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            name: engagement_name(r.0, r.1),
            id: r.0,
            product_id: r.2,
            product: r.3,
            target_start: format::day(Some(r.4)),
            target_end: format::day(Some(r.5)),
            status: r.6,
            active: r.7,
            lead: format::text(r.8.as_deref()),
            tests: r.9,
        })
        .collect();
    let pager = Pager::new(&query, paging, total, rows.len());
    let mut params: Vec<Param> = Vec::new();
    let visible = access
        .product_filter("p.id", &mut params)
        .map(|c| format!(" WHERE {c}"))
        .unwrap_or_default();
    let product_rows: Vec<(i64, String)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT p.id, p.name FROM product p{visible} ORDER BY p.name LIMIT 500"),
        &params,
    )
    .await?;
    let page = ListPage {
        chrome: viewer.chrome("engagements"),
        products: common::choices(product_rows, query.value("product")),
        query,
        rows,
        pager,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

pub struct TestRow {
    pub id: i64,
    pub title: String,
    pub test_type: String,
    pub target_start: String,
    pub findings: i64,
    pub active: i64,
}

#[derive(Template)]
#[template(path = "engagement_view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub engagement: Engagement,
    pub name: String,
    pub product: Product,
    pub fields: Vec<(&'static str, String)>,
    pub tests: Vec<TestRow>,
    pub test_count: i64,
    pub may_edit: bool,
    pub may_delete: bool,
    pub may_add_test: bool,
    pub may_import: bool,
}

type TestListRow = (i64, Option<String>, String, DateTime<Utc>, i64, i64);

/// `GET /engagement/{id}`.
async fn view(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let mut conn = state.db.conn().await?;
    let engagement = api::visible(&mut conn, &viewer.caller, &id).await?;
    let eid = engagement.id;
    let product = repo::products::get(&mut conn, engagement.product_id).await?;
    let tests: Vec<TestListRow> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT t.id, t.title, tt.name, t.target_start, COUNT(f.id), \
             CAST(COALESCE(SUM(CASE WHEN f.active = TRUE THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM test t JOIN test_type tt ON tt.id = t.test_type_id \
             LEFT JOIN finding f ON f.test_id = t.id WHERE t.engagement_id = $1 \
             GROUP BY t.id, t.title, tt.name, t.target_start ORDER BY t.id \
             LIMIT {SIDE_LIST_LIMIT}"
        ),
        &[eid.into()],
    )
    .await?;
    let test_count: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT COUNT(*) FROM test WHERE engagement_id = $1",
        &[eid.into()],
    )
    .await?;
    let lead = match engagement.lead_id {
        Some(id) => repo::users::find(&mut conn, id).await?.map(|u| u.username),
        None => None,
    };
    let fields = vec![
        ("Status", engagement.status.as_str().to_owned()),
        (
            "Active",
            if engagement.active { "Yes" } else { "No" }.to_owned(),
        ),
        ("Type", engagement.engagement_type.as_str().to_owned()),
        ("Target start", format::day(Some(engagement.target_start))),
        ("Target end", format::day(Some(engagement.target_end))),
        ("Lead", format::text(lead.as_deref())),
        ("Version", format::text(engagement.version.as_deref())),
        (
            "Description",
            format::text(engagement.description.as_deref()),
        ),
        ("Build", format::text(engagement.build_id.as_deref())),
        ("Commit", format::text(engagement.commit_hash.as_deref())),
        ("Branch/tag", format::text(engagement.branch_tag.as_deref())),
        (
            "Deduplication within engagement",
            if engagement.deduplication_on_engagement {
                "Yes"
            } else {
                "No"
            }
            .to_owned(),
        ),
    ];
    let access = &viewer.caller.access;
    let pid = engagement.product_id;
    let page = ViewPage {
        chrome: viewer.chrome("engagements"),
        name: engagement_name(eid, engagement.name.clone()),
        fields,
        tests: tests
            .into_iter()
            .map(|t| TestRow {
                title: t
                    .1
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| t.2.clone()),
                id: t.0,
                test_type: t.2,
                target_start: format::instant(t.3),
                findings: t.4,
                active: t.5,
            })
            .collect(),
        test_count: test_count.first().map_or(0, |r| r.0),
        may_edit: access
            .may_on_product(&mut conn, pid, Permission::EngagementEdit)
            .await?,
        may_delete: access
            .may_on_product(&mut conn, pid, Permission::EngagementDelete)
            .await?,
        may_add_test: access
            .may_on_product(&mut conn, pid, Permission::TestAdd)
            .await?,
        may_import: access
            .may_on_product(&mut conn, pid, Permission::ImportScanResult)
            .await?,
        product,
        engagement,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "engagement_form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub product: Product,
    pub values: ListQuery,
    pub error: Option<String>,
    pub leads: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub types: Vec<Choice>,
}

async fn form_page_for(
    conn: &mut Conn,
    viewer: &Viewer,
    product: Product,
    (heading, action, cancel): (String, String, String),
    values: ListQuery,
    error: Option<String>,
) -> PageResult {
    let statuses: Vec<&str> = EngagementStatus::ALL.iter().map(|s| s.as_str()).collect();
    let types: Vec<&str> = EngagementType::ALL.iter().map(|t| t.as_str()).collect();
    let leads = common::user_choices(conn, values.value("lead"), Some(product.id)).await?;
    let page = FormPage {
        chrome: viewer.chrome("engagements"),
        heading,
        action,
        cancel,
        product,
        leads,
        statuses: common::fixed_choices(&statuses, values.value("status")),
        types: common::fixed_choices(&types, values.value("engagement_type")),
        values,
        error,
    };
    Ok(form_page(&page.error, &page))
}

fn values_of(engagement: &Engagement, tags: &[String]) -> ListQuery {
    let mut pairs = vec![
        ("name", engagement.name.clone().unwrap_or_default()),
        (
            "description",
            engagement.description.clone().unwrap_or_default(),
        ),
        ("version", engagement.version.clone().unwrap_or_default()),
        ("target_start", engagement.target_start.to_string()),
        ("target_end", engagement.target_end.to_string()),
        (
            "lead",
            engagement
                .lead_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        ),
        ("status", engagement.status.as_str().to_owned()),
        (
            "engagement_type",
            engagement.engagement_type.as_str().to_owned(),
        ),
        ("tags", tags.join(",")),
    ];
    if engagement.deduplication_on_engagement {
        pairs.push(("deduplication_on_engagement", "on".into()));
    }
    ListQuery::from_pairs(
        "",
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    )
}

/// The product to add an engagement to: 404 unseen, 403 without the right.
async fn product_for_adding(conn: &mut Conn, viewer: &Viewer, id: &str) -> PageResult<Product> {
    let product = products::visible(conn, &viewer.caller, id).await?;
    viewer
        .require_on_product(conn, product.id, Permission::EngagementAdd)
        .await?;
    Ok(product)
}

fn add_target(product: &Product) -> (String, String, String) {
    (
        format!("New engagement for {}", product.name),
        format!("/product/{}/new_engagement", product.id),
        format!("/product/{}", product.id),
    )
}

/// `GET /product/{id}/new_engagement`: today to a week from today, In Progress.
async fn add_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let product = product_for_adding(&mut conn, &viewer, &id).await?;
    let today = Utc::now().date_naive();
    let values = ListQuery::from_pairs(
        "",
        vec![
            ("target_start".into(), today.to_string()),
            (
                "target_end".into(),
                (today + chrono::Days::new(7)).to_string(),
            ),
            (
                "status".into(),
                EngagementStatus::InProgress.as_str().into(),
            ),
            (
                "engagement_type".into(),
                EngagementType::default().as_str().into(),
            ),
            ("lead".into(), viewer.session.user.id.to_string()),
        ],
    );
    let target = add_target(&product);
    form_page_for(&mut conn, &viewer, product, target, values, None).await
}

/// `POST /product/{id}/new_engagement`: the API's create, then the engagement.
async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let product = {
        let mut conn = state.db.conn().await?;
        product_for_adding(&mut conn, &viewer, &id).await?
    };
    let mut pairs: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k != "product")
        .cloned()
        .collect();
    pairs.push(("product".into(), product.id.to_string()));
    let body = request_fields(&pairs, CHECKBOXES, NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::create(&mut tx, &viewer.caller, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/engagement/{}", saved.id)))
        }
        Err(error) => {
            drop(tx);
            let reason = match PageError::from(error) {
                PageError::BadRequest(reason) => reason,
                other => return Err(other),
            };
            let mut conn = state.db.conn().await?;
            let target = add_target(&product);
            let values = ListQuery::from_pairs("", form);
            form_page_for(&mut conn, &viewer, product, target, values, Some(reason)).await
        }
    }
}

/// The engagement with the viewer's right `permission` on it: 404 unseen, 403
/// without the right.
async fn with_right(
    conn: &mut Conn,
    viewer: &Viewer,
    id: &str,
    permission: Permission,
) -> PageResult<Engagement> {
    let engagement = api::visible(conn, &viewer.caller, id).await?;
    viewer
        .require_on_product(conn, engagement.product_id, permission)
        .await?;
    Ok(engagement)
}

fn edit_target(engagement: &Engagement) -> (String, String, String) {
    (
        format!(
            "Edit engagement {}",
            engagement_name(engagement.id, engagement.name.clone())
        ),
        format!("/engagement/{}/edit", engagement.id),
        format!("/engagement/{}", engagement.id),
    )
}

/// `GET /engagement/{id}/edit`.
async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let engagement = with_right(&mut conn, &viewer, &id, Permission::EngagementEdit).await?;
    let product = repo::products::get(&mut conn, engagement.product_id).await?;
    let tags: Vec<(String,)> = bulk::fetch_all(
        &mut conn,
        "SELECT tg.name FROM engagement_tags et JOIN tag tg ON tg.id = et.tag_id \
         WHERE et.engagement_id = $1 ORDER BY tg.name",
        &[engagement.id.into()],
    )
    .await?;
    let tags: Vec<String> = tags.into_iter().map(|t| t.0).collect();
    let values = values_of(&engagement, &tags);
    let target = edit_target(&engagement);
    form_page_for(&mut conn, &viewer, product, target, values, None).await
}

/// `POST /engagement/{id}/edit`: the API's update of the form's fields.
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let (engagement, product) = {
        let mut conn = state.db.conn().await?;
        let engagement = with_right(&mut conn, &viewer, &id, Permission::EngagementEdit).await?;
        let product = repo::products::get(&mut conn, engagement.product_id).await?;
        (engagement, product)
    };
    // The product is not changed from this form.
    let pairs: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k != "product")
        .cloned()
        .collect();
    let body = request_fields(&pairs, CHECKBOXES, NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::save(&mut tx, &viewer.caller, &id, &body, Mode::Partial).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/engagement/{}", saved.id)))
        }
        Err(error) => {
            drop(tx);
            let reason = match PageError::from(error) {
                PageError::BadRequest(reason) => reason,
                other => return Err(other),
            };
            let mut conn = state.db.conn().await?;
            let target = edit_target(&engagement);
            let values = ListQuery::from_pairs("", form);
            form_page_for(&mut conn, &viewer, product, target, values, Some(reason)).await
        }
    }
}

/// `POST /engagement/{id}/close`: the API's close (inactive, Completed).
async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let saved = api::close_or_reopen(&state, &viewer.caller, &id, false).await?;
    Ok(pages::redirect(&format!("/engagement/{}", saved.id)))
}

/// `POST /engagement/{id}/reopen`: the API's reopen (active, In Progress).
async fn reopen(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let saved = api::close_or_reopen(&state, &viewer.caller, &id, true).await?;
    Ok(pages::redirect(&format!("/engagement/{}", saved.id)))
}

/// `GET /engagement/{id}/delete`: what the delete removes, with counts.
async fn delete_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let engagement = with_right(&mut conn, &viewer, &id, Permission::EngagementDelete).await?;
    common::delete_confirm(
        &mut conn,
        viewer.chrome("engagements"),
        "engagements",
        engagement.id,
        (
            "engagement",
            engagement_name(engagement.id, engagement.name.clone()),
        ),
        (
            format!("/engagement/{}/delete", engagement.id),
            format!("/engagement/{}", engagement.id),
        ),
    )
    .await
}

/// `POST /engagement/{id}/delete`: the API's delete, then the product.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let product_id = {
        let mut conn = state.db.conn().await?;
        api::visible(&mut conn, &viewer.caller, &id)
            .await?
            .product_id
    };
    api::delete(&state, &viewer.caller, &id).await?;
    Ok(pages::redirect(&format!("/product/{product_id}")))
}
