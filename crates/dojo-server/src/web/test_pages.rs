//! Tests: `/test/{id}` (its findings a page at a time, and its import
//! history), `/engagement/{id}/add_tests`, edit and delete, through the API's
//! own create, save and delete.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Engagement, Test};
use dojo_storage::bulk;
use dojo_storage::{repo, Conn};

use super::format;
use super::hierarchy_common::{self as common, form_page, request_fields, Choice};
use super::listing::{ListQuery, Pager, Paging, DEFAULT_PAGE_SIZE};
use super::pages::{self, Chrome};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::fields::Mode;
use crate::api::{engagements, tests as api};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/test/{id}", get(view))
        .route("/engagement/{id}/add_tests", get(add_form).post(add))
        .route("/test/{id}/edit", get(edit_form).post(edit))
        .route("/test/{id}/delete", get(delete_confirm).post(delete))
}

const NULLABLE: &[&str] = &["lead", "environment", "percent_complete"];

pub struct FindingRow {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub date: String,
    pub statuses: Vec<(&'static str, bool)>,
}

/// One import or reimport of the test, with what it did to findings.
pub struct ImportRow {
    pub created: String,
    pub import_type: String,
    pub version: String,
    pub build_id: String,
    pub commit_hash: String,
    pub branch_tag: String,
    pub created_findings: i64,
    pub closed: i64,
    pub reactivated: i64,
    pub untouched: i64,
}

#[derive(Template)]
#[template(path = "test_view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub test: Test,
    pub title: String,
    pub engagement: Engagement,
    pub engagement_name: String,
    pub product_name: String,
    pub fields: Vec<(&'static str, String)>,
    pub query: ListQuery,
    pub findings: Vec<FindingRow>,
    pub pager: Pager,
    pub imports: Vec<ImportRow>,
    pub may_edit: bool,
    pub may_delete: bool,
    pub may_import: bool,
}

type FindingListRow = (
    i64,
    String,
    String,
    NaiveDate,
    bool,
    bool,
    bool,
    bool,
    bool,
    bool,
    bool,
);

type ImportListRow = (
    DateTime<Utc>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    i64,
    i64,
);

/// The statuses shown for a finding, DefectDojo's order.
fn statuses(r: &FindingListRow) -> Vec<(&'static str, bool)> {
    let (active, verified, mitigated, duplicate, false_p, accepted, out_of_scope) =
        (r.4, r.5, r.6, r.7, r.8, r.9, r.10);
    let mut out = vec![if active {
        ("Active", true)
    } else {
        ("Inactive", false)
    }];
    for (shown, name, good) in [
        (verified, "Verified", true),
        (mitigated, "Mitigated", true),
        (duplicate, "Duplicate", false),
        (false_p, "False positive", false),
        (accepted, "Risk accepted", false),
        (out_of_scope, "Out of scope", false),
    ] {
        if shown {
            out.push((name, good));
        }
    }
    out
}

fn test_title(test: &Test, test_type: &str) -> String {
    test.title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| test_type.to_owned())
}

