//! Import and reimport from the browser: `/import` (into any engagement, or
//! into a product and engagement named in the form), an engagement's and a
//! product's "Import scan results", and a test's "Re-upload scan".
//!
//! The forms post the API's own multipart fields (`scan_type`, `file`,
//! `engagement`, `minimum_severity`, …) and run through the same code as
//! `POST /api/v2/import-scan/` and `/reimport-scan/`, so the checks,
//! permissions and the one transaction are the API's; the target given by the
//! URL overrides whatever the form says about it. Afterwards the page shows
//! what the run did.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Engagement, Product, Test};
use dojo_importer::request::StatusCounts;
use dojo_importer::ImportOutcome;
use dojo_storage::bulk::{self, Param};

use super::listing::ListQuery;
use super::page_error::field_message;
use super::pages::{self, Chrome};
use super::session::{self, WebUser};
use super::{PageError, PageResult, Viewer};
use crate::api::import::form::ImportForm;
use crate::api::import::params::Kind;
use crate::api::import::{execute, BODY_LIMIT};
use crate::api::resource::{find_visible, Visibility};
use crate::error::ApiError;
use crate::AppState;

/// How many engagements the general import form offers to pick from.
const ENGAGEMENT_CHOICES: usize = 250;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/import", get(general_form).post(general_submit))
        .route(
            "/engagement/{id}/import_scan_results",
            get(engagement_form).post(engagement_submit),
        )
        .route(
            "/product/{id}/import_scan_results",
            get(product_form).post(product_submit),
        )
        .route(
            "/test/{id}/re_import_scan_results",
            get(test_form).post(test_submit),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Where a form imports to, from its URL. (One lives per request; its size
/// does not matter.)
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
enum Target {
    /// Pick an engagement, or name a product and engagement to create.
    Anywhere,
    Engagement(Engagement, Product),
    Product(Product),
    Test(Test, Engagement, Product),
}

impl Target {
    fn kind(&self) -> Kind {
        match self {
            Target::Test(..) => Kind::Reimport,
            _ => Kind::Import,
        }
    }

    fn product(&self) -> Option<&Product> {
        match self {
            Target::Anywhere => None,
            Target::Engagement(_, p) | Target::Product(p) | Target::Test(_, _, p) => Some(p),
        }
    }

    fn action(&self) -> String {
        match self {
            Target::Anywhere => "/import".into(),
            Target::Engagement(e, _) => format!("/engagement/{}/import_scan_results", e.id),
            Target::Product(p) => format!("/product/{}/import_scan_results", p.id),
            Target::Test(t, _, _) => format!("/test/{}/re_import_scan_results", t.id),
        }
    }

    fn heading(&self) -> String {
        match self {
            Target::Anywhere => "Import scan results".into(),
            Target::Engagement(e, _) => format!(
                "Import scan results into {}",
                e.name
                    .clone()
                    .unwrap_or_else(|| format!("engagement {}", e.id))
            ),
            Target::Product(p) => format!("Import scan results into {}", p.name),
            Target::Test(t, _, _) => format!("Re-upload scan results of {}", test_name(t)),
        }
    }

    fn crumbs(&self) -> Vec<(String, String)> {
        let mut crumbs = Vec::new();
        if let Some(p) = self.product() {
            crumbs.push((p.name.clone(), format!("/product/{}", p.id)));
        }
        match self {
            Target::Engagement(e, _) | Target::Test(_, e, _) => crumbs.push((
                e.name
                    .clone()
                    .unwrap_or_else(|| format!("Engagement {}", e.id)),
                format!("/engagement/{}", e.id),
            )),
            _ => {}
        }
        if let Target::Test(t, _, _) = self {
            crumbs.push((test_name(t), format!("/test/{}", t.id)));
        }
        crumbs
    }

    /// The fields the URL decides, set over what was posted.
    fn pin(&self, form: &mut ImportForm) {
        let mut set = |name: &str, value: String| {
            form.fields.insert(name.to_owned(), vec![value]);
        };
        match self {
            Target::Anywhere => {}
            Target::Engagement(e, _) => set("engagement", e.id.to_string()),
            Target::Product(p) => {
                set("product_name", p.name.clone());
                set("auto_create_context", "true".into());
            }
            Target::Test(t, _, _) => set("test", t.id.to_string()),
        }
    }
}

fn test_name(test: &Test) -> String {
    test.title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| test.scan_type.clone())
        .unwrap_or_else(|| format!("Test {}", test.id))
}

#[derive(Template)]
#[template(path = "import_form.html")]
struct FormPage {
    chrome: Chrome,
    heading: String,
    crumbs: Vec<(String, String)>,
    action: String,
    reimport: bool,
    /// The general form: engagements to pick from, and the names to create.
    anywhere: bool,
    /// The product form: the engagement is named (and created when missing).
    by_product: bool,
    engagements: Vec<(i64, String)>,
    scan_types: Vec<&'static str>,
    form: ListQuery,
    errors: Vec<String>,
}

/// One line of the result: a severity (or the total) and its status counts.
struct ResultRow {
    label: &'static str,
    counts: StatusCounts,
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ResultPage {
    chrome: Chrome,
    heading: String,
    reimport: bool,
    outcome: ImportOutcome,
    after: Vec<ResultRow>,
}

async fn resolve_engagement(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<Target> {
    let mut conn = state.db.conn().await?;
    let engagement: Engagement = find_visible(
        &mut conn,
        &viewer.caller,
        "engagement e",
        "e",
        Visibility::Product("e.product_id"),
        id,
        "Engagement",
    )
    .await?;
    let product = dojo_storage::repo::products::get(&mut conn, engagement.product_id).await?;
    Ok(Target::Engagement(engagement, product))
}

async fn resolve_product(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<Target> {
    let mut conn = state.db.conn().await?;
    let product: Product = find_visible(
        &mut conn,
        &viewer.caller,
        "product p",
        "p",
        Visibility::Product("p.id"),
        id,
        "Product",
    )
    .await?;
    Ok(Target::Product(product))
}

async fn resolve_test(state: &AppState, viewer: &Viewer, id: &str) -> PageResult<Target> {
    let mut conn = state.db.conn().await?;
    let test: Test = find_visible(
        &mut conn,
        &viewer.caller,
        "test t JOIN engagement e ON e.id = t.engagement_id",
        "t",
        Visibility::Product("e.product_id"),
        id,
        "Test",
    )
    .await?;
    let engagement = dojo_storage::repo::engagements::get(&mut conn, test.engagement_id).await?;
    let product = dojo_storage::repo::products::get(&mut conn, engagement.product_id).await?;
    Ok(Target::Test(test, engagement, product))
}

/// A viewer who may see the target but not import into it gets 403, as the
/// API answers their import.
async fn check_may_import(state: &AppState, viewer: &Viewer, target: &Target) -> PageResult<()> {
    if let Some(product) = target.product() {
        let mut conn = state.db.conn().await?;
        viewer
            .require_on_product(&mut conn, product.id, Permission::ImportScanResult)
            .await?;
    }
    Ok(())
}

/// The latest engagements the viewer may import into, for the general form.
async fn engagement_choices(state: &AppState, viewer: &Viewer) -> PageResult<Vec<(i64, String)>> {
    let mut conn = state.db.conn().await?;
    let mut params: Vec<Param> = Vec::new();
    let allowed = viewer
        .caller
        .access
        .product_filter_granting("e.product_id", Permission::ImportScanResult, &mut params)
        .map(|c| format!("WHERE {c}"))
        .unwrap_or_default();
    let rows: Vec<(i64, Option<String>, String)> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT e.id, e.name, p.name FROM engagement e JOIN product p ON p.id = e.product_id \
             {allowed} ORDER BY e.id DESC LIMIT {ENGAGEMENT_CHOICES}"
        ),
        &params,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, product)| {
            let name = name.unwrap_or_else(|| format!("Engagement {id}"));
            (id, format!("{product} › {name}"))
        })
        .collect())
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    target: &Target,
    form: ListQuery,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult {
    let engagements = match target {
        Target::Anywhere => engagement_choices(state, viewer).await?,
        _ => Vec::new(),
    };
    let page = FormPage {
        chrome: viewer.chrome("import"),
        heading: target.heading(),
        crumbs: target.crumbs(),
        action: target.action(),
        reimport: target.kind() == Kind::Reimport,
        anywhere: matches!(target, Target::Anywhere),
        by_product: matches!(target, Target::Product(_)),
        engagements,
        scan_types: dojo_parsers::registry::supported_scan_types()
            .map(|t| t.name)
            .collect(),
        form,
        errors,
    };
    Ok(pages::render(status, &page))
}

/// The form's first values, for showing it again.
fn defaults(target: &Target) -> ListQuery {
    let mut pairs: Vec<(String, String)> = Vec::new();
    match target {
        Target::Test(t, _, _) => {
            if let Some(scan_type) = &t.scan_type {
                pairs.push(("scan_type".into(), scan_type.clone()));
            }
            pairs.push(("close_old_findings".into(), "true".into()));
        }
        Target::Product(_) => pairs.push((
            "engagement_name".into(),
            format!(
                "AdHoc Import - {}",
                Utc::now().format("%a, %d %b %Y %H:%M:%S")
            ),
        )),
        _ => {}
    }
    pairs.push(("minimum_severity".into(), "Info".into()));
    ListQuery::from_pairs("", pairs)
}

async fn show_form(state: &AppState, viewer: &Viewer, target: Target) -> PageResult {
    check_may_import(state, viewer, &target).await?;
    form_page(
        state,
        viewer,
        &target,
        defaults(&target),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn general_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    show_form(&state, &viewer, Target::Anywhere).await
}

async fn engagement_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let target = resolve_engagement(&state, &viewer, &id).await?;
    show_form(&state, &viewer, target).await
}

async fn product_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let target = resolve_product(&state, &viewer, &id).await?;
    show_form(&state, &viewer, target).await
}

