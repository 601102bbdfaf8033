//! `/dashboard` (and `/`): the state of everything the viewer may see at a
//! glance: open findings by severity, found and closed over the last twelve
//! months, SLA breaches, the riskiest products and the latest imports.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Datelike, Months, Utc};
use dojo_storage::authz::Access;
use dojo_storage::bulk::{self, Param};
use dojo_storage::metrics::{self, rollup, Period, Question, Scope};
use dojo_storage::Conn;

use super::format;
use super::metrics_pages::{severity_cells, verified_only, MetricsView, SeverityCell};
use super::pages::{self, Chrome};
use super::{PageError, PageResult, Viewer};
use crate::AppState;

/// How many products and imports the dashboard lists.
const TOP: usize = 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/dashboard", get(dashboard))
}

/// DefectDojo's `/` leads to the dashboard.
async fn home(_viewer: Viewer) -> Response {
    pages::redirect("/dashboard")
}

#[derive(Debug, Clone)]
struct RiskyProduct {
    id: i64,
    name: String,
    cells: Vec<SeverityCell>,
    total: i64,
}

/// One import or reimport and what it did to its test's findings.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub when: String,
    pub kind: &'static str,
    pub product_id: i64,
    pub product: String,
    pub engagement_id: i64,
    pub engagement: String,
    pub test_id: i64,
    pub test: String,
    pub created: i64,
    pub closed: i64,
    pub reactivated: i64,
    pub untouched: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    view: MetricsView,
    products: Vec<RiskyProduct>,
    imports: Vec<ImportRow>,
    findings_link: String,
}

async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let today = Utc::now().date_naive();
    let start = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .unwrap_or(today);
    let access = &viewer.caller.access;
    let mut conn = state.db.conn().await?;
    let verified_only = verified_only(&mut conn).await?;
    let question = Question {
        scope: Scope::Visible,
        access,
        verified_only,
        start,
        end: today,
        today,
    };
    let summary = metrics::summary(&mut conn, &question, Period::Month).await?;
    let findings_link = "/finding?active=true&duplicate=false".to_owned();
    let riskiest = rollup::riskiest_products(&mut conn, access, verified_only, TOP).await?;
    let names = product_names(
        &mut conn,
        &riskiest.iter().map(|p| p.product_id).collect::<Vec<_>>(),
    )
    .await?;
    let products = riskiest
        .iter()
        .map(|p| RiskyProduct {
            id: p.product_id,
            name: names
                .iter()
                .find(|(id, _)| *id == p.product_id)
                .map_or_else(String::new, |(_, n)| n.clone()),
            cells: severity_cells(
                &p.open,
                &format!("{findings_link}&test__engagement__product={}", p.product_id),
            ),
            total: p.open.total(),
        })
        .collect();
    let imports = recent_imports(&mut conn, access, TOP).await?;
    let page = DashboardPage {
        chrome: viewer.chrome("dashboard"),
        view: MetricsView::of(&summary, Period::Month, &findings_link),
        products,
        imports,
        findings_link,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

async fn product_names(conn: &mut Conn, ids: &[i64]) -> Result<Vec<(i64, String)>, PageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String)> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT id, name FROM product WHERE id IN ({list})")
    })
    .await?;
    Ok(rows)
}

/// test_import id, type, created; product id, name; engagement id, name; test id,
/// title, scan type.
type ImportListRow = (
    i64,
    String,
    DateTime<Utc>,
    i64,
    String,
    i64,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
);

/// The latest `limit` imports into products the viewer may see, newest first,
/// with what each did (one grouped query for the counts).
pub async fn recent_imports(
    conn: &mut Conn,
    access: &Access,
    limit: usize,
) -> Result<Vec<ImportRow>, PageError> {
    let mut params: Vec<Param> = Vec::new();
    let visible = access
        .product_filter("e.product_id", &mut params)
        .map(|c| format!("WHERE {c}"))
        .unwrap_or_default();
    // Newest by id: ids grow with time and the primary key orders them.
    let rows: Vec<ImportListRow> = bulk::fetch_all(
            conn,
            &format!(
                "SELECT ti.id, ti.import_type, ti.created, p.id, p.name, e.id, e.name, t.id, t.title, t.scan_type \
                 FROM test_import ti JOIN test t ON t.id = ti.test_id \
                 JOIN engagement e ON e.id = t.engagement_id JOIN product p ON p.id = e.product_id \
                 {visible} ORDER BY ti.id DESC LIMIT {limit}"
            ),
            &params,
        )
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let counts: Vec<(i64, String, i64)> = if ids.is_empty() {
        Vec::new()
    } else {
        bulk::fetch_in(conn, &[], &ids, |list| {
            format!(
                "SELECT test_import_id, action, CAST(COUNT(*) AS BIGINT) FROM test_import_finding_action \
                 WHERE test_import_id IN ({list}) GROUP BY test_import_id, action"
            )
        })
        .await?
    };
    let count = |id: i64, action: &str| {
        counts
            .iter()
            .find(|(i, a, _)| *i == id && a == action)
            .map_or(0, |c| c.2)
    };
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                kind,
                created,
                product_id,
                product,
                engagement_id,
                engagement,
                test_id,
                title,
                scan_type,
            )| {
                ImportRow {
                    when: format::instant(created),
                    kind: if kind == "reimport" {
                        "Reimport"
                    } else {
                        "Import"
                    },
                    product_id,
                    product,
                    engagement_id,
                    engagement: engagement.unwrap_or_else(|| format!("Engagement {engagement_id}")),
                    test_id,
                    test: title
                        .filter(|t| !t.trim().is_empty())
                        .or(scan_type)
                        .unwrap_or_else(|| format!("Test {test_id}")),
                    created: count(id, "N"),
                    closed: count(id, "C"),
                    reactivated: count(id, "R"),
                    untouched: count(id, "U"),
                }
            },
        )
        .collect())
}
