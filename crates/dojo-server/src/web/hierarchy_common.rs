//! What the product type, product, engagement and test pages share: forms read
//! into the API's request bodies (so that a page validates and saves exactly as
//! the API does), the delete confirmation with the cascade's counts, member
//! lists and open-finding counts.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use dojo_storage::authz::user_may_view_product_sql;
use dojo_storage::bulk;
use dojo_storage::metrics::SeverityCounts;
use dojo_storage::Conn;
use serde_json::Value;

use super::charts::SEVERITIES;
use super::pages::{self, Chrome};
use super::PageResult;
use crate::api::{delete_preview, RequestFields};

/// Most rows a side list of a detail page shows (members, technologies…).
pub const SIDE_LIST_LIMIT: i64 = 100;

/// A posted form as the API reads a urlencoded body: the CSRF token left out,
/// each checkbox of `checkboxes` sent as `true` or `false` (a browser sends
/// nothing for an unticked box, which the API would read as "unchanged"), and
/// an empty field of `nullable` sent as null (the API reads an empty form
/// value of a choice of user, date or number as "unchanged", where the page
/// means "none").
pub fn request_fields(
    pairs: &[(String, String)],
    checkboxes: &[&str],
    nullable: &[&str],
) -> RequestFields {
    let mut body = RequestFields {
        form: true,
        ..RequestFields::default()
    };
    for (name, value) in pairs {
        if name == "csrfmiddlewaretoken" || checkboxes.contains(&name.as_str()) {
            continue;
        }
        let value = if value.trim().is_empty() && nullable.contains(&name.as_str()) {
            Value::Null
        } else {
            Value::String(value.clone())
        };
        body.values.entry(name.clone()).or_default().push(value);
    }
    for name in checkboxes {
        let ticked = pairs
            .iter()
            .any(|(k, v)| k == name && matches!(v.as_str(), "on" | "true" | "1" | "yes"));
        body.values.insert(
            (*name).to_owned(),
            vec![Value::String(if ticked { "true" } else { "false" }.into())],
        );
    }
    body
}

/// A form rendered with a status (200, or 400 with its error).
pub fn form_page(error: &Option<String>, page: &impl Template) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    pages::render(status, page)
}

#[derive(Template)]
#[template(path = "delete_confirm.html")]
pub struct DeleteConfirm {
    pub chrome: Chrome,
    /// "product type", "product"…
    pub what: String,
    pub name: String,
    pub action: String,
    pub cancel: String,
    /// (model, rows) the delete removes, the object's own model first.
    pub cascade: Vec<(String, i64)>,
}

/// The confirmation page of deleting `id` of `resource` (a collection name of
/// the API's delete preview); the caller has checked the right to delete.
pub async fn delete_confirm(
    conn: &mut Conn,
    chrome: Chrome,
    resource: &str,
    id: i64,
    (what, name): (&str, String),
    (action, cancel): (String, String),
) -> PageResult {
    let cascade = delete_preview::cascade_counts(conn, resource, id)
        .await?
        .into_iter()
        .map(|(model, count)| (model.replace('_', " "), count))
        .collect();
    let page = DeleteConfirm {
        chrome,
        what: what.to_owned(),
        name,
        action,
        cancel,
        cascade,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

/// A member (user or group) with their role, and the id of the membership row.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub role: String,
}

/// The users and the groups holding a role on the object `id`, from the
/// membership tables `users` and `groups` (whose object column is `column`).
pub async fn members(
    conn: &mut Conn,
    (users, groups, column): (&str, &str, &str),
    id: i64,
) -> PageResult<(Vec<Member>, Vec<Member>)> {
    let user_rows: Vec<(i64, String, String)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT m.id, u.username, r.name FROM {users} m JOIN dojo_user u ON u.id = m.user_id \
             JOIN role r ON r.id = m.role_id WHERE m.{column} = $1 ORDER BY u.username \
             LIMIT {SIDE_LIST_LIMIT}"
        ),
        &[id.into()],
    )
    .await?;
    let group_rows: Vec<(i64, String, String)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT m.id, g.name, r.name FROM {groups} m JOIN dojo_group g ON g.id = m.group_id \
             JOIN role r ON r.id = m.role_id WHERE m.{column} = $1 ORDER BY g.name \
             LIMIT {SIDE_LIST_LIMIT}"
        ),
        &[id.into()],
    )
    .await?;
    let member = |(id, name, role): (i64, String, String)| Member { id, name, role };
    Ok((
        user_rows.into_iter().map(member).collect(),
        group_rows.into_iter().map(member).collect(),
    ))
}

