//! `/api/v2/findings/`: list with DefectDojo's filters and ordering, retrieve,
//! restricted in the query to the products the caller may see, and delete.
//! Create and update are in `finding_edit`.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use dojo_domain::authz::Permission;
use dojo_domain::entities::{BurpRawRequestResponse, Finding, FindingGroup};
use dojo_storage::Conn;
use dojo_storage::{bulk, cascade};
use serde_json::Value;

use crate::api::finding_edit;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::prefetch::{self, link, own, Target};
use crate::api::related;
use crate::api::resource::{find_visible, render_single, Visibility};
use crate::api::shapes::findings::{self as shape, FindingExtra, RequestResponse};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

const MODEL: &str = "Finding";

pub fn routes() -> Router<AppState> {
    let collection = get(list_findings).post(finding_edit::create_finding);
    let item = get(retrieve_finding)
        .put(finding_edit::update_finding)
        .patch(finding_edit::update_finding)
        .delete(delete_finding);
    Router::new()
        .route("/api/v2/findings/", collection.clone())
        .route("/api/v2/findings", collection)
        .route("/api/v2/findings/{id}/", item.clone())
        .route("/api/v2/findings/{id}", item)
}

/// `o` values and the columns they sort on (api.md §3.5).
pub(crate) const ORDERING: &[(&str, &str)] = &[
    ("active", "f.active"),
    ("component_name", "f.component_name"),
    ("component_version", "f.component_version"),
    ("created", "f.created"),
    ("last_status_update", "f.last_status_update"),
    ("last_reviewed", "f.last_reviewed"),
    ("cwe", "f.cwe"),
    ("date", "f.date"),
    ("duplicate", "f.duplicate"),
    ("dynamic_finding", "f.dynamic_finding"),
    ("false_p", "f.false_p"),
    ("id", "f.id"),
    ("is_mitigated", "f.is_mitigated"),
    ("numerical_severity", "f.numerical_severity"),
    ("out_of_scope", "f.out_of_scope"),
    ("planned_remediation_date", "f.planned_remediation_date"),
    ("severity", "f.severity"),
    ("sla_expiration_date", "f.sla_expiration_date"),
    ("static_finding", "f.static_finding"),
    (
        "test__engagement__product__name",
        "(SELECT p.name FROM product p WHERE p.id = f.product_id)",
    ),
    ("title", "f.title"),
    ("under_defect_review", "f.under_defect_review"),
    ("under_review", "f.under_review"),
    ("verified", "f.verified"),
];

pub(crate) const BOOLEANS: &[&str] = &[
    "active",
    "duplicate",
    "dynamic_finding",
    "false_p",
    "is_mitigated",
    "out_of_scope",
    "static_finding",
    "under_defect_review",
    "under_review",
    "verified",
    "fix_available",
    "risk_accepted",
    "known_exploited",
    "ransomware_used",
];

pub(crate) const CONTAINS: &[&str] = &[
    "title",
    "component_name",
    "component_version",
    "description",
    "file_path",
    "hash_code",
    "impact",
    "mitigation",
    "param",
    "payload",
    "references",
    "severity_justification",
    "steps_to_reproduce",
    "unique_id_from_tool",
];

/// Id-list filters on the finding's own columns.
pub(crate) const ID_LISTS: &[(&str, &str)] = &[
    ("id", "f.id"),
    ("cwe", "f.cwe"),
    ("reporter", "f.reporter_id"),
    ("mitigated_by", "f.mitigated_by_id"),
    ("last_reviewed_by", "f.last_reviewed_by_id"),
    ("review_requested_by", "f.review_requested_by_id"),
    (
        "defect_review_requested_by",
        "f.defect_review_requested_by_id",
    ),
    ("nb_occurences", "f.nb_occurences"),
    ("sast_source_line", "f.sast_source_line"),
    ("test", "f.test_id"),
    ("duplicate_finding", "f.duplicate_finding_id"),
    ("test__engagement__product", "f.product_id"),
];

/// Exact text filters on the finding's own columns ("auto exact", api.md §3.5).
pub(crate) const EXACT: &[&str] = &[
    "service",
    "vuln_id_from_tool",
    "fix_version",
    "planned_remediation_version",
    "sast_source_object",
    "sast_sink_object",
    "sast_source_file_path",
];

