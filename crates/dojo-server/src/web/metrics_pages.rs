//! Metrics pages: everything the viewer may see (`/metrics`), a product type
//! (`/metrics/product/type/{id}`) and a product (`/product/{id}/metrics`), each
//! over a range of days by week or month. The numbers are those of
//! `GET /api/v2/metrics/` (the same storage functions), drawn as charts with
//! tables beside them.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use dojo_domain::entities::{Product, ProductType};
use dojo_domain::Severity;
use dojo_storage::metrics::{self, Period, Question, Scope, SeverityCounts, Summary};
use dojo_storage::{settings, Conn};

use super::charts::{self, Line, Svg, SEVERITIES};
use super::listing::ListQuery;
use super::pages::{self, Chrome};
use super::{PageError, PageResult, Viewer};
use crate::api::resource::{find_visible, Visibility};
use crate::AppState;

/// The longest range a page may cover (as the API).
const MAX_DAYS: i64 = 3_660;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(portfolio))
        .route("/metrics/product/type/{id}", get(product_type))
        .route("/product/{id}/metrics", get(product))
}

/// One severity's number, with the findings list behind it.
#[derive(Debug, Clone)]
pub struct SeverityCell {
    pub severity: &'static str,
    pub count: i64,
    pub link: String,
}

/// Counts per severity as cells; `link` gets `severity=<name>` appended.
pub fn severity_cells(counts: &SeverityCounts, link: &str) -> Vec<SeverityCell> {
    SEVERITIES
        .iter()
        .map(|s| SeverityCell {
            severity: s.as_str(),
            count: counts.get(*s),
            link: format!("{link}&severity={}", s.as_str()),
        })
        .collect()
}

/// One period of the activity table.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    pub period: String,
    pub opened: i64,
    pub closed: i64,
    pub risk_accepted: i64,
    pub opened_critical_high: i64,
}

/// A row of a per-severity table of several measures.
#[derive(Debug, Clone)]
pub struct SeverityRow {
    pub severity: &'static str,
    pub values: Vec<String>,
}

/// What the metrics pages (and the dashboard) show of a [`Summary`].
#[derive(Debug, Clone)]
pub struct MetricsView {
    pub open: Vec<SeverityCell>,
    pub open_total: i64,
    pub open_chart: Svg,
    pub found_chart: Svg,
    pub trend_chart: Svg,
    pub activity: Vec<ActivityRow>,
    pub ages: Vec<SeverityRow>,
    pub age_totals: Vec<i64>,
    pub remediation: Vec<SeverityRow>,
    pub sla: Vec<SeverityRow>,
    pub breached_total: i64,
    pub compliance_rate: String,
    pub breach_rate: String,
}

fn period_label(period: Period, start: NaiveDate) -> String {
    match period {
        Period::Month => start.format("%b %Y").to_string(),
        Period::Week => format!("W{} {}", start.iso_week().week(), start.iso_week().year()),
    }
}

/// The shorter label under a chart's column, where twelve must fit side by side.
fn axis_label(period: Period, start: NaiveDate) -> String {
    match period {
        Period::Month => start.format("%b %y").to_string(),
        Period::Week => format!("W{}", start.iso_week().week()),
    }
}

