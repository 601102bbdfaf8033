//! Products: `/product` (list with open findings by severity), `/product/{id}`
//! (metadata, open findings, SLA, technologies, regulations, benchmarks,
//! members, contacts, engagements), add, edit and delete, with the API's
//! permission checks (the API's own create, save and delete run).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Engagement, Notifications, Product, SlaConfiguration};
use dojo_domain::{
    BusinessCriticality, Lifecycle, NotificationChannel, Origin, Platform, Severity,
};
use dojo_storage::bulk::{self, Param};
use dojo_storage::metrics::SeverityCounts;
use dojo_storage::{repo, Conn};

use super::charts::{self, Svg};
use super::format;
use super::hierarchy_common::{
    self as common, counts_of, form_page, request_fields, severity_sums, Choice, Member,
    SeverityCell, SIDE_LIST_LIMIT,
};
use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::fields::Mode;
use crate::api::list::Filters;
use crate::api::products as api;
use crate::auth::Caller;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/product", get(list))
        .route("/product/add", get(add_form).post(add))
        .route("/product/{id}", get(view))
        .route("/product/{id}/edit", get(edit_form).post(edit))
        .route("/product/{id}/delete", get(delete_confirm).post(delete))
        .route("/product/{id}/notifications", post(save_notifications))
}

/// The events a user may ask to hear about for one product (DefectDojo's
/// product notifications form), with their labels.
const PRODUCT_EVENTS: &[(&str, &str)] = &[
    ("engagement_added", "Engagement added"),
    ("close_engagement", "Engagement closed"),
    ("test_added", "Test added"),
    ("scan_added", "Scan added"),
    ("sla_breach", "SLA breach"),
    ("sla_breach_combined", "SLA breach (combined)"),
    ("risk_acceptance_expiration", "Risk acceptance expiration"),
];

/// One event of the viewer's notification settings: its channels, ticked or not.
pub struct NotifyRow {
    pub event: &'static str,
    pub label: &'static str,
    pub channels: Vec<(&'static str, bool)>,
}

fn event_slot<'a>(row: &'a mut Notifications, event: &str) -> Option<&'a mut String> {
    Some(match event {
        "engagement_added" => &mut row.engagement_added,
        "close_engagement" => &mut row.close_engagement,
        "test_added" => &mut row.test_added,
        "scan_added" => &mut row.scan_added,
        "sla_breach" => &mut row.sla_breach,
        "sla_breach_combined" => &mut row.sla_breach_combined,
        "risk_acceptance_expiration" => &mut row.risk_acceptance_expiration,
        _ => return None,
    })
}