pub(crate) fn filters(q: &QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let visible = caller.access.product_filter("f.product_id", &mut f.params);
    f.push(visible);
    for name in BOOLEANS {
        f.boolean(q, name, &format!("f.{name}"));
    }
    for name in CONTAINS {
        // `references` is a reserved word in SQL; the column is `refs`.
        let column = if *name == "references" { "refs" } else { name };
        f.contains(q, name, &format!("f.{column}"));
    }
    // Dojo keeps no SonarQube issues: the ids are checked, and nothing matches
    // (`NULL IN (…)` is never true).
    f.ids_into(q, "sonarqube_issue", "NULL IN ({})");
    for name in EXACT {
        f.exact(q, name, &format!("f.{name}"));
    }
    for (name, column) in ID_LISTS {
        f.ids(q, name, column);
    }
    f.any_of(q, "severity", "f.severity");
    f.any_of(q, "numerical_severity", "f.numerical_severity");
    f.iexact(q, "exact_title", "f.title");
    if let Some(name) = q.get("product_name") {
        f.params.push(name.to_lowercase().into());
        f.clauses.push(format!(
            "f.product_id IN (SELECT p.id FROM product p WHERE LOWER(p.name) = ${})",
            f.params.len()
        ));
    }
    if let Some(name) = q.get("product_name_contains") {
        f.params.push(format!("%{}%", name.to_lowercase()).into());
        f.clauses.push(format!(
            "f.product_id IN (SELECT p.id FROM product p WHERE LOWER(p.name) LIKE ${})",
            f.params.len()
        ));
    }
    let subquery_lists: &[(&str, &str)] = &[
        (
            "test__engagement",
            "f.test_id IN (SELECT t.id FROM test t WHERE t.engagement_id IN ({}))",
        ),
        (
            "test__engagement__product__prod_type",
            "f.product_id IN (SELECT p.id FROM product p WHERE p.prod_type_id IN ({}))",
        ),
        (
            "test__test_type",
            "f.test_id IN (SELECT t.id FROM test t WHERE t.test_type_id IN ({}))",
        ),
        (
            "found_by",
            "f.id IN (SELECT b.finding_id FROM finding_found_by b WHERE b.test_type_id IN ({}))",
        ),
        (
            "reviewers",
            "f.id IN (SELECT r.finding_id FROM finding_reviewers r WHERE r.user_id IN ({}))",
        ),
        (
            "endpoints",
            "f.id IN (SELECT s.finding_id FROM endpoint_status s WHERE s.endpoint_id IN ({}))",
        ),
        (
            "finding_group",
            "f.id IN (SELECT g.finding_id FROM finding_group_findings g WHERE g.finding_group_id IN ({}))",
        ),
    ];
    for (name, template) in subquery_lists {
        f.ids_into(q, name, template);
    }
    let vulnerability_ids = q.list("vulnerability_id");
    if !vulnerability_ids.is_empty() {
        let mut placeholders = Vec::new();
        for id in vulnerability_ids {
            f.params.push(id.into());
            placeholders.push(format!("${}", f.params.len()));
        }
        f.clauses.push(format!(
            "f.id IN (SELECT r.finding_id FROM finding_vulnerability_reference r \
             JOIN vulnerability v ON v.id = r.vulnerability_id WHERE v.vulnerability_id IN ({}))",
            placeholders.join(", ")
        ));
    }
    tag_filters(q, &mut f);
    f.check()?;
    Ok(f)
}

/// `tags` (any of), `tags__and` (all of), `not_tags` (none of), `tag` (a name
/// containing), `has_tags`.
fn tag_filters(q: &QueryParams, f: &mut Filters) {
    const TAGGED: &str =
        "SELECT ft.finding_id FROM finding_tags ft JOIN tag tg ON tg.id = ft.tag_id WHERE";
    let names = |f: &mut Filters, values: Vec<&str>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| {
                f.params.push(v.to_lowercase().into());
                format!("${}", f.params.len())
            })
            .collect()
    };
    let any = q.list("tags");
    if !any.is_empty() {
        let p = names(f, any);
        f.clauses
            .push(format!("f.id IN ({TAGGED} tg.name IN ({}))", p.join(", ")));
    }
    for tag in q.list("tags__and") {
        let p = names(f, vec![tag]);
        f.clauses
            .push(format!("f.id IN ({TAGGED} tg.name = {})", p[0]));
    }
    let none = q.list("not_tags");
    if !none.is_empty() {
        let p = names(f, none);
        f.clauses.push(format!(
            "f.id NOT IN ({TAGGED} tg.name IN ({}))",
            p.join(", ")
        ));
    }
    if let Some(part) = q.get("tag") {
        f.params.push(format!("%{}%", part.to_lowercase()).into());
        f.clauses.push(format!(
            "f.id IN ({TAGGED} LOWER(tg.name) LIKE ${})",
            f.params.len()
        ));
    }
    match q.get("has_tags").map(str::to_ascii_lowercase).as_deref() {
        Some("true" | "1") => f
            .clauses
            .push("EXISTS (SELECT 1 FROM finding_tags ft WHERE ft.finding_id = f.id)".into()),
        Some("false" | "0") => f
            .clauses
            .push("NOT EXISTS (SELECT 1 FROM finding_tags ft WHERE ft.finding_id = f.id)".into()),
        _ => {}
    }
}

