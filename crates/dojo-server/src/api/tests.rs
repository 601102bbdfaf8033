//! `/api/v2/tests/`: list, retrieve, create, update, partial update and delete,
//! within the products the caller may see (rbac.md §8).

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Engagement, FindingGroup, Test, TestType};
use dojo_storage::bulk;
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{cascade, repo, Conn};
use serde_json::Value;

use crate::api::fields::Mode;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::parent::Parent;
use crate::api::prefetch::{self, link, own, Target};
use crate::api::resource::{find_visible, render_single, with_prefetch, Visibility};
use crate::api::shapes::tests::{self as shape, TestExtra};
use crate::api::{object_files, references, related, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::{notifications, AppState};

const MODEL: &str = "Test";

/// Tests joined to their engagement, whose product decides visibility.
pub(crate) const FROM: &str = "test t JOIN engagement e ON e.id = t.engagement_id";

pub fn routes() -> Router<AppState> {
    let collection = get(list_tests).post(create_test);
    let item = get(retrieve_test)
        .put(update_test)
        .patch(update_test)
        .delete(delete_test);
    Router::new()
        .route("/api/v2/tests/", collection.clone())
        .route("/api/v2/tests", collection)
        .route("/api/v2/tests/{id}/", item.clone())
        .route("/api/v2/tests/{id}", item)
}

/// `o` values (api.md §3.4).
pub(crate) const ORDERING: &[(&str, &str)] = &[
    ("title", "t.title"),
    ("version", "t.version"),
    ("target_start", "t.target_start"),
    ("target_end", "t.target_end"),
    ("test_type", "t.test_type_id"),
    ("lead", "t.lead_id"),
    ("branch_tag", "t.branch_tag"),
    ("build_id", "t.build_id"),
    ("commit_hash", "t.commit_hash"),
    ("api_scan_configuration", "t.api_scan_configuration_id"),
    ("engagement", "t.engagement_id"),
    ("created", "t.created"),
    ("updated", "t.updated"),
];

fn filters(q: &QueryParams, caller: &Caller) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let visible = caller.access.product_filter("e.product_id", &mut f.params);
    f.push(visible);
    f.ids(q, "id", "t.id");
    f.ids(q, "test_type", "t.test_type_id");
    f.ids(q, "engagement", "t.engagement_id");
    f.ids(q, "api_scan_configuration", "t.api_scan_configuration_id");
    f.ids(q, "percent_complete", "t.percent_complete");
    f.exact(q, "title", "t.title");
    f.exact(q, "version", "t.version");
    f.exact(q, "branch_tag", "t.branch_tag");
    f.exact(q, "build_id", "t.build_id");
    f.exact(q, "commit_hash", "t.commit_hash");
    f.exact(q, "scan_type", "t.scan_type");
    f.check()?;
    Ok(f)
}

/// Renders a page of tests with what lives in other tables.
pub(crate) async fn render(conn: &mut Conn, rows: &[Test]) -> Result<Vec<Value>, ApiError> {
    Ok(extras(conn, rows)
        .await?
        .into_iter()
        .zip(rows)
        .map(|(extra, row)| shape::json(row, &extra))
        .collect())
}

/// What `?prefetch=` may name. DefectDojo's `api_scan_configuration` and
/// `files` point to models Dojo does not serve.
pub(crate) const PREFETCH: prefetch::Fields = &[
    own("engagement", Target::Engagement),
    own("test_type", Target::TestType),
    own("lead", Target::User),
    own("environment", Target::DevelopmentEnvironment),
    link(
        "notes",
        Target::Note,
        "SELECT test_id, notes_id FROM test_notes WHERE test_id IN ({ids})",
    ),
];

/// The rows of the list endpoint.
const LISTING: list::Listing = list::Listing {
    select: "t.*",
    from: FROM,
    ordering: Some(ORDERING),
    id: "t.id",
    prefetch: Some(PREFETCH),
};

async fn list_tests(
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

/// DefectDojo's per-scanner de-duplication settings, by the test type's name:
/// the algorithm (legacy when the type is not a known scanner) and the hash
/// fields (null for the legacy hash).
fn dedup_settings(test_type: Option<&TestType>) -> (String, Option<Vec<String>>) {
    let info = test_type.and_then(|t| dojo_parsers::scan_type_info(&t.name));
    match info {
        Some(info) => (
            info.dedup_algorithm.as_str().to_owned(),
            (!info.hash_code_fields.is_empty()).then(|| {
                info.hash_code_fields
                    .iter()
                    .map(|f| (*f).to_owned())
                    .collect()
            }),
        ),
        None => ("legacy".to_owned(), None),
    }
}

/// What each test of a page holds in other tables.
async fn extras(conn: &mut Conn, rows: &[Test]) -> Result<Vec<TestExtra>, ApiError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut tag_names: HashMap<i64, Vec<String>> = related::pairs(
        conn,
        &ids,
        "SELECT tt.test_id, tg.name FROM test_tags tt JOIN tag tg ON tg.id = tt.tag_id \
         WHERE tt.test_id IN ({ids}) ORDER BY tg.name",
    )
    .await?;
    let type_ids: Vec<i64> = rows.iter().map(|t| t.test_type_id).collect();
    let types: Vec<TestType> = bulk::fetch_in(conn, &[], &type_ids, |list| {
        format!("SELECT * FROM test_type WHERE id IN ({list})")
    })
    .await?;
    let types: HashMap<i64, TestType> = types.into_iter().map(|t| (t.id, t)).collect();
    let groups: Vec<FindingGroup> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT * FROM finding_group WHERE test_id IN ({list}) ORDER BY id")
    })
    .await?;
    let mut groups_of: HashMap<i64, Vec<(FindingGroup, Option<Value>)>> = HashMap::new();
    for group in groups {
        groups_of
            .entry(group.test_id)
            .or_default()
            .push((group, None));
    }
    let mut notes = related::notes_of(conn, "test_notes", "test_id", &ids).await?;
    let mut files = object_files::nested(conn, Parent::Test, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let test_type = types.get(&row.test_type_id);
            let (deduplication_algorithm, hash_code_fields) = dedup_settings(test_type);
            TestExtra {
                tags: tag_names.remove(&row.id).unwrap_or_default(),
                test_type_name: test_type.map(|t| t.name.clone()).unwrap_or_default(),
                finding_groups: groups_of.remove(&row.id).unwrap_or_default(),
                deduplication_algorithm,
                hash_code_fields,
                notes: notes.remove(&row.id).unwrap_or_default(),
                files: files.remove(&row.id).unwrap_or_default(),
            }
        })
        .collect())
}