/// The viewer's own settings row for the product (the row the notifications
/// API lists with `user` and `product`), if they have one.
async fn personal_settings(
    conn: &mut Conn,
    user_id: i64,
    product_id: i64,
) -> PageResult<Option<Notifications>> {
    let rows: Vec<Notifications> = bulk::fetch_all(
        conn,
        "SELECT * FROM notifications WHERE user_id = $1 AND product_id = $2 \
         AND template = FALSE ORDER BY id LIMIT 1",
        &[user_id.into(), product_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// The toggles: nothing ticked until the viewer saves settings for the product.
fn notify_rows(settings: Option<&Notifications>) -> Vec<NotifyRow> {
    PRODUCT_EVENTS
        .iter()
        .map(|(event, label)| {
            let on = settings
                .map(|row| crate::notifications::routing::channels_of(row, event))
                .unwrap_or_default();
            NotifyRow {
                event,
                label,
                channels: NotificationChannel::ALL
                    .iter()
                    .map(|c| (c.as_str(), on.contains(c)))
                    .collect(),
            }
        })
        .collect()
}

/// `POST /product/{id}/notifications`: saves the viewer's own channels per
/// event for the product; seeing the product is enough, as in DefectDojo.
async fn save_notifications(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let mut tx = state.db.begin().await?;
    let product = api::visible(&mut tx, &viewer.caller, &id).await?;
    let user_id = viewer.session.user.id;
    let existing = personal_settings(&mut tx, user_id, product.id).await?;
    let mut row = existing.clone().unwrap_or_else(|| Notifications {
        user_id: Some(user_id),
        product_id: Some(product.id),
        ..Notifications::default()
    });
    for (event, _) in PRODUCT_EVENTS {
        let chosen: Vec<&str> = NotificationChannel::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| form.iter().any(|(k, v)| k == event && v == c))
            .collect();
        if let Some(slot) = event_slot(&mut row, event) {
            *slot = chosen.join(",");
        }
    }
    if existing.is_some() {
        repo::notifications::update(&mut tx, &row).await?;
    } else {
        repo::notifications::insert(&mut tx, &row).await?;
    }
    tx.commit().await?;
    Ok(pages::redirect(&format!("/product/{}", product.id)))
}

const CHECKBOXES: &[&str] = &["external_audience", "internet_accessible"];
const NULLABLE: &[&str] = &[
    "product_manager",
    "technical_contact",
    "team_manager",
    "user_records",
    "revenue",
];

pub struct Row {
    pub id: i64,
    pub name: String,
    pub type_id: i64,
    pub type_name: String,
    pub tags: Vec<String>,
    pub open: Vec<SeverityCell>,
}

#[derive(Template)]
#[template(path = "product_list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub query: ListQuery,
    pub rows: Vec<Row>,
    pub pager: Pager,
    pub types: Vec<Choice>,
    pub may_add: bool,
}

type ListRow = (i64, String, i64, String, i64, i64, i64, i64, i64);

/// The product types a product may be put in by the viewer: those where they
/// may add products (bounded).
async fn product_types_for_adding(
    conn: &mut Conn,
    caller: &Caller,
    current: &str,
) -> PageResult<Vec<Choice>> {
    let mut params: Vec<Param> = Vec::new();
    let visible = caller
        .access
        .product_type_filter("t.id", &mut params)
        .map(|c| format!(" WHERE {c}"))
        .unwrap_or_default();
    let rows: Vec<(i64, String)> = bulk::fetch_all(
        conn,
        &format!("SELECT t.id, t.name FROM product_type t{visible} ORDER BY t.name LIMIT 500"),
        &params,
    )
    .await?;
    let mut allowed = Vec::new();
    for (id, name) in rows {
        if caller
            .access
            .may_on_product_type(conn, id, Permission::ProductTypeAddProduct)
            .await?
        {
            allowed.push((id, name));
        }
    }
    Ok(common::choices(allowed, current))
}

/// `GET /product`: the products the viewer sees with their open findings by
/// severity (the rollup, grouped in the same query so that counts sort).
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = ListQuery::parse("/product", raw.as_deref());
    let q = query.api_params(&[]);
    let access = &viewer.caller.access;
    let mut f = Filters::default();
    let visible = access.product_filter("p.id", &mut f.params);
    f.push(visible);
    f.contains(&q, "name", "p.name");
    f.ids(&q, "prod_type", "p.prod_type_id");
    if let Some(tag) = query.get("tag") {
        f.params.push(tag.to_lowercase().into());
        let n = f.params.len();
        f.push(Some(format!(
            "p.id IN (SELECT pt.product_id FROM product_tags pt JOIN tag tg ON tg.id = pt.tag_id \
             WHERE tg.name = ${n})"
        )));
    }
    f.check()?;
    let order = common::order_by(
        query.ordering(),
        &[
            ("name", "p.name"),
            ("prod_type", "t.name"),
            ("critical", "critical"),
            ("high", "high"),
            ("medium", "medium"),
            ("low", "low"),
            ("info", "info"),
        ],
        "name",
        "p.id",
    );
    let paging = query.paging();
    let sql = format!(
        "SELECT p.id, p.name, t.id, t.name, \
         COALESCE(c.critical, 0) AS critical, COALESCE(c.high, 0) AS high, \
         COALESCE(c.medium, 0) AS medium, COALESCE(c.low, 0) AS low, COALESCE(c.info, 0) AS info \
         FROM product p JOIN product_type t ON t.id = p.prod_type_id \
         LEFT JOIN (SELECT r.product_id, {sums} FROM metrics_product_open r GROUP BY r.product_id) c \
           ON c.product_id = p.id{where_sql}{order}{limit}",
        sums = severity_sums(),
        where_sql = f.where_sql(),
        limit = paging.sql(),
    );
    let mut conn = state.db.conn().await?;
    let rows: Vec<ListRow> = bulk::fetch_all(&mut conn, &sql, &f.params).await?;
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM product p{}", f.where_sql()),
        &f.params,
    )
    .await?;
    let total = total.first().map_or(0, |r| r.0);
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let tag_rows: Vec<(i64, String)> = bulk::fetch_in(&mut conn, &[], &ids, |list| {
        format!(
            "SELECT pt.product_id, tg.name FROM product_tags pt JOIN tag tg ON tg.id = pt.tag_id \
             WHERE pt.product_id IN ({list}) ORDER BY tg.name"
        )
    })
    .await?;
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in tag_rows {
        tags.entry(id).or_default().push(name);
    }
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| {
            let counts = counts_of([r.4, r.5, r.6, r.7, r.8]);
            Row {
                open: common::severity_cells(
                    &counts,
                    &format!("test__engagement__product={}", r.0),
                ),
                tags: tags.remove(&r.0).unwrap_or_default(),
                id: r.0,
                name: r.1,
                type_id: r.2,
                type_name: r.3,
            }
        })
        .collect();
    let pager = Pager::new(&query, paging, total, rows.len());
    let mut params: Vec<Param> = Vec::new();
    let visible_types = access
        .product_type_filter("t.id", &mut params)
        .map(|c| format!(" WHERE {c}"))
        .unwrap_or_default();
    let types: Vec<(i64, String)> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT t.id, t.name FROM product_type t{visible_types} ORDER BY t.name LIMIT 500"
        ),
        &params,
    )
    .await?;
    let may_add = !product_types_for_adding(&mut conn, &viewer.caller, "")
        .await?
        .is_empty();
    let page = ListPage {
        chrome: viewer.chrome("products"),
        types: common::choices(types, query.value("prod_type")),
        may_add,
        query,
        rows,
        pager,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

/// A severity's SLA: its days (or "not enforced") and its overdue open findings
/// (linked to the findings list's `sla=breached` filter).
pub struct SlaRow {
    pub severity: &'static str,
    pub days: String,
    pub overdue: i64,
}

pub struct EngagementRow {
    pub id: i64,
    pub name: String,
    pub target_start: String,
    pub target_end: String,
    pub status: String,
    pub active: bool,
}

pub struct Benchmark {
    pub name: String,
    pub desired_level: String,
    pub current_level: String,
    /// (level, score, benchmark) per ASVS level.
    pub levels: Vec<(i64, i64, i64)>,
}

#[derive(Template)]
#[template(path = "product_view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub product: Product,
    pub type_name: String,
    pub fields: Vec<(&'static str, String)>,
    pub tags: Vec<String>,
    pub chart: Svg,
    pub open: Vec<SeverityCell>,
    pub open_total: i64,
    pub sla_name: String,
    pub sla: Vec<SlaRow>,
    pub technologies: Vec<(String, String)>,
    pub regulations: Vec<(String, String)>,
    pub benchmarks: Vec<Benchmark>,
    pub users: Vec<Member>,
    pub groups: Vec<Member>,
    pub contacts: Vec<(&'static str, String)>,
    pub engagements: Vec<EngagementRow>,
    pub engagement_count: i64,
    pub may_edit: bool,
    pub may_delete: bool,
    pub may_manage_members: bool,
    pub may_add_engagement: bool,
    pub notifications: Vec<NotifyRow>,
}

fn yes_no(value: bool) -> String {
    if value { "Yes" } else { "No" }.to_owned()
}

/// Cents as the decimal DefectDojo shows (`1234.50`).
fn revenue(cents: Option<i64>) -> Option<String> {
    cents.map(|c| format!("{}.{:02}", c / 100, c % 100))
}

async fn username(conn: &mut Conn, id: Option<i64>) -> PageResult<String> {
    Ok(match id {
        Some(id) => repo::users::find(conn, id)
            .await?
            .map_or_else(|| "—".to_owned(), |u| u.username),
        None => "—".to_owned(),
    })
}

fn sla_rows(config: &SlaConfiguration, overdue: &SeverityCounts) -> Vec<SlaRow> {
    [
        (Severity::Critical, config.critical, config.enforce_critical),
        (Severity::High, config.high, config.enforce_high),
        (Severity::Medium, config.medium, config.enforce_medium),
        (Severity::Low, config.low, config.enforce_low),
    ]
    .into_iter()
    .map(|(severity, days, enforced)| SlaRow {
        severity: severity.as_str(),
        days: if enforced {
            format!("{days} days")
        } else {
            "Not enforced".to_owned()
        },
        overdue: overdue.get(severity),
    })
    .collect()
}

/// `GET /product/{id}`.
async fn view(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let mut conn = state.db.conn().await?;
    let caller = &viewer.caller;
    let product = api::visible(&mut conn, caller, &id).await?;
    let pid = product.id;
    let product_type = repo::product_types::get(&mut conn, product.prod_type_id).await?;
    let open = dojo_storage::metrics::rollup::open_by_product(
        &mut conn,
        &caller.access,
        Some(&[pid]),
        false,
    )
    .await?
    .into_iter()
    .next()
    .map_or_else(SeverityCounts::default, |o| o.open);
    let tags: Vec<(String,)> = bulk::fetch_all(
        &mut conn,
        "SELECT tg.name FROM product_tags pt JOIN tag tg ON tg.id = pt.tag_id \
         WHERE pt.product_id = $1 ORDER BY tg.name",
        &[pid.into()],
    )
    .await?;
    let sla_config = repo::sla_configurations::get(&mut conn, product.sla_configuration_id).await?;
    // Open findings past their SLA date, per severity: one grouped count.
    let overdue_rows: Vec<(String, i64)> = bulk::fetch_all(
        &mut conn,
        "SELECT severity, COUNT(*) FROM finding WHERE product_id = $1 AND active = TRUE \
         AND duplicate = FALSE AND sla_expiration_date < $2 GROUP BY severity",
        &[pid.into(), Utc::now().date_naive().into()],
    )
    .await?;
    let mut overdue = SeverityCounts::default();
    for (severity, count) in overdue_rows {
        overdue.add(&severity, count);
    }
    let technologies: Vec<(String, Option<String>)> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT name, version FROM app_analysis WHERE product_id = $1 ORDER BY name \
             LIMIT {SIDE_LIST_LIMIT}"
        ),
        &[pid.into()],
    )
    .await?;
    let regulations: Vec<(String, String)> = bulk::fetch_all(
        &mut conn,
        "SELECT r.name, r.acronym FROM regulation r JOIN product_regulation pr \
         ON pr.regulation_id = r.id WHERE pr.product_id = $1 ORDER BY r.name",
        &[pid.into()],
    )
    .await?;
    // Only published summaries, as DefectDojo's product page shows.
    type BenchmarkRow = (String, String, Option<String>, i64, i64, i64, i64, i64, i64);
    let benchmarks: Vec<BenchmarkRow> = bulk::fetch_all(
        &mut conn,
        "SELECT bt.name, s.desired_level, s.current_level, s.asvs_level_1_score, \
         s.asvs_level_1_benchmark, s.asvs_level_2_score, s.asvs_level_2_benchmark, \
         s.asvs_level_3_score, s.asvs_level_3_benchmark FROM benchmark_product_summary s \
         JOIN benchmark_type bt ON bt.id = s.benchmark_type_id WHERE s.product_id = $1 \
         AND s.publish = TRUE ORDER BY bt.name",
        &[pid.into()],
    )
    .await?;
    let (users, groups) = common::members(
        &mut conn,
        ("product_member", "product_group", "product_id"),
        pid,
    )
    .await?;
    let engagements: Vec<Engagement> = bulk::fetch_all(
        &mut conn,
        "SELECT * FROM engagement WHERE product_id = $1 ORDER BY target_start DESC, id DESC LIMIT 10",
        &[pid.into()],
    )
    .await?;
    let engagement_count: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT COUNT(*) FROM engagement WHERE product_id = $1",
        &[pid.into()],
    )
    .await?;
    let contacts = vec![
        (
            "Product manager",
            username(&mut conn, product.product_manager_id).await?,
        ),
        (
            "Technical contact",
            username(&mut conn, product.technical_contact_id).await?,
        ),
        (
            "Team manager",
            username(&mut conn, product.team_manager_id).await?,
        ),
    ];
    let fields = vec![
        ("Description", format::text(Some(&product.description))),
        (
            "Business criticality",
            format::text(product.business_criticality.map(|v| v.as_str())),
        ),
        (
            "Platform",
            format::text(product.platform.map(|v| v.as_str())),
        ),
        (
            "Lifecycle",
            format::text(product.lifecycle.map(|v| v.as_str())),
        ),
        ("Origin", format::text(product.origin.map(|v| v.as_str()))),
        ("External audience", yes_no(product.external_audience)),
        ("Internet accessible", yes_no(product.internet_accessible)),
        (
            "User records",
            product
                .user_records
                .map_or_else(|| "—".to_owned(), |n| n.to_string()),
        ),
        (
            "Revenue",
            format::text(revenue(product.revenue_cents).as_deref()),
        ),
        ("Created", format::instant(product.created)),
    ];
    let settings = personal_settings(&mut conn, viewer.session.user.id, pid).await?;
    let access = &caller.access;
    let page = ViewPage {
        chrome: viewer.chrome("products"),
        notifications: notify_rows(settings.as_ref()),
        type_name: product_type.name,
        fields,
        tags: tags.into_iter().map(|t| t.0).collect(),
        chart: charts::severity_bars(&open, "Open findings by severity"),
        open: common::severity_cells(&open, &format!("test__engagement__product={pid}")),
        open_total: open.total(),
        sla_name: sla_config.name.clone(),
        sla: sla_rows(&sla_config, &overdue),
        technologies: technologies
            .into_iter()
            .map(|(name, version)| (name, version.unwrap_or_default()))
            .collect(),
        regulations,
        benchmarks: benchmarks
            .into_iter()
            .map(|b| Benchmark {
                name: b.0,
                desired_level: b.1,
                current_level: b.2.unwrap_or_else(|| "None".into()),
                levels: vec![(1, b.3, b.4), (2, b.5, b.6), (3, b.7, b.8)],
            })
            .collect(),
        users,
        groups,
        contacts,
        engagements: engagements
            .into_iter()
            .map(|e| EngagementRow {
                id: e.id,
                name: e
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("Engagement {}", e.id)),
                target_start: format::day(Some(e.target_start)),
                target_end: format::day(Some(e.target_end)),
                status: e.status.as_str().to_owned(),
                active: e.active,
            })
            .collect(),
        engagement_count: engagement_count.first().map_or(0, |r| r.0),
        may_edit: access
            .may_on_product(&mut conn, pid, Permission::ProductEdit)
            .await?,
        may_delete: access
            .may_on_product(&mut conn, pid, Permission::ProductDelete)
            .await?,
        may_manage_members: access
            .may_on_product(&mut conn, pid, Permission::ProductManageMembers)
            .await?,
        may_add_engagement: access
            .may_on_product(&mut conn, pid, Permission::EngagementAdd)
            .await?,
        product,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "product_form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub cancel: String,
    pub values: ListQuery,
    pub error: Option<String>,
    pub types: Vec<Choice>,
    pub slas: Vec<Choice>,
    /// (field, label, options) of the user choices.
    pub people: Vec<(&'static str, &'static str, Vec<Choice>)>,
    /// (field, label, options) of the fixed choices.
    pub kinds: Vec<(&'static str, &'static str, Vec<Choice>)>,
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