/// What `?prefetch=` may name: the finding's foreign keys and many-to-manys
/// whose models Dojo serves. DefectDojo's others are left out: Dojo keeps no
/// SonarQube issues, files, risk acceptances or check lists.
pub(crate) const PREFETCH: prefetch::Fields = &[
    own("test", Target::Test),
    own("found_by", Target::TestType),
    own("reporter", Target::User),
    own("mitigated_by", Target::User),
    own("review_requested_by", Target::User),
    own("defect_review_requested_by", Target::User),
    own("last_reviewed_by", Target::User),
    own("reviewers", Target::User),
    own("duplicate_finding", Target::Finding),
    own("endpoints", Target::Endpoint),
    // The reverse side of `Endpoint.findings`: the same endpoints.
    link(
        "endpoint_set",
        Target::Endpoint,
        "SELECT finding_id, endpoint_id FROM endpoint_status WHERE finding_id IN ({ids})",
    ),
    link(
        "notes",
        Target::Note,
        "SELECT finding_id, notes_id FROM finding_notes WHERE finding_id IN ({ids})",
    ),
    link(
        "finding_group_set",
        Target::FindingGroup,
        "SELECT finding_id, finding_group_id FROM finding_group_findings WHERE finding_id IN ({ids})",
    ),
    link(
        "test_import_set",
        Target::TestImport,
        "SELECT finding_id, test_import_id FROM test_import_finding_action WHERE finding_id IN ({ids})",
    ),
];

/// The rows of the list endpoint.
const LISTING: list::Listing = list::Listing {
    select: "f.*",
    from: "finding f",
    ordering: Some(ORDERING),
    id: "f.id",
    prefetch: Some(PREFETCH),
};