/// `GET /test/{id}`: 25 findings a page, and every import with its counts
/// (one grouped query over the import actions).
async fn view(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let (test, product_id) = api::visible(&mut conn, &viewer.caller, &id).await?;
    let tid = test.id;
    let engagement = repo::engagements::get(&mut conn, test.engagement_id).await?;
    let product = repo::products::get(&mut conn, product_id).await?;
    let test_type = repo::test_types::get(&mut conn, test.test_type_id).await?;
    let query = ListQuery::parse(&format!("/test/{tid}"), raw.as_deref());
    let paging = Paging {
        size: DEFAULT_PAGE_SIZE,
        ..query.paging()
    };
    let order = common::order_by(
        query.ordering(),
        &[
            ("severity", "numerical_severity"),
            ("title", "title"),
            ("date", "date"),
        ],
        "severity",
        "id",
    );
    let findings: Vec<FindingListRow> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT id, title, severity, date, active, verified, is_mitigated, duplicate, \
             false_p, risk_accepted, out_of_scope FROM finding WHERE test_id = $1{order}{}",
            paging.sql()
        ),
        &[tid.into()],
    )
    .await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT COUNT(*) FROM finding WHERE test_id = $1",
        &[tid.into()],
    )
    .await?;
    let total = total.first().map_or(0, |r| r.0);
    let mut pager = Pager::new(&query, paging, total, findings.len());
    // The page size is fixed here: no size chooser.
    pager.sizes.clear();
    let count = |action: &str| {
        format!(
            "CAST(COALESCE(SUM(CASE WHEN a.action = '{action}' THEN 1 ELSE 0 END), 0) AS BIGINT)"
        )
    };
    let imports: Vec<ImportListRow> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT i.created, i.import_type, i.version, i.build_id, i.commit_hash, i.branch_tag, \
             {}, {}, {}, {} FROM test_import i \
             LEFT JOIN test_import_finding_action a ON a.test_import_id = i.id \
             WHERE i.test_id = $1 \
             GROUP BY i.id, i.created, i.import_type, i.version, i.build_id, i.commit_hash, i.branch_tag \
             ORDER BY i.created DESC, i.id DESC LIMIT {}",
            count("N"),
            count("C"),
            count("R"),
            count("U"),
            common::SIDE_LIST_LIMIT
        ),
        &[tid.into()],
    )
    .await?;
    let lead = match test.lead_id {
        Some(id) => repo::users::find(&mut conn, id).await?.map(|u| u.username),
        None => None,
    };
    let fields = vec![
        ("Type", test_type.name.clone()),
        ("Scan type", format::text(test.scan_type.as_deref())),
        ("Start", format::instant(test.target_start)),
        ("End", format::instant(test.target_end)),
        ("Lead", format::text(lead.as_deref())),
        ("Version", format::text(test.version.as_deref())),
        ("Build", format::text(test.build_id.as_deref())),
        ("Commit", format::text(test.commit_hash.as_deref())),
        ("Branch/tag", format::text(test.branch_tag.as_deref())),
        ("Description", format::text(test.description.as_deref())),
    ];
    let access = &viewer.caller.access;
    let page = ViewPage {
        chrome: viewer.chrome("engagements"),
        title: test_title(&test, &test_type.name),
        engagement_name: engagement
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("Engagement {}", engagement.id)),
        product_name: product.name,
        fields,
        findings: findings
            .into_iter()
            .map(|r| FindingRow {
                statuses: statuses(&r),
                id: r.0,
                title: r.1,
                severity: r.2,
                date: format::day(Some(r.3)),
            })
            .collect(),
        query,
        pager,
        imports: imports
            .into_iter()
            .map(|r| ImportRow {
                created: format::instant(r.0),
                import_type: r.1,
                version: format::text(r.2.as_deref()),
                build_id: format::text(r.3.as_deref()),
                commit_hash: format::text(r.4.as_deref()),
                branch_tag: format::text(r.5.as_deref()),
                created_findings: r.6,
                closed: r.7,
                reactivated: r.8,
                untouched: r.9,
            })
            .collect(),
        may_edit: access
            .may_on_product(&mut conn, product_id, Permission::TestEdit)
            .await?,
        may_delete: access
            .may_on_product(&mut conn, product_id, Permission::TestDelete)
            .await?,
        may_import: access
            .may_on_product(&mut conn, product_id, Permission::ImportScanResult)
            .await?,
        engagement,
        test,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "test_form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub values: ListQuery,
    pub error: Option<String>,
    pub test_types: Vec<Choice>,
    pub leads: Vec<Choice>,
    pub environments: Vec<Choice>,
}

async fn form_page_for(
    conn: &mut Conn,
    viewer: &Viewer,
    product_id: i64,
    (heading, action, cancel): (String, String, String),
    values: ListQuery,
    error: Option<String>,
) -> PageResult {
    let types: Vec<(i64, String)> = bulk::fetch_all(
        conn,
        "SELECT id, name FROM test_type WHERE active = TRUE ORDER BY name LIMIT 1000",
        &[],
    )
    .await?;
    let environments: Vec<(i64, String)> = bulk::fetch_all(
        conn,
        "SELECT id, name FROM development_environment ORDER BY name LIMIT 500",
        &[],
    )
    .await?;
    let page = FormPage {
        chrome: viewer.chrome("engagements"),
        heading,
        action,
        cancel,
        test_types: common::choices(types, values.value("test_type")),
        leads: common::user_choices(conn, values.value("lead"), Some(product_id)).await?,
        environments: common::choices(environments, values.value("environment")),
        values,
        error,
    };
    Ok(form_page(&page.error, &page))
}

/// An instant as a `datetime-local` input value (UTC).
fn local(value: DateTime<Utc>) -> String {
    value.format("%Y-%m-%dT%H:%M").to_string()
}

fn values_of(test: &Test, tags: &[String]) -> ListQuery {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let pairs = vec![
        ("title", text(&test.title)),
        ("description", text(&test.description)),
        ("test_type", test.test_type_id.to_string()),
        ("target_start", local(test.target_start)),
        ("target_end", local(test.target_end)),
        ("lead", id(test.lead_id)),
        ("environment", id(test.environment_id)),
        ("percent_complete", id(test.percent_complete)),
        ("version", text(&test.version)),
        ("build_id", text(&test.build_id)),
        ("commit_hash", text(&test.commit_hash)),
        ("branch_tag", text(&test.branch_tag)),
        ("tags", tags.join(",")),
    ];
    ListQuery::from_pairs(
        "",
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    )
}

/// The engagement to add a test to: 404 unseen, 403 without the right.
async fn engagement_for_adding(
    conn: &mut Conn,
    viewer: &Viewer,
    id: &str,
) -> PageResult<Engagement> {
    let engagement = engagements::visible(conn, &viewer.caller, id).await?;
    viewer
        .require_on_product(conn, engagement.product_id, Permission::TestAdd)
        .await?;
    Ok(engagement)
}