async fn test_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let target = resolve_test(&state, &viewer, &id).await?;
    show_form(&state, &viewer, target).await
}

/// A posted form, read after the sign-in check: the CSRF token is one of its
/// multipart fields.
struct Posted {
    viewer: Viewer,
    form: ImportForm,
}

async fn posted(
    state: &AppState,
    user: WebUser,
    headers: &HeaderMap,
    form: Result<ImportForm, ApiError>,
) -> PageResult<Posted> {
    // A body that could not be read (too large, not multipart) changes nothing:
    // its error page needs no token.
    let mut form = form?;
    let token = form
        .fields
        .remove(super::csrf::FORM_FIELD)
        .and_then(|mut v| v.pop());
    session::check_form(state, headers, token.as_deref(), &user.0.csrf_secret)
        .map_err(|reason| PageError::Response(pages::csrf_failure(&reason)))?;
    Ok(Posted {
        viewer: Viewer::of(state, user).await?,
        form,
    })
}

/// Runs the posted form against `target`: the result page, or the form again
/// with what was wrong.
async fn run(state: &AppState, posted: Posted, target: Target) -> PageResult {
    let Posted { viewer, mut form } = posted;
    // A browser sends every field, empty or not; an empty one was left alone,
    // so it is not given (and a required one is reported as missing).
    form.fields
        .retain(|_, values| values.iter().any(|v| !v.trim().is_empty()));
    target.pin(&mut form);
    let shown: Vec<(String, String)> = form
        .fields
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
        .collect();
    let kind = target.kind();
    match execute(state, &viewer.caller.user, form, kind).await {
        Ok((_, outcome)) => {
            let statistics = &outcome.statistics.after;
            let after = vec![
                ResultRow {
                    label: "Critical",
                    counts: statistics.critical,
                },
                ResultRow {
                    label: "High",
                    counts: statistics.high,
                },
                ResultRow {
                    label: "Medium",
                    counts: statistics.medium,
                },
                ResultRow {
                    label: "Low",
                    counts: statistics.low,
                },
                ResultRow {
                    label: "Info",
                    counts: statistics.info,
                },
                ResultRow {
                    label: "Total",
                    counts: statistics.total,
                },
            ];
            let page = ResultPage {
                chrome: viewer.chrome("import"),
                heading: if kind == Kind::Reimport {
                    "Scan results re-uploaded".into()
                } else {
                    "Scan results imported".into()
                },
                reimport: kind == Kind::Reimport,
                outcome,
                after,
            };
            Ok(pages::render(StatusCode::CREATED, &page))
        }
        Err(error) => {
            let (status, errors) = match error {
                ApiError::Fields(fields) => (
                    StatusCode::BAD_REQUEST,
                    fields
                        .iter()
                        .map(|(field, messages)| field_message(field, messages))
                        .collect(),
                ),
                ApiError::List(messages) => (StatusCode::BAD_REQUEST, messages),
                ApiError::Message(message) | ApiError::BadRequestDetail(message) => {
                    (StatusCode::BAD_REQUEST, vec![message])
                }
                ApiError::Forbidden(detail) => (StatusCode::FORBIDDEN, vec![detail]),
                other => return Err(other.into()),
            };
            let form = ListQuery::from_pairs("", shown);
            form_page(state, &viewer, &target, form, errors, status).await
        }
    }
}

async fn general_submit(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    form: Result<ImportForm, ApiError>,
) -> PageResult {
    let posted = posted(&state, user, &headers, form).await?;
    run(&state, posted, Target::Anywhere).await
}

async fn engagement_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: WebUser,
    headers: HeaderMap,
    form: Result<ImportForm, ApiError>,
) -> PageResult {
    let posted = posted(&state, user, &headers, form).await?;
    let target = resolve_engagement(&state, &posted.viewer, &id).await?;
    run(&state, posted, target).await
}

async fn product_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: WebUser,
    headers: HeaderMap,
    form: Result<ImportForm, ApiError>,
) -> PageResult {
    let posted = posted(&state, user, &headers, form).await?;
    let target = resolve_product(&state, &posted.viewer, &id).await?;
    run(&state, posted, target).await
}

async fn test_submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: WebUser,
    headers: HeaderMap,
    form: Result<ImportForm, ApiError>,
) -> PageResult {
    let posted = posted(&state, user, &headers, form).await?;
    let target = resolve_test(&state, &posted.viewer, &id).await?;
    run(&state, posted, target).await
}
