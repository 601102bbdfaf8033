//! `/finding` (and DefectDojo's presets `/finding/open`, `/finding/closed`,
//! `/finding/accepted`): the findings the viewer may see, filtered with the
//! API's own filters (the same parameter names as `/api/v2/findings/`), one
//! page at a time; and `/finding/bulk`, the list's bulk actions, each finding
//! through the lifecycle transitions (which check the permission themselves).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDate, Utc};
use dojo_domain::entities::Finding;
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;

use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::{PageResult, Viewer, ViewerForm};
use crate::api::list::Filters;
use crate::api::{finding_actions, findings, related};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::lifecycle::transitions::{self, Close};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/finding", get(all))
        .route("/finding/open", get(open))
        .route("/finding/closed", get(closed))
        .route("/finding/accepted", get(accepted))
        .route("/finding/bulk", post(bulk_action))
}

/// The web list's own parameters, which the API's filters must not see.
const WEB_ONLY: &[&str] = &[
    "o",
    "page",
    "page_size",
    "done",
    "refused",
    "deleted",
    "date_from",
    "date_to",
    "sla",
];

/// Sortable columns: the key in `o` and the SQL it orders by.
const SORTS: &[(&str, &str)] = &[
    ("severity", "f.numerical_severity"),
    ("title", "f.title"),
    ("date", "f.date"),
    // `p` is joined in for this sort only (see `page_from`).
    ("product", "p.name"),
    ("cwe", "f.cwe"),
    ("sla", "f.sla_expiration_date"),
    ("status", "f.active"),
];

/// The most findings one bulk action takes (the largest page).
const BULK_MAX: usize = 250;

pub const SEVERITIES: [&str; 5] = ["Critical", "High", "Medium", "Low", "Info"];

/// One row of the list.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub product_id: i64,
    pub product: String,
    pub engagement_id: i64,
    pub engagement: String,
    pub test_id: i64,
    pub test: String,
    pub date: String,
    pub age: i64,
    /// Days until the SLA expires (negative: breached), for open findings.
    pub sla_days: Option<i64>,
    pub statuses: Vec<&'static str>,
    pub tags: Vec<String>,
    pub cwe: i64,
    pub vulnerability_ids: Vec<String>,
}

impl Row {
    pub fn breached(&self) -> bool {
        self.sla_days.is_some_and(|d| d < 0)
    }
}

#[derive(Template)]
#[template(path = "finding_list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub query: ListQuery,
    pub rows: Vec<Row>,
    pub pager: Pager,
    pub notice: Option<String>,
    pub severities: [&'static str; 5],
    pub booleans: Vec<(&'static str, &'static str)>,
    pub here: String,
    pub path: String,
}

impl ListPage {
    /// Whether a status select shows `value` for `name` (`""`: any).
    pub fn picked(&self, name: &str, value: &str) -> bool {
        self.query.get(name).unwrap_or_default() == value
    }
}

/// The status flags the filter form offers, with their labels.
const STATUS_FILTERS: &[(&str, &str)] = &[
    ("active", "Active"),
    ("verified", "Verified"),
    ("false_p", "False positive"),
    ("out_of_scope", "Out of scope"),
    ("is_mitigated", "Mitigated"),
    ("risk_accepted", "Risk accepted"),
    ("duplicate", "Duplicate"),
    ("under_review", "Under review"),
];

async fn all(state: State<AppState>, viewer: Viewer, raw: RawQuery) -> PageResult {
    list(state, viewer, raw, "/finding", None, "Findings").await
}

async fn open(state: State<AppState>, viewer: Viewer, raw: RawQuery) -> PageResult {
    let preset = Some(("active", "true"));
    list(state, viewer, raw, "/finding/open", preset, "Open findings").await
}

async fn closed(state: State<AppState>, viewer: Viewer, raw: RawQuery) -> PageResult {
    let preset = Some(("is_mitigated", "true"));
    list(
        state,
        viewer,
        raw,
        "/finding/closed",
        preset,
        "Closed findings",
    )
    .await
}