async fn render_one(conn: &mut Conn, row: &Test) -> Result<Value, ApiError> {
    let extra = extras(conn, std::slice::from_ref(row))
        .await?
        .pop()
        .unwrap_or_default();
    Ok(with_prefetch(shape::json(row, &extra)))
}

/// The test and its product's id if the caller may see it; 404 otherwise.
pub(crate) async fn visible(
    conn: &mut Conn,
    caller: &Caller,
    id: &str,
) -> Result<(Test, i64), ApiError> {
    let scope = Visibility::Product("e.product_id");
    let test: Test = find_visible(conn, caller, FROM, "t", scope, id, MODEL).await?;
    let engagement = repo::engagements::get(conn, test.engagement_id).await?;
    Ok((test, engagement.product_id))
}

async fn retrieve_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let (row, _) = visible(&mut conn, &caller, &id).await?;
    let body = render_single(&mut conn, &row, render).await?;
    let body = prefetch::detail(&mut conn, &caller, raw.as_deref(), PREFETCH, body).await?;
    Ok(Json(body))
}

async fn create_test(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let saved = create(&mut tx, &caller, &body).await?;
    let extra = extras(&mut tx, std::slice::from_ref(&saved))
        .await?
        .pop()
        .unwrap_or_default();
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(shape::create_json(&saved, &extra)),
    ))
}

/// Creates the test the body describes (the API's and the pages' create),
/// within the caller's transaction.
pub(crate) async fn create(
    tx: &mut Conn,
    caller: &Caller,
    body: &RequestFields,
) -> Result<Test, ApiError> {
    let engagement_id = references::parent_id(body, "engagement")?;
    let engagement: Engagement = repo::engagements::find(tx, engagement_id)
        .await?
        .ok_or(ApiError::NoMatch("Engagement"))?;
    if !caller
        .access
        .may_on_product(tx, engagement.product_id, Permission::TestAdd)
        .await?
    {
        return Err(ApiError::denied());
    }
    let (row, input) = shape::read(body, Mode::Create, None).map_err(ApiError::Fields)?;
    references::check(tx, &input.references).await?;
    let saved = repo::tests::insert(tx, &row).await?;
    notifications::emit::test_added(tx, &saved).await?;
    if let Some(tags) = &input.tags {
        tags::set(tx, Tagged::Test, saved.id, tags).await?;
    }
    for note in input.notes.iter().flatten() {
        bulk::execute(
            tx,
            "INSERT INTO test_notes (test_id, notes_id) VALUES ($1, $2)",
            &[saved.id.into(), (*note).into()],
        )
        .await?;
    }
    Ok(saved)
}

/// Saves the body over the test `id` (the API's and the pages' edit).
pub(crate) async fn save(
    tx: &mut Conn,
    caller: &Caller,
    id: &str,
    body: &RequestFields,
    mode: Mode,
) -> Result<Test, ApiError> {
    let (current, product_id) = visible(tx, caller, id).await?;
    if !caller
        .access
        .may_on_product(tx, product_id, Permission::TestEdit)
        .await?
    {
        return Err(ApiError::denied());
    }
    let (row, input) = shape::read(body, mode, Some(&current)).map_err(ApiError::Fields)?;
    references::check(tx, &input.references).await?;
    let saved = repo::tests::save(tx, &row).await?;
    if let Some(tags) = &input.tags {
        tags::set(tx, Tagged::Test, saved.id, tags).await?;
    }
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
async fn update_test(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &id, &body, Mode::of(&method)).await
}

async fn delete_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the test and everything under it (the API's and the pages' delete).
pub(crate) async fn delete(state: &AppState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let mut conn = state.db.conn().await?;
    let (row, product_id) = visible(&mut conn, caller, id).await?;
    if !caller
        .access
        .may_on_product(&mut conn, product_id, Permission::TestDelete)
        .await?
    {
        return Err(ApiError::denied());
    }
    drop(conn);
    let deleted = cascade::delete_test(&state.db, row.id).await?;
    state.files.remove(&deleted.files).await;
    Ok(())
}
