//! `/api/v2/{findings,engagements,tests}/{id}/files/` (api.md §4.4, §4.5,
//! §3.9): the files attached to an object, a new upload (multipart `title` and
//! `file`), and `files/download/{file_id}/`; and `/access_file/{file_id}/
//! {object_id}/{Finding|Test|Engagement}`, the URL the listings give.
//!
//! Reading and downloading take that the caller may see the object (404
//! otherwise, also for `access_file`, where DefectDojo's page answers 403);
//! uploading takes its edit permission (403). Files are served as downloads
//! only (`files::attachment`).

use std::collections::HashMap;

use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use dojo_domain::entities::FileUpload;
use dojo_storage::links;
use dojo_storage::{bulk, repo, Conn, StorageError};
use serde_json::{json, Value};

use crate::api::parent::Parent;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::files::{self, Category, UploadForm};
use crate::AppState;

/// DRF's `CharField(max_length=100)` of `FileUpload.title`.
const TITLE_MAX: usize = 100;

pub fn routes() -> Router<AppState> {
    use Parent::{Engagement, Finding, Test};
    Router::new()
        .route("/api/v2/findings/{id}/files/", collection(Finding))
        .route("/api/v2/findings/{id}/files", collection(Finding))
        .route(
            "/api/v2/findings/{id}/files/download/{file_id}/",
            download(Finding),
        )
        .route(
            "/api/v2/findings/{id}/files/download/{file_id}",
            download(Finding),
        )
        .route("/api/v2/engagements/{id}/files/", collection(Engagement))
        .route("/api/v2/engagements/{id}/files", collection(Engagement))
        .route(
            "/api/v2/engagements/{id}/files/download/{file_id}/",
            download(Engagement),
        )
        .route(
            "/api/v2/engagements/{id}/files/download/{file_id}",
            download(Engagement),
        )
        .route("/api/v2/tests/{id}/files/", collection(Test))
        .route("/api/v2/tests/{id}/files", collection(Test))
        .route(
            "/api/v2/tests/{id}/files/download/{file_id}/",
            download(Test),
        )
        .route(
            "/api/v2/tests/{id}/files/download/{file_id}",
            download(Test),
        )
        .route(
            "/access_file/{file_id}/{object_id}/{model}",
            get(access_file),
        )
        .route(
            "/access_file/{file_id}/{object_id}/{model}/",
            get(access_file),
        )
        // The upload is streamed to disk and limited by the file store itself.
        .layer(DefaultBodyLimit::disable())
}

fn collection(parent: Parent) -> MethodRouter<AppState> {
    get(
        move |state: State<AppState>, caller: Caller, id: Path<String>, headers: HeaderMap| {
            list_files(state, caller, id, headers, parent)
        },
    )
    .post(
        move |state: State<AppState>, caller: Caller, id: Path<String>, request: Request| {
            add_file(state, caller, id, request, parent)
        },
    )
}

fn download(parent: Parent) -> MethodRouter<AppState> {
    get(
        move |state: State<AppState>, caller: Caller, ids: Path<(String, String)>| {
            download_file(state, caller, ids, parent)
        },
    )
}

/// `/access_file/{file_id}/{object_id}/{model}` of a file of an object.
pub fn access_path(file_id: i64, object_id: i64, parent: Parent) -> String {
    format!("/access_file/{file_id}/{object_id}/{}", parent.model())
}

/// DefectDojo's File: `{id, title, file}` with `file` the download URL.
pub fn file_json(file: &FileUpload, url: String) -> Value {
    json!({ "id": file.id, "title": file.title, "file": url })
}