async fn accepted(state: State<AppState>, viewer: Viewer, raw: RawQuery) -> PageResult {
    let preset = Some(("risk_accepted", "true"));
    let heading = "Risk accepted findings";
    list(state, viewer, raw, "/finding/accepted", preset, heading).await
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
    path: &str,
    preset: Option<(&str, &str)>,
    heading: &'static str,
) -> PageResult {
    let query = ListQuery::parse(path, raw.as_deref());
    // A preset is appended, so it wins over the same flag in the query (the
    // API's parameters read the last value), as the preset's URL says.
    let api = match preset {
        Some((name, value)) => {
            let raw = format!("{}&{name}={value}", raw.as_deref().unwrap_or_default());
            ListQuery::parse(path, Some(&raw)).api_params(WEB_ONLY)
        }
        None => query.api_params(WEB_ONLY),
    };
    let today = Utc::now().date_naive();
    let mut filters = findings::filters(&api, &viewer.caller)?;
    web_filters(&query, &mut filters, today)?;
    let order = ordering(&query);
    let paging = query.paging();
    let mut conn = state.db.conn().await?;
    let where_sql = filters.where_sql();
    let total: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!("SELECT COUNT(*) FROM finding f{where_sql}"),
        &filters.params,
    )
    .await?;
    let total = total.first().map_or(0, |(n,)| *n);
    // The page's ids first, then their rows: a sort that has to order many
    // visible findings then carries ids only, not every column.
    let page_ids: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT f.id FROM {}{where_sql} ORDER BY {order}{}",
            page_from(&order),
            paging.sql()
        ),
        &filters.params,
    )
    .await?;
    let page_ids: Vec<i64> = page_ids.into_iter().map(|(id,)| id).collect();
    let mut found: Vec<Finding> = bulk::fetch_in(&mut conn, &[], &page_ids, |list| {
        format!("SELECT * FROM finding WHERE id IN ({list})")
    })
    .await?;
    found.sort_by_key(|f| page_ids.iter().position(|id| *id == f.id));
    let rows = rows_of(&mut conn, &found, today).await?;
    let pager = Pager::new(&query, paging, total, rows.len());
    let notice = match (query.get("done"), query.get("refused")) {
        (None, None) => query
            .checked("deleted")
            .then(|| "The finding was deleted.".to_owned()),
        (done, refused) => Some(format!(
            "{} finding(s) changed, {} refused.",
            done.unwrap_or("0"),
            refused.unwrap_or("0")
        )),
    };
    let here = query.here();
    Ok(pages::render(
        StatusCode::OK,
        &ListPage {
            chrome: viewer.chrome("findings"),
            heading,
            query,
            rows,
            pager,
            notice,
            severities: SEVERITIES,
            booleans: STATUS_FILTERS.to_vec(),
            here,
            path: path.to_owned(),
        },
    ))
}

/// The list's filters the API has not: a date range (`date_from`,
/// `date_to`) and the SLA standing of open findings (`sla=breached|ok`).
fn web_filters(query: &ListQuery, f: &mut Filters, today: NaiveDate) -> Result<(), ApiError> {
    for (name, op) in [("date_from", ">="), ("date_to", "<=")] {
        if let Some(value) = query.get(name) {
            let day = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| ApiError::field(name, "Enter a valid date."))?;
            f.params.push(Param::Date(Some(day)));
            f.clauses.push(format!("f.date {op} ${}", f.params.len()));
        }
    }
    match query.get("sla") {
        Some("breached") => {
            f.params.push(Param::Date(Some(today)));
            f.clauses.push(format!(
                "f.active = TRUE AND f.sla_expiration_date < ${}",
                f.params.len()
            ));
        }
        Some("ok") => {
            f.params.push(Param::Date(Some(today)));
            f.clauses.push(format!(
                "f.active = TRUE AND f.sla_expiration_date >= ${}",
                f.params.len()
            ));
        }
        _ => {}
    }
    Ok(())
}

/// `ORDER BY` of the list: the chosen column (unknown keys fall back to the
/// default, newest first), ties by id.
fn ordering(query: &ListQuery) -> String {
    let chosen = query.ordering().and_then(|o| {
        let (descending, key) = match o.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, o),
        };
        SORTS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, column)| format!("{column} {}", if descending { "DESC" } else { "ASC" }))
    });
    match chosen {
        Some(term) => format!("{term}, f.id DESC"),
        // Newest first: the date index gives the first page without sorting
        // every visible finding.
        None => "f.date DESC, f.id DESC".to_owned(),
    }
}