/// A row of severity counts for a table: (severity, count, link to the
/// findings list filtered on it).
#[derive(Debug, Clone)]
pub struct SeverityCell {
    pub severity: &'static str,
    pub count: i64,
    pub link: String,
}

/// Severity cells of `counts`, linking to `/finding?{filter}&severity=…&active=true`.
pub fn severity_cells(counts: &SeverityCounts, filter: &str) -> Vec<SeverityCell> {
    SEVERITIES
        .iter()
        .map(|severity| SeverityCell {
            severity: severity.as_str(),
            count: counts.get(*severity),
            link: format!(
                "/finding?{filter}&severity={}&active=true",
                severity.as_str()
            ),
        })
        .collect()
}

/// `SUM(CASE …)` columns counting `open` of the rollup per severity, worst
/// first (named `critical` … `info`), for a `GROUP BY` over
/// `metrics_product_open r`.
pub fn severity_sums() -> String {
    SEVERITIES
        .iter()
        .map(|s| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN r.severity = '{}' THEN r.open ELSE 0 END), 0) AS BIGINT) AS {}",
                s.as_str(),
                s.as_str().to_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Severity counts from five columns, worst first.
pub fn counts_of(c: [i64; 5]) -> SeverityCounts {
    SeverityCounts {
        critical: c[0],
        high: c[1],
        medium: c[2],
        low: c[3],
        info: c[4],
    }
}

/// A `<select>` option: value, label, selected.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from `(id, label)` rows, `current` selected.
pub fn choices(rows: Vec<(i64, String)>, current: &str) -> Vec<Choice> {
    rows.into_iter()
        .map(|(id, label)| {
            let value = id.to_string();
            Choice {
                selected: value == current,
                value,
                label,
            }
        })
        .collect()
}

/// Options from fixed values, `current` selected.
pub fn fixed_choices(values: &[&str], current: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: (*v).to_owned(),
            selected: *v == current,
        })
        .collect()
}

/// The users offered in a user `<select>` (leads, contacts): active users, by
/// name, bounded; with a product, only those who may view it (a lead or
/// contact who could not open the product would be of no use, and the list
/// would show names of people outside it).
pub async fn user_choices(
    conn: &mut Conn,
    current: &str,
    product: Option<i64>,
) -> PageResult<Vec<Choice>> {
    let rows: Vec<(i64, String)> = match product {
        Some(product_id) => {
            bulk::fetch_all(
                conn,
                &format!(
                    "SELECT u.id, u.username FROM dojo_user u WHERE u.is_active = TRUE AND {} \
                     ORDER BY u.username LIMIT 500",
                    user_may_view_product_sql("u.id", "u.is_superuser", 1)
                ),
                &[product_id.into()],
            )
            .await?
        }
        None => bulk::fetch_all(
            conn,
            "SELECT id, username FROM dojo_user WHERE is_active = TRUE ORDER BY username LIMIT 500",
            &[],
        )
        .await?,
    };
    Ok(choices(rows, current))
}

/// ` ORDER BY …` for the list's `o` over `allowed` (key, SQL expression),
/// `default` when absent or unknown; ties break on `id` so pages are stable.
pub fn order_by(o: Option<&str>, allowed: &[(&str, &str)], default: &str, id: &str) -> String {
    let (key, descending) = match o {
        Some(o) => match o.strip_prefix('-') {
            Some(key) => (key, true),
            None => (o, false),
        },
        None => (default, false),
    };
    let expression = allowed
        .iter()
        .find(|(k, _)| *k == key)
        .or_else(|| allowed.iter().find(|(k, _)| *k == default))
        .map_or(id, |(_, e)| *e);
    let direction = if descending { "DESC" } else { "ASC" };
    format!(" ORDER BY {expression} {direction}, {id} {direction}")
}