impl MetricsView {
    /// `findings_link` is the findings list of the scope, with a `?` query started.
    pub fn of(summary: &Summary, period: Period, findings_link: &str) -> MetricsView {
        let labels: Vec<String> = summary
            .activity
            .iter()
            .map(|p| period_label(period, p.start))
            .collect();
        let axis: Vec<String> = summary
            .activity
            .iter()
            .map(|p| axis_label(period, p.start))
            .collect();
        let opened: Vec<SeverityCounts> = summary.activity.iter().map(|p| p.opened).collect();
        let series = |pick: fn(&metrics::PeriodActivity) -> i64| -> Vec<i64> {
            summary.activity.iter().map(pick).collect()
        };
        let trend = [
            Line {
                name: "Found".into(),
                colour: "#d9480f",
                values: series(|p| p.opened.total()),
            },
            Line {
                name: "Closed".into(),
                colour: "#2b8a3e",
                values: series(|p| p.closed.total()),
            },
            Line {
                name: "Risk accepted".into(),
                colour: "#6741d9",
                values: series(|p| p.risk_accepted.total()),
            },
        ];
        let ages = &summary.ages;
        let buckets = [
            ages.days_0_30,
            ages.days_31_60,
            ages.days_61_90,
            ages.days_over_90,
        ];
        let sla = &summary.sla;
        let remediation = |s: Severity| match s {
            Severity::Critical => summary.remediation.critical,
            Severity::High => summary.remediation.high,
            Severity::Medium => summary.remediation.medium,
            Severity::Low => summary.remediation.low,
            Severity::Info => summary.remediation.info,
        };
        MetricsView {
            open: severity_cells(&summary.open, findings_link),
            open_total: summary.open.total(),
            open_chart: charts::severity_bars(&summary.open, "Open findings by severity"),
            found_chart: charts::stacked_columns(&axis, &opened, "Findings found per period"),
            trend_chart: charts::lines(&axis, &trend, "Found, closed and risk accepted per period"),
            activity: summary
                .activity
                .iter()
                .zip(&labels)
                .map(|(p, label)| ActivityRow {
                    period: label.clone(),
                    opened: p.opened.total(),
                    closed: p.closed.total(),
                    risk_accepted: p.risk_accepted.total(),
                    opened_critical_high: p.opened.critical + p.opened.high,
                })
                .collect(),
            ages: SEVERITIES
                .iter()
                .map(|s| SeverityRow {
                    severity: s.as_str(),
                    values: buckets.iter().map(|b| b.get(*s).to_string()).collect(),
                })
                .collect(),
            age_totals: buckets.iter().map(SeverityCounts::total).collect(),
            remediation: SEVERITIES
                .iter()
                .map(|s| SeverityRow {
                    severity: s.as_str(),
                    values: vec![remediation(*s).map_or_else(|| "—".into(), |d| format!("{d:.1}"))],
                })
                .collect(),
            sla: SEVERITIES
                .iter()
                .map(|s| SeverityRow {
                    severity: s.as_str(),
                    values: vec![
                        sla.mitigated_within.get(*s).to_string(),
                        sla.mitigated_late.get(*s).to_string(),
                        sla.open_within.get(*s).to_string(),
                        sla.open_breached.get(*s).to_string(),
                    ],
                })
                .collect(),
            breached_total: sla.open_breached.total(),
            compliance_rate: super::format::percent(sla.compliance_rate()),
            breach_rate: super::format::percent(sla.breach_rate()),
        }
    }
}

/// Whether only verified findings count as open (DefectDojo's verified filter).
pub async fn verified_only(conn: &mut Conn) -> Result<bool, PageError> {
    let system = settings::load(conn).await?;
    Ok(system.enforce_verified_status || system.enforce_verified_status_metrics)
}

/// The range and period a metrics page was asked for, or its defaults: the
/// twelve months to today, by month.
#[derive(Debug, Clone)]
struct Range {
    start: NaiveDate,
    end: NaiveDate,
    period: Period,
    error: Option<String>,
}

fn range_of(query: &ListQuery, today: NaiveDate) -> Range {
    let default_start = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .unwrap_or(today);
    let day = |name: &str| {
        query
            .get(name)
            .map(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| name.to_owned()))
    };
    let mut error = None;
    let end = match day("end") {
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            error = Some("The end is not a valid date (YYYY-MM-DD).".to_owned());
            today
        }
        None => today,
    };
    let mut start = match day("start") {
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            error = Some("The start is not a valid date (YYYY-MM-DD).".to_owned());
            default_start
        }
        None => default_start,
    };
    if start > end {
        error = Some("The start is after the end; showing the twelve months to the end.".into());
        start = end
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(11)))
            .unwrap_or(end);
    }
    if (end - start).num_days() > MAX_DAYS {
        error = Some(format!(
            "A range may cover at most {MAX_DAYS} days; it was shortened."
        ));
        start = end
            .checked_sub_days(Days::new(u64::try_from(MAX_DAYS).unwrap_or(0)))
            .unwrap_or(end);
    }
    let period = if query.get("period") == Some("week") {
        Period::Week
    } else {
        Period::Month
    };
    Range {
        start,
        end,
        period,
        error,
    }
}