/// The tables of the page query: the product joined only when sorting by its
/// name (a join per row costs the other orders).
fn page_from(order: &str) -> &'static str {
    if order.starts_with("p.name") {
        "finding f JOIN product p ON p.id = f.product_id"
    } else {
        "finding f"
    }
}

/// The page's rows with their product, engagement, test, tags and
/// vulnerability ids: one query per table for the page's findings only.
async fn rows_of(conn: &mut Conn, found: &[Finding], today: NaiveDate) -> PageResult<Vec<Row>> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = found.iter().map(|f| f.id).collect();
    let test_ids: Vec<i64> = found.iter().map(|f| f.test_id).collect();
    let product_ids: Vec<i64> = found.iter().map(|f| f.product_id).collect();
    let tests: Vec<(i64, i64, Option<String>, String)> =
        bulk::fetch_in(conn, &[], &test_ids, |list| {
            format!(
                "SELECT t.id, t.engagement_id, t.title, tt.name FROM test t \
                 JOIN test_type tt ON tt.id = t.test_type_id WHERE t.id IN ({list})"
            )
        })
        .await?;
    let engagement_ids: Vec<i64> = tests.iter().map(|t| t.1).collect();
    let engagements: Vec<(i64, Option<String>)> =
        bulk::fetch_in(conn, &[], &engagement_ids, |list| {
            format!("SELECT id, name FROM engagement WHERE id IN ({list})")
        })
        .await?;
    let products: Vec<(i64, String)> = bulk::fetch_in(conn, &[], &product_ids, |list| {
        format!("SELECT id, name FROM product WHERE id IN ({list})")
    })
    .await?;
    let mut tags: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT ft.finding_id, tg.name FROM finding_tags ft JOIN tag tg ON tg.id = ft.tag_id \
         WHERE ft.finding_id IN ({ids}) ORDER BY tg.name",
    )
    .await?;
    let mut vulnerability_ids: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT r.finding_id, v.vulnerability_id FROM finding_vulnerability_reference r \
         JOIN vulnerability v ON v.id = r.vulnerability_id WHERE r.finding_id IN ({ids}) ORDER BY r.ord",
    )
    .await?;
    let tests: HashMap<i64, (i64, String)> = tests
        .into_iter()
        .map(|(id, engagement, title, kind)| (id, (engagement, title.unwrap_or(kind))))
        .collect();
    let engagements: HashMap<i64, String> = engagements
        .into_iter()
        .map(|(id, name)| (id, name.unwrap_or_else(|| format!("Engagement {id}"))))
        .collect();
    let products: HashMap<i64, String> = products.into_iter().collect();
    Ok(found
        .iter()
        .map(|f| {
            let (engagement_id, test) = tests.get(&f.test_id).cloned().unwrap_or_default();
            Row {
                id: f.id,
                title: f.title.clone(),
                severity: f.severity.to_string(),
                product_id: f.product_id,
                product: products.get(&f.product_id).cloned().unwrap_or_default(),
                engagement_id,
                engagement: engagements.get(&engagement_id).cloned().unwrap_or_default(),
                test_id: f.test_id,
                test,
                date: f.date.format("%Y-%m-%d").to_string(),
                age: age(f, today),
                sla_days: sla_days(f, today),
                statuses: statuses(f),
                tags: tags.remove(&f.id).unwrap_or_default(),
                cwe: f.cwe,
                vulnerability_ids: vulnerability_ids.remove(&f.id).unwrap_or_default(),
            }
        })
        .collect())
}

/// Days since the finding's date, until its mitigation when it is mitigated.
pub fn age(f: &Finding, today: NaiveDate) -> i64 {
    let end = f.mitigated.map_or(today, |m| m.date_naive());
    (end - f.date).num_days().max(0)
}

/// Days left until the SLA expires, for a finding still active.
pub fn sla_days(f: &Finding, today: NaiveDate) -> Option<i64> {
    if !f.active {
        return None;
    }
    f.sla_expiration_date.map(|d| (d - today).num_days())
}