async fn form_page_for(
    conn: &mut Conn,
    viewer: &Viewer,
    product_id: Option<i64>,
    (heading, action, cancel): (String, String, String),
    values: ListQuery,
    error: Option<String>,
) -> PageResult {
    let types = product_types_for_adding(conn, &viewer.caller, values.value("prod_type")).await?;
    let slas: Vec<(i64, String)> = bulk::fetch_all(
        conn,
        "SELECT id, name FROM sla_configuration ORDER BY name LIMIT 500",
        &[],
    )
    .await?;
    let mut people = Vec::new();
    for (field, label) in [
        ("product_manager", "Product manager"),
        ("technical_contact", "Technical contact"),
        ("team_manager", "Team manager"),
    ] {
        people.push((
            field,
            label,
            common::user_choices(conn, values.value(field), product_id).await?,
        ));
    }
    let kinds = vec![
        (
            "business_criticality",
            "Business criticality",
            common::fixed_choices(
                &names(BusinessCriticality::ALL, BusinessCriticality::as_str),
                values.value("business_criticality"),
            ),
        ),
        (
            "platform",
            "Platform",
            common::fixed_choices(
                &names(Platform::ALL, Platform::as_str),
                values.value("platform"),
            ),
        ),
        (
            "lifecycle",
            "Lifecycle",
            common::fixed_choices(
                &names(Lifecycle::ALL, Lifecycle::as_str),
                values.value("lifecycle"),
            ),
        ),
        (
            "origin",
            "Origin",
            common::fixed_choices(&names(Origin::ALL, Origin::as_str), values.value("origin")),
        ),
    ];
    let page = FormPage {
        chrome: viewer.chrome("products"),
        heading,
        action,
        cancel,
        slas: common::choices(slas, values.value("sla_configuration")),
        values,
        error,
        types,
        people,
        kinds,
    };
    Ok(form_page(&page.error, &page))
}