#[derive(Template)]
#[template(path = "metrics.html")]
struct MetricsPage {
    chrome: Chrome,
    heading: String,
    /// (label, link) from the top down to the scope.
    crumbs: Vec<(String, String)>,
    action: String,
    start: String,
    end: String,
    weekly: bool,
    error: Option<String>,
    view: MetricsView,
    findings_link: String,
}

/// What a metrics page is about, and how it names and links it.
struct Subject {
    scope: Scope,
    heading: String,
    crumbs: Vec<(String, String)>,
    action: String,
    findings_link: String,
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    raw: Option<&str>,
    subject: Subject,
) -> PageResult {
    let Subject {
        scope,
        heading,
        crumbs,
        action,
        findings_link,
    } = subject;
    let query = ListQuery::parse(&action, raw);
    let today = Utc::now().date_naive();
    let range = range_of(&query, today);
    let mut conn = state.db.conn().await?;
    let question = Question {
        scope,
        access: &viewer.caller.access,
        verified_only: verified_only(&mut conn).await?,
        start: range.start,
        end: range.end,
        today,
    };
    let summary = metrics::summary(&mut conn, &question, range.period).await?;
    let page = MetricsPage {
        chrome: viewer.chrome("metrics"),
        heading,
        crumbs,
        action,
        start: range.start.format("%Y-%m-%d").to_string(),
        end: range.end.format("%Y-%m-%d").to_string(),
        weekly: range.period == Period::Week,
        error: range.error,
        view: MetricsView::of(&summary, range.period, &findings_link),
        findings_link,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

async fn portfolio(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let subject = Subject {
        scope: Scope::Visible,
        heading: "Metrics of all your products".into(),
        crumbs: Vec::new(),
        action: "/metrics".into(),
        findings_link: "/finding?active=true&duplicate=false".into(),
    };
    show(&state, &viewer, raw.as_deref(), subject).await
}

async fn product_type(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let product_type: ProductType = find_visible(
        &mut conn,
        &viewer.caller,
        "product_type t",
        "t",
        Visibility::ProductType("t.id"),
        &id,
        "Product_Type",
    )
    .await?;
    drop(conn);
    let subject = Subject {
        scope: Scope::ProductType(product_type.id),
        heading: format!("Metrics of {}", product_type.name),
        crumbs: vec![(
            product_type.name.clone(),
            format!("/product/type/{}", product_type.id),
        )],
        action: format!("/metrics/product/type/{}", product_type.id),
        findings_link: format!(
            "/finding?active=true&duplicate=false&test__engagement__product__prod_type={}",
            product_type.id
        ),
    };
    show(&state, &viewer, raw.as_deref(), subject).await
}

async fn product(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let product: Product = find_visible(
        &mut conn,
        &viewer.caller,
        "product p",
        "p",
        Visibility::Product("p.id"),
        &id,
        "Product",
    )
    .await?;
    let product_type: Option<ProductType> =
        dojo_storage::repo::product_types::find(&mut conn, product.prod_type_id).await?;
    drop(conn);
    let mut crumbs = Vec::new();
    if let Some(t) = product_type {
        crumbs.push((t.name.clone(), format!("/product/type/{}", t.id)));
    }
    crumbs.push((product.name.clone(), format!("/product/{}", product.id)));
    let subject = Subject {
        scope: Scope::Product(product.id),
        heading: format!("Metrics of {}", product.name),
        crumbs,
        action: format!("/product/{}/metrics", product.id),
        findings_link: format!(
            "/finding?active=true&duplicate=false&test__engagement__product={}",
            product.id
        ),
    };
    show(&state, &viewer, raw.as_deref(), subject).await
}