async fn list_findings(
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

/// The finding if the caller may see it; 404 otherwise.
pub(crate) async fn visible(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<Finding, ApiError> {
    let scope = Visibility::Product("f.product_id");
    find_visible(conn, caller, "finding f", "f", scope, id, MODEL).await
}

/// The finding if the caller may see it (404) and holds `permission` on its
/// product (403).
pub(crate) async fn permitted(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
    permission: Permission,
) -> Result<Finding, ApiError> {
    let finding = visible(conn, caller, id).await?;
    if !caller
        .access
        .may_on_product(conn, finding.product_id, permission)
        .await?
    {
        return Err(ApiError::denied());
    }
    Ok(finding)
}

async fn retrieve_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let finding = visible(&mut conn, &caller, &id).await?;
    let body = render_single(&mut conn, &finding, render).await?;
    let body = prefetch::detail(&mut conn, &caller, raw.as_deref(), PREFETCH, body).await?;
    Ok(Json(body))
}

/// Deleting a finding takes Maintainer or Owner on its product; a finding the
/// caller cannot see is a 404. Its duplicates get a new original (see
/// `dojo_storage::cascade`).
async fn delete_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut conn = state.db.conn().await?;
    let finding = permitted(&mut conn, &caller, &id, Permission::FindingDelete).await?;
    drop(conn);
    let deleted = cascade::delete_finding(&state.db, finding.id).await?;
    state.files.remove(&deleted.files).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Renders findings with everything that lives in other tables, one query per
/// table for the whole page.
pub async fn render(conn: &mut Conn, rows: &[Finding]) -> Result<Vec<Value>, ApiError> {
    let extras = extras(conn, rows).await?;
    Ok(rows
        .iter()
        .zip(&extras)
        .map(|(row, extra)| shape::json(row, extra))
        .collect())
}

/// What each finding's JSON needs from other tables, in the order of `rows`.
pub async fn extras(conn: &mut Conn, rows: &[Finding]) -> Result<Vec<FindingExtra>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
    let mut tags: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT ft.finding_id, tg.name FROM finding_tags ft JOIN tag tg ON tg.id = ft.tag_id \
         WHERE ft.finding_id IN ({ids}) ORDER BY tg.name",
    )
    .await?;
    let mut endpoints: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT finding_id, endpoint_id FROM endpoint_status WHERE finding_id IN ({ids}) ORDER BY endpoint_id",
    )
    .await?;
    let mut found_by: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT finding_id, test_type_id FROM finding_found_by WHERE finding_id IN ({ids}) ORDER BY test_type_id",
    )
    .await?;
    let mut reviewers: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT finding_id, user_id FROM finding_reviewers WHERE finding_id IN ({ids}) ORDER BY user_id",
    )
    .await?;
    let mut files: HashMap<i64, Vec<i64>> = related::pairs(
        conn,
        &ids,
        "SELECT finding_id, file_upload_id FROM finding_files WHERE finding_id IN ({ids}) ORDER BY file_upload_id",
    )
    .await?;
    let mut vulnerability_ids: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT r.finding_id, v.vulnerability_id FROM finding_vulnerability_reference r \
         JOIN vulnerability v ON v.id = r.vulnerability_id WHERE r.finding_id IN ({ids}) ORDER BY r.ord",
    )
    .await?;
    let mut cwes: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT finding_id, cwe FROM finding_cwe WHERE finding_id IN ({ids}) ORDER BY id",
    )
    .await?;
    let meta_rows: Vec<(i64, String, String)> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT finding_id, name, value FROM dojo_meta WHERE finding_id IN ({list}) ORDER BY id")
    })
    .await?;
    let mut meta: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for (id, name, value) in meta_rows {
        meta.entry(id).or_default().push((name, value));
    }
    let burp: Vec<BurpRawRequestResponse> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT * FROM burp_raw_request_response WHERE finding_id IN ({list}) ORDER BY id")
    })
    .await?;
    let mut request_response: HashMap<i64, Vec<RequestResponse>> = HashMap::new();
    for pair in &burp {
        if let Some(id) = pair.finding_id {
            request_response
                .entry(id)
                .or_default()
                .push(RequestResponse::from_row(pair));
        }
    }
    let group_rows: Vec<(i64, i64)> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!(
            "SELECT finding_id, finding_group_id FROM finding_group_findings WHERE finding_id IN ({list}) \
             ORDER BY finding_group_id"
        )
    })
    .await?;
    let group_ids: Vec<i64> = group_rows.iter().map(|(_, g)| *g).collect();
    let groups: Vec<FindingGroup> = bulk::fetch_in(conn, &[], &group_ids, |list| {
        format!("SELECT * FROM finding_group WHERE id IN ({list})")
    })
    .await?;
    let groups: HashMap<i64, FindingGroup> = groups.into_iter().map(|g| (g.id, g)).collect();
    let mut finding_groups: HashMap<i64, Vec<Value>> = HashMap::new();
    for (finding, group) in group_rows {
        if let Some(g) = groups.get(&group) {
            finding_groups
                .entry(finding)
                .or_default()
                .push(shape::finding_group_json(g, None));
        }
    }
    let mut notes = related::notes_of(conn, "finding_notes", "finding_id", &ids).await?;
    let today = Utc::now().date_naive();
    Ok(rows
        .iter()
        .map(|row| {
            let id = row.id;
            FindingExtra {
                today,
                tags: tags.remove(&id).unwrap_or_default(),
                endpoints: endpoints.remove(&id).unwrap_or_default(),
                found_by: found_by.remove(&id).unwrap_or_default(),
                reviewers: reviewers.remove(&id).unwrap_or_default(),
                notes: notes.remove(&id).unwrap_or_default(),
                files: files.remove(&id).unwrap_or_default(),
                vulnerability_ids: vulnerability_ids.remove(&id).unwrap_or_default(),
                cwes: cwes.remove(&id).unwrap_or_default(),
                finding_meta: meta.remove(&id).unwrap_or_default(),
                request_response: request_response.remove(&id).unwrap_or_default(),
                finding_groups: finding_groups.remove(&id).unwrap_or_default(),
                ..FindingExtra::default()
            }
        })
        .collect())
}