fn add_target(engagement: &Engagement) -> (String, String, String) {
    (
        "Add test".to_owned(),
        format!("/engagement/{}/add_tests", engagement.id),
        format!("/engagement/{}", engagement.id),
    )
}

/// `GET /engagement/{id}/add_tests`.
async fn add_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let engagement = engagement_for_adding(&mut conn, &viewer, &id).await?;
    let now = Utc::now();
    let values = ListQuery::from_pairs(
        "",
        vec![
            ("target_start".into(), local(now)),
            ("target_end".into(), local(now)),
            ("lead".into(), viewer.session.user.id.to_string()),
        ],
    );
    form_page_for(
        &mut conn,
        &viewer,
        engagement.product_id,
        add_target(&engagement),
        values,
        None,
    )
    .await
}

/// `POST /engagement/{id}/add_tests`: the API's create, then the test.
async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let engagement = {
        let mut conn = state.db.conn().await?;
        engagement_for_adding(&mut conn, &viewer, &id).await?
    };
    let mut pairs: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k != "engagement" && k != "notes")
        .cloned()
        .collect();
    pairs.push(("engagement".into(), engagement.id.to_string()));
    let body = request_fields(&pairs, &[], NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::create(&mut tx, &viewer.caller, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/test/{}", saved.id)))
        }
        Err(error) => {
            drop(tx);
            let reason = match PageError::from(error) {
                PageError::BadRequest(reason) => reason,
                other => return Err(other),
            };
            let mut conn = state.db.conn().await?;
            let values = ListQuery::from_pairs("", form);
            form_page_for(
                &mut conn,
                &viewer,
                engagement.product_id,
                add_target(&engagement),
                values,
                Some(reason),
            )
            .await
        }
    }
}

/// The test with the viewer's right `permission` on it: 404 unseen, 403
/// without the right.
async fn with_right(
    conn: &mut Conn,
    viewer: &Viewer,
    id: &str,
    permission: Permission,
) -> PageResult<(Test, i64)> {
    let (test, product_id) = api::visible(conn, &viewer.caller, id).await?;
    viewer
        .require_on_product(conn, product_id, permission)
        .await?;
    Ok((test, product_id))
}

fn edit_target(test: &Test) -> (String, String, String) {
    (
        "Edit test".to_owned(),
        format!("/test/{}/edit", test.id),
        format!("/test/{}", test.id),
    )
}

/// `GET /test/{id}/edit`.
async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let (test, product_id) = with_right(&mut conn, &viewer, &id, Permission::TestEdit).await?;
    let tags: Vec<(String,)> = bulk::fetch_all(
        &mut conn,
        "SELECT tg.name FROM test_tags tt JOIN tag tg ON tg.id = tt.tag_id \
         WHERE tt.test_id = $1 ORDER BY tg.name",
        &[test.id.into()],
    )
    .await?;
    let tags: Vec<String> = tags.into_iter().map(|t| t.0).collect();
    let values = values_of(&test, &tags);
    form_page_for(
        &mut conn,
        &viewer,
        product_id,
        edit_target(&test),
        values,
        None,
    )
    .await
}

/// `POST /test/{id}/edit`: the API's update of the form's fields.
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let (test, product_id) = {
        let mut conn = state.db.conn().await?;
        with_right(&mut conn, &viewer, &id, Permission::TestEdit).await?
    };
    let body = request_fields(&form, &[], NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::save(&mut tx, &viewer.caller, &id, &body, Mode::Partial).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/test/{}", saved.id)))
        }
        Err(error) => {
            drop(tx);
            let reason = match PageError::from(error) {
                PageError::BadRequest(reason) => reason,
                other => return Err(other),
            };
            let mut conn = state.db.conn().await?;
            let values = ListQuery::from_pairs("", form);
            form_page_for(
                &mut conn,
                &viewer,
                product_id,
                edit_target(&test),
                values,
                Some(reason),
            )
            .await
        }
    }
}

/// `GET /test/{id}/delete`: what the delete removes, with counts.
async fn delete_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let (test, _) = with_right(&mut conn, &viewer, &id, Permission::TestDelete).await?;
    let test_type = repo::test_types::get(&mut conn, test.test_type_id).await?;
    common::delete_confirm(
        &mut conn,
        viewer.chrome("engagements"),
        "tests",
        test.id,
        ("test", test_title(&test, &test_type.name)),
        (
            format!("/test/{}/delete", test.id),
            format!("/test/{}", test.id),
        ),
    )
    .await
}

/// `POST /test/{id}/delete`: the API's delete, then the engagement.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let engagement_id = {
        let mut conn = state.db.conn().await?;
        api::visible(&mut conn, &viewer.caller, &id)
            .await?
            .0
            .engagement_id
    };
    api::delete(&state, &viewer.caller, &id).await?;
    Ok(pages::redirect(&format!("/engagement/{engagement_id}")))
}
