//! Finding actions on tags and notes (api.md §4.4): `{id}/tags/` (read; add,
//! keeping the others), `{id}/remove_tags/` and `{id}/remove_note/`. Reading
//! needs the finding to be visible, changing it needs edit on it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Finding, Note};
use dojo_storage::links::{self, Link};
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{repo, Conn};
use serde_json::{json, Value};

use crate::api::fields::{Fields, Mode, Null};
use crate::api::findings;
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    let tags = get(read_tags).post(add_tags);
    let remove_tags = patch(remove_tags).put(remove_tags);
    let remove_note = patch(remove_note);
    Router::new()
        .route("/api/v2/findings/{id}/tags/", tags.clone())
        .route("/api/v2/findings/{id}/tags", tags)
        .route("/api/v2/findings/{id}/remove_tags/", remove_tags.clone())
        .route("/api/v2/findings/{id}/remove_tags", remove_tags)
        .route("/api/v2/findings/{id}/remove_note/", remove_note.clone())
        .route("/api/v2/findings/{id}/remove_note", remove_note)
}

async fn editable(conn: &mut Conn, caller: &Caller, id: &str) -> Result<Finding, ApiError> {
    findings::permitted(conn, caller, id, Permission::FindingEdit).await
}

/// The body's `tags` (required), as DefectDojo's tag field reads them.
fn body_tags(body: &RequestFields) -> Result<Vec<String>, ApiError> {
    let mut f = Fields::new(body, Mode::Create);
    f.required("tags");
    let tags = f.tags("tags");
    f.finish().map_err(ApiError::Fields)?;
    Ok(tags.unwrap_or_default())
}

async fn read_tags(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let finding = findings::visible(&mut conn, &caller, &id).await?;
    let tags = tags::get(&mut conn, Tagged::Finding, finding.id).await?;
    Ok(Json(json!({ "tags": tags })))
}

/// Adds the body's tags to the finding's (200 with all of them).
async fn add_tags(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let finding = editable(&mut tx, &caller, &id).await?;
    let new = body_tags(&body)?;
    let all = add_finding_tags(&mut tx, finding.id, new).await?;
    tx.commit().await?;
    Ok(Json(json!({ "tags": all })))
}

/// Adds tags to a finding's, keeping the others (the edit permission is the
/// caller's to check); answers all of them. The web list's bulk tagging
/// shares it.
pub(crate) async fn add_finding_tags(
    conn: &mut Conn,
    finding_id: i64,
    new: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let mut all = tags::get(conn, Tagged::Finding, finding_id).await?;
    all.extend(new);
    Ok(tags::set(conn, Tagged::Finding, finding_id, &all).await?)
}

/// Removes the body's tags, all or none: an empty list or a tag the finding
/// does not have is refused.
async fn remove_tags(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    let finding = editable(&mut tx, &caller, &id).await?;
    let gone = body_tags(&body)?;
    if gone.is_empty() {
        return Err(ApiError::ActionRefused("Empty Tag List Not Allowed".into()));
    }
    let mut kept = tags::get(&mut tx, Tagged::Finding, finding.id).await?;
    for tag in &gone {
        let Some(at) = kept.iter().position(|t| t == tag) else {
            return Err(ApiError::ActionRefused(format!(
                "'{tag}' is not a valid tag in list"
            )));
        };
        kept.remove(at);
    }
    tags::set(&mut tx, Tagged::Finding, finding.id, &kept).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes one of the finding's notes, if the caller wrote it.
async fn remove_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    let finding = editable(&mut tx, &caller, &id).await?;
    let mut f = Fields::new(&body, Mode::Create);
    f.required("note_id");
    let note_id = f.pk("note_id", Null::Forbidden).flatten();
    f.finish().map_err(ApiError::Fields)?;
    let note: Note = match note_id {
        Some(note_id) => repo::notes::find(&mut tx, note_id)
            .await?
            .ok_or(ApiError::NoMatch("Notes"))?,
        None => return Err(ApiError::field("note_id", "This field is required.")),
    };
    let attached = links::rights(&mut tx, Link::FindingNotes, finding.id).await?;
    if !attached.contains(&note.id) {
        return Err(ApiError::ActionRefused(
            "Selected Note is not assigned to this Finding".into(),
        ));
    }
    if note.author_id != caller.user.id {
        return Err(ApiError::ActionRefused(
            "Delete Failed, You are not the Note's author".into(),
        ));
    }
    repo::notes::delete(&mut tx, note.id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