fn values_of(product: &Product, tags: &[String]) -> ListQuery {
    let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs = vec![
        ("name", product.name.clone()),
        ("description", product.description.clone()),
        ("prod_type", product.prod_type_id.to_string()),
        (
            "sla_configuration",
            product.sla_configuration_id.to_string(),
        ),
        ("product_manager", id(product.product_manager_id)),
        ("technical_contact", id(product.technical_contact_id)),
        ("team_manager", id(product.team_manager_id)),
        (
            "business_criticality",
            product
                .business_criticality
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "platform",
            product
                .platform
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "lifecycle",
            product
                .lifecycle
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "origin",
            product
                .origin
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("user_records", id(product.user_records)),
        (
            "revenue",
            revenue(product.revenue_cents).unwrap_or_default(),
        ),
        ("tags", tags.join(",")),
    ];
    if product.external_audience {
        pairs.push(("external_audience", "on".into()));
    }
    if product.internet_accessible {
        pairs.push(("internet_accessible", "on".into()));
    }
    ListQuery::from_pairs(
        "",
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    )
}

/// `GET /product/add` (`?prod_type=` preselects the product type).
async fn add_form(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let values = ListQuery::parse("", raw.as_deref());
    let target = (
        "Add product".to_owned(),
        "/product/add".to_owned(),
        "/product".to_owned(),
    );
    form_page_for(&mut conn, &viewer, None, target, values, None).await
}

/// `POST /product/add`: the API's create, then the new product.
async fn add(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let body = request_fields(&form, CHECKBOXES, NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::create(&mut tx, &viewer.caller, &body).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/product/{}", saved.id)))
        }
        Err(error) => {
            drop(tx);
            let reason = match PageError::from(error) {
                PageError::BadRequest(reason) => reason,
                other => return Err(other),
            };
            let mut conn = state.db.conn().await?;
            let target = (
                "Add product".to_owned(),
                "/product/add".to_owned(),
                "/product".to_owned(),
            );
            form_page_for(
                &mut conn,
                &viewer,
                None,
                target,
                ListQuery::from_pairs("", form),
                Some(reason),
            )
            .await
        }
    }
}