/// DefectDojo's status words for a finding.
pub fn statuses(f: &Finding) -> Vec<&'static str> {
    let flags = [
        (f.active, "Active"),
        (!f.active, "Inactive"),
        (f.verified, "Verified"),
        (f.is_mitigated, "Mitigated"),
        (f.false_p, "False Positive"),
        (f.out_of_scope, "Out Of Scope"),
        (f.risk_accepted, "Risk Accepted"),
        (f.duplicate, "Duplicate"),
        (f.under_review, "Under Review"),
    ];
    flags
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, word)| word)
        .collect()
}

/// `POST /finding/bulk`: `finding` (repeated ids), `action` (close, verify,
/// false_positive, risk_accept, tag), `tags` for tagging, `next` (the list to
/// go back to). Each finding is changed in its own transaction; those the
/// viewer may not see or change, or that refuse the change, are counted as
/// refused.
async fn bulk_action(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let form = ListQuery::from_pairs("/finding/bulk", form);
    let mut ids = form.ids("finding");
    ids.dedup();
    ids.truncate(BULK_MAX);
    let action = form.value("action").to_owned();
    let new_tags: Vec<String> = form
        .value("tags")
        .split([',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let known = ["close", "verify", "false_positive", "risk_accept", "tag"];
    if !known.contains(&action.as_str()) {
        return Err(super::PageError::BadRequest("Choose a bulk action.".into()));
    }
    if action == "tag" && new_tags.is_empty() {
        return Err(super::PageError::BadRequest("Give the tags to add.".into()));
    }
    let (mut done, mut refused) = (0usize, 0usize);
    for id in ids {
        match apply(&state, &viewer.caller, id, &action, &new_tags).await {
            Ok(()) => done += 1,
            Err(ApiError::Internal(cause)) => return Err(super::PageError::Internal(cause)),
            Err(_) => refused += 1,
        }
    }
    let next = pages::safe_next(form.value("next")).unwrap_or("/finding");
    Ok(pages::redirect(&with_outcome(next, done, refused)))
}

/// One finding's bulk change, committed on its own.
async fn apply(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: &str,
    new_tags: &[String],
) -> Result<(), ApiError> {
    let mut tx = state.db.begin().await?;
    let current = findings::visible(&mut tx, caller, &id.to_string()).await?;
    let now = Utc::now();
    let deleted = match action {
        "close" => {
            transitions::close(&mut tx, caller, &current, &Close::mitigate(None), now)
                .await?
                .deleted_files
        }
        "verify" => {
            transitions::verify(&mut tx, caller, &current, None, now)
                .await?
                .deleted_files
        }
        "false_positive" => {
            transitions::mark_false_positive(&mut tx, caller, &current, now)
                .await?
                .deleted_files
        }
        "risk_accept" => {
            transitions::accept_risk(&mut tx, caller, &current, now)
                .await?
                .deleted_files
        }
        _ => {
            transitions::require(
                &mut tx,
                caller,
                &current,
                dojo_domain::authz::Permission::FindingEdit,
            )
            .await?;
            finding_actions::add_finding_tags(&mut tx, current.id, new_tags.to_vec()).await?;
            Vec::new()
        }
    };
    tx.commit().await?;
    state.files.remove(&deleted).await;
    Ok(())
}

/// `next` with `done` and `refused` set (replacing earlier ones).
fn with_outcome(next: &str, done: usize, refused: usize) -> String {
    let (path, query) = next.split_once('?').unwrap_or((next, ""));
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "done" && k != "refused")
        .chain([
            ("done".to_owned(), done.to_string()),
            ("refused".to_owned(), refused.to_string()),
        ])
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    format!("{path}?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_replaces_an_earlier_one_and_keeps_the_filters() {
        assert_eq!(
            with_outcome("/finding/open?severity=High&done=1&refused=0", 3, 2),
            "/finding/open?severity=High&done=3&refused=2"
        );
        assert_eq!(with_outcome("/finding", 0, 1), "/finding?done=0&refused=1");
    }

    #[test]
    fn unknown_sort_keys_fall_back_to_the_default() {
        let q = ListQuery::parse("/finding", Some("o=-date"));
        assert_eq!(ordering(&q), "f.date DESC, f.id DESC");
        let q = ListQuery::parse("/finding", Some("o=password"));
        assert_eq!(ordering(&q), "f.date DESC, f.id DESC");
    }
}
