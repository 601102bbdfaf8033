//! `POST /api/v2/import-scan/` and `POST /api/v2/reimport-scan/` (api.md §4.1–4.3):
//! a multipart report in, the import engine run in one transaction, 201 with the
//! echoed inputs, the ids of the test and its parents, and the statistics.

pub(crate) mod form;
pub(crate) mod params;

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use dojo_importer::{Actor, ImportOutcome, ImportRequest};
use dojo_storage::repo;
use serde_json::{json, Value};

use self::form::ImportForm;
use self::params::{FieldErrors, Kind};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::{notifications, AppState};

pub use self::form::{BODY_LIMIT, MAX_REPORT_BYTES};

pub fn routes() -> Router<AppState> {
    Router::new()
        // Canonical paths end in a slash; clients that omit it are served too.
        .route("/api/v2/import-scan/", post(import_scan))
        .route("/api/v2/import-scan", post(import_scan))
        .route("/api/v2/reimport-scan/", post(reimport_scan))
        .route("/api/v2/reimport-scan", post(reimport_scan))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn import_scan(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    form: ImportForm,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    run(&state, &user, form, Kind::Import).await
}

async fn reimport_scan(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    form: ImportForm,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    run(&state, &user, form, Kind::Reimport).await
}

async fn run(
    state: &AppState,
    user: &dojo_domain::entities::User,
    form: ImportForm,
    kind: Kind,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (echo, outcome) = execute(state, user, form, kind).await?;
    let mut body = echo;
    if kind == Kind::Import {
        body.insert("engagement".into(), json!(outcome.engagement_id));
    }
    body.insert("test".into(), json!(outcome.test_id));
    body.insert("test_id".into(), json!(outcome.test_id));
    body.insert("engagement_id".into(), json!(outcome.engagement_id));
    body.insert("product_id".into(), json!(outcome.product_id));
    body.insert("product_type_id".into(), json!(outcome.product_type_id));
    let statistics = serde_json::to_value(&outcome.statistics)
        .map_err(|e| ApiError::Internal(format!("statistics do not serialise: {e}")))?;
    body.insert("statistics".into(), statistics);
    // De-duplication runs inside the import's transaction, so it is always done.
    body.insert("deduplication_complete".into(), json!(true));
    Ok((StatusCode::CREATED, Json(Value::Object(body))))
}

/// Reads an import or reimport form, runs it in one transaction and removes
/// the files of deleted findings afterwards: the API's endpoints and the web
/// import pages both go through here. Answers the echoed inputs and the outcome.
pub(crate) async fn execute(
    state: &AppState,
    user: &dojo_domain::entities::User,
    form: ImportForm,
    kind: Kind,
) -> Result<(serde_json::Map<String, Value>, ImportOutcome), ApiError> {
    let started = Instant::now();
    let accepted = params::read(kind, form).map_err(ApiError::Fields)?;
    check_references(state, &accepted.request).await?;
    let actor = Actor {
        user_id: user.id,
        is_superuser: user.is_superuser,
    };
    let scan_type = accepted.request.scan_type.clone();
    // The engine takes the request, upload included, so the upload's memory is
    // freed once it is parsed.
    // The run's notifications are recorded in its own transaction.
    let hooks = dojo_importer::Hooks {
        observer: None,
        before_commit: Some(&notifications::scans::import_hook),
    };
    let outcome = match kind {
        Kind::Import => {
            dojo_importer::import_scan_hooked(&state.db, &actor, accepted.request, hooks).await?
        }
        Kind::Reimport => {
            dojo_importer::reimport_scan_hooked(&state.db, &actor, accepted.request, hooks).await?
        }
    };
    log(kind, &scan_type, &outcome, started);
    state.files.remove(&outcome.deleted_files).await;
    Ok((accepted.echo, outcome))
}

/// The related objects named by id must exist (DRF's `PrimaryKeyRelatedField`).
async fn check_references(state: &AppState, request: &ImportRequest) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    let mut conn = state.db.conn().await?;
    let missing = |id: i64| format!("Invalid pk \"{id}\" - object does not exist.");
    if let Some(id) = request.lead_id {
        if repo::users::find(&mut conn, id).await?.is_none() {
            errors.insert("lead".into(), vec![missing(id)]);
        }
    }
    if let Some(id) = request.endpoint_to_add {
        if repo::endpoints::find(&mut conn, id).await?.is_none() {
            errors.insert("endpoint_to_add".into(), vec![missing(id)]);
        }
    }
    if let Some(id) = request.api_scan_configuration {
        if repo::product_api_scan_configurations::find(&mut conn, id)
            .await?
            .is_none()
        {
            errors.insert("api_scan_configuration".into(), vec![missing(id)]);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Fields(errors))
    }
}

fn log(kind: Kind, scan_type: &str, outcome: &ImportOutcome, started: Instant) {
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        kind = match kind {
            Kind::Import => "import",
            Kind::Reimport => "reimport",
        },
        scan_type,
        test_id = outcome.test_id,
        created = outcome.created,
        closed = outcome.closed,
        reactivated = outcome.reactivated,
        untouched = outcome.untouched,
        duplicates = outcome.duplicates,
        elapsed_ms,
        "scan imported"
    );
}