/// The product the viewer may edit: 404 if they may not see it, 403 if they
/// may not edit it.
async fn editable(conn: &mut Conn, viewer: &Viewer, id: &str) -> PageResult<Product> {
    let product = api::visible(conn, &viewer.caller, id).await?;
    viewer
        .require_on_product(conn, product.id, Permission::ProductEdit)
        .await?;
    Ok(product)
}

fn edit_target(product: &Product) -> (String, String, String) {
    (
        format!("Edit product {}", product.name),
        format!("/product/{}/edit", product.id),
        format!("/product/{}", product.id),
    )
}

/// `GET /product/{id}/edit`.
async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let product = editable(&mut conn, &viewer, &id).await?;
    let tags: Vec<(String,)> = bulk::fetch_all(
        &mut conn,
        "SELECT tg.name FROM product_tags pt JOIN tag tg ON tg.id = pt.tag_id \
         WHERE pt.product_id = $1 ORDER BY tg.name",
        &[product.id.into()],
    )
    .await?;
    let tags: Vec<String> = tags.into_iter().map(|t| t.0).collect();
    let values = values_of(&product, &tags);
    form_page_for(
        &mut conn,
        &viewer,
        Some(product.id),
        edit_target(&product),
        values,
        None,
    )
    .await
}

/// `POST /product/{id}/edit`: the API's update (only the form's fields).
async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let product = {
        let mut conn = state.db.conn().await?;
        editable(&mut conn, &viewer, &id).await?
    };
    let body = request_fields(&form, CHECKBOXES, NULLABLE);
    let mut tx = state.db.begin().await?;
    match api::save(&mut tx, &viewer.caller, &id, &body, Mode::Partial).await {
        Ok(saved) => {
            tx.commit().await?;
            Ok(pages::redirect(&format!("/product/{}", saved.id)))
        }
        Err(error) => {
            drop(tx);
            let reason = match PageError::from(error) {
                PageError::BadRequest(reason) => reason,
                other => return Err(other),
            };
            let mut conn = state.db.conn().await?;
            form_page_for(
                &mut conn,
                &viewer,
                Some(product.id),
                edit_target(&product),
                ListQuery::from_pairs("", form),
                Some(reason),
            )
            .await
        }
    }
}

/// `GET /product/{id}/delete`: what the delete removes, with counts.
async fn delete_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let product = api::visible(&mut conn, &viewer.caller, &id).await?;
    viewer
        .require_on_product(&mut conn, product.id, Permission::ProductDelete)
        .await?;
    common::delete_confirm(
        &mut conn,
        viewer.chrome("products"),
        "products",
        product.id,
        ("product", product.name),
        (
            format!("/product/{}/delete", product.id),
            format!("/product/{}", product.id),
        ),
    )
    .await
}

/// `POST /product/{id}/delete`: the API's delete, then the list.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    api::delete(&state, &viewer.caller, &id).await?;
    Ok(pages::redirect("/product"))
}