/// The site's URL as the request reached it (DefectDojo's `SITE_URL`).
fn site_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The files of a page of objects, by object id, in id order.
pub async fn attached(
    conn: &mut Conn,
    parent: Parent,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<FileUpload>>, ApiError> {
    let (table, column, _) = parent.files();
    let rows: Vec<(i64, i64, String, String)> = bulk::fetch_in(conn, &[], ids, |list| {
        format!(
            "SELECT l.{column}, f.id, f.title, f.file FROM file_upload f \
             JOIN {table} l ON l.file_upload_id = f.id WHERE l.{column} IN ({list}) ORDER BY f.id"
        )
    })
    .await?;
    let mut out: HashMap<i64, Vec<FileUpload>> = HashMap::new();
    for (owner, id, title, file) in rows {
        out.entry(owner)
            .or_default()
            .push(FileUpload { id, title, file });
    }
    Ok(out)
}

/// The nested `files` of engagements and tests: File objects whose `file`
/// is the (site-relative) `access_file` URL.
pub async fn nested(
    conn: &mut Conn,
    parent: Parent,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<Value>>, ApiError> {
    Ok(attached(conn, parent, ids)
        .await?
        .into_iter()
        .map(|(owner, files)| {
            let rendered = files
                .iter()
                .map(|f| file_json(f, access_path(f.id, owner, parent)))
                .collect();
            (owner, rendered)
        })
        .collect())
}

async fn list_files(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    parent: Parent,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let (id, _) = parent.visible(&mut conn, &caller, &id).await?;
    let site = site_url(&headers);
    let files: Vec<Value> = attached(&mut conn, parent, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .iter()
        .map(|f| file_json(f, format!("{site}{}", access_path(f.id, id, parent))))
        .collect();
    Ok(Json(json!({ parent.key(): id, "files": files })))
}

async fn add_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
    parent: Parent,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let site = site_url(request.headers());
    let id = {
        // No connection is held while the upload arrives.
        let mut conn = state.db.conn().await?;
        parent
            .permitted(&mut conn, &caller, &id, parent.edit_permission())
            .await?
    };
    let form = files::read_upload(request, &state.files, Category::Uploaded).await?;
    let saved = store_upload(state.db.begin().await?, parent, id, form).await?;
    let url = format!("{site}{}", access_path(saved.id, id, parent));
    Ok((StatusCode::CREATED, Json(file_json(&saved, url))))
}

/// Validates an upload read from a multipart form (as DRF's `FileSerializer`
/// does), records it and attaches it to the object, and commits: the API's
/// upload and the web form's share it. The object's edit permission is the
/// caller's to check first.
pub(crate) async fn store_upload(
    mut tx: dojo_storage::Tx,
    parent: Parent,
    id: i64,
    form: UploadForm,
) -> Result<FileUpload, ApiError> {
    let (title, staged) = validated(&mut tx, form).await?;
    let saved = match repo::file_uploads::insert(
        &mut tx,
        &FileUpload {
            id: 0,
            title: title.clone(),
            file: staged.stored_name().to_owned(),
        },
    )
    .await
    {
        Ok(saved) => saved,
        Err(StorageError::Duplicate { .. }) => return Err(duplicate_title()),
        Err(other) => return Err(other.into()),
    };
    let (_, _, link) = parent.files();
    links::add(&mut tx, link, id, saved.id).await?;
    tx.commit().await?;
    staged.keep();
    Ok(saved)
}

fn duplicate_title() -> ApiError {
    ApiError::field("title", "file upload with this title already exists.")
}

/// DRF's checks of `FileSerializer`: the fields first (title required, at most
/// 100 characters, unique; a non-empty file), then the extension.
async fn validated(
    conn: &mut Conn,
    mut form: UploadForm,
) -> Result<(String, files::StagedFile), ApiError> {
    let title = form.fields.get("title").map(|t| t.trim().to_owned());
    let mut errors = std::mem::take(&mut form.errors);
    let mut title_error = |message: String| errors.entry("title".into()).or_default().push(message);
    match &title {
        None => title_error("This field is required.".into()),
        Some(t) if t.is_empty() => title_error("This field may not be blank.".into()),
        Some(t) if t.chars().count() > TITLE_MAX => title_error(format!(
            "Ensure this field has no more than {TITLE_MAX} characters."
        )),
        Some(t) => {
            let taken: Vec<(i64,)> = bulk::fetch_all(
                conn,
                "SELECT id FROM file_upload WHERE title = $1",
                &[t.as_str().into()],
            )
            .await?;
            if !taken.is_empty() {
                title_error("file upload with this title already exists.".into());
            }
        }
    }
    if form.file_name.is_none() && !errors.contains_key("file") {
        errors.insert("file".into(), vec!["No file was submitted.".into()]);
    }
    if !errors.is_empty() {
        return Err(ApiError::Fields(errors));
    }
    if let Some(message) = form.extension_error {
        return Err(ApiError::field("non_field_errors", message));
    }
    match (title, form.file) {
        (Some(title), Some(staged)) => Ok((title, staged)),
        _ => Err(ApiError::field("file", "No file was submitted.")),
    }
}

/// The file `file_id` if it is attached to the object; `None` otherwise.
async fn file_of(
    conn: &mut Conn,
    parent: Parent,
    object: i64,
    file_id: &str,
) -> Result<Option<FileUpload>, ApiError> {
    let Ok(file_id) = file_id.parse::<i64>() else {
        return Ok(None);
    };
    let (table, column, _) = parent.files();
    let rows: Vec<FileUpload> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT f.* FROM file_upload f JOIN {table} l ON l.file_upload_id = f.id \
             WHERE l.{column} = $1 AND f.id = $2"
        ),
        &[object.into(), file_id.into()],
    )
    .await?;
    Ok(rows.into_iter().next())
}

async fn send(state: &AppState, file: &FileUpload) -> Result<Response, ApiError> {
    let name = files::download_name(&file.title, &file.file);
    Ok(files::attachment(&state.files, &file.file, &name).await?)
}

async fn download_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file_id)): Path<(String, String)>,
    parent: Parent,
) -> Result<Response, ApiError> {
    let mut conn = state.db.conn().await?;
    let (id, _) = parent.visible(&mut conn, &caller, &id).await?;
    let Some(file) = file_of(&mut conn, parent, id, &file_id).await? else {
        let error = format!("File ID not associated with {}", parent.model());
        return Ok((StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response());
    };
    drop(conn);
    send(&state, &file).await
}

async fn access_file(
    State(state): State<AppState>,
    caller: Caller,
    Path((file_id, object_id, model)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let parent = Parent::from_model(&model).ok_or(ApiError::NotFound)?;
    let mut conn = state.db.conn().await?;
    let (object, _) = parent.visible(&mut conn, &caller, &object_id).await?;
    let file = file_of(&mut conn, parent, object, &file_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    drop(conn);
    send(&state, &file).await
}
