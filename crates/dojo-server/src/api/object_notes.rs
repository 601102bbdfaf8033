//! `/api/v2/{findings,engagements,tests,risk_acceptance}/{id}/notes/` (api.md
//! §4.4, §4.5, §4.7): the notes of an object, and a new note on it. Both need
//! only that the caller may see the object (for a risk acceptance: act on it);
//! an object they cannot see is a 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use dojo_domain::entities::{Note, NoteType};
use dojo_storage::bulk;
use dojo_storage::links::{self, Link};
use dojo_storage::{repo, Conn};
use serde_json::{json, Value};

use crate::api::parent::Parent;
use crate::api::shapes::notes as shape;
use crate::api::{related, risk_acceptances, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::notifications::mentions;
use crate::AppState;

/// What a notes route hangs off.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Finding,
    Engagement,
    Test,
    RiskAcceptance,
}

impl Owner {
    /// The link table and its column naming the owner.
    fn link(self) -> (&'static str, &'static str, Link) {
        match self {
            Owner::Finding => ("finding_notes", "finding_id", Link::FindingNotes),
            Owner::Engagement => ("engagement_notes", "engagement_id", Link::EngagementNotes),
            Owner::Test => ("test_notes", "test_id", Link::TestNotes),
            Owner::RiskAcceptance => (
                "risk_acceptance_notes",
                "risk_acceptance_id",
                Link::RiskAcceptanceNotes,
            ),
        }
    }

    /// The object's name and web page, for notifications.
    fn page(self, id: i64) -> (String, String) {
        match self {
            Owner::Finding => (format!("Finding {id}"), format!("/finding/{id}")),
            Owner::Engagement => (format!("Engagement {id}"), format!("/engagement/{id}")),
            Owner::Test => (format!("Test {id}"), format!("/test/{id}")),
            Owner::RiskAcceptance => (
                format!("Risk Acceptance {id}"),
                format!("/risk_acceptance/{id}"),
            ),
        }
    }

    /// The object's id if the caller may see it.
    async fn visible(self, conn: &mut Conn, caller: &Caller, id: &str) -> Result<i64, ApiError> {
        let parent = match self {
            Owner::Finding => Parent::Finding,
            Owner::Engagement => Parent::Engagement,
            Owner::Test => Parent::Test,
            Owner::RiskAcceptance => {
                return Ok(risk_acceptances::visible(conn, caller, id).await?.id)
            }
        };
        Ok(parent.visible(conn, caller, id).await?.0)
    }
}

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (collection, owner) in [
        ("findings", Owner::Finding),
        ("engagements", Owner::Engagement),
        ("tests", Owner::Test),
        ("risk_acceptance", Owner::RiskAcceptance),
    ] {
        let route = get(
            move |state: State<AppState>, caller: Caller, id: Path<String>| {
                list_notes(state, caller, id, owner)
            },
        )
        .post(
            move |state: State<AppState>, caller: Caller, id: Path<String>, body: RequestFields| {
                add_note(state, caller, id, body, owner)
            },
        );
        router = router
            .route(
                &format!("/api/v2/{collection}/{{id}}/notes/"),
                route.clone(),
            )
            .route(&format!("/api/v2/{collection}/{{id}}/notes"), route);
    }
    router
}

async fn list_notes(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    owner: Owner,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let id = owner.visible(&mut conn, &caller, &id).await?;
    let (table, column, _) = owner.link();
    let notes = related::notes_of(&mut conn, table, column, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Json(json!({ column: id, "notes": notes })))
}

async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
    owner: Owner,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut tx = state.db.begin().await?;
    let id = owner.visible(&mut tx, &caller, &id).await?;
    let new = shape::read_new(&body).map_err(ApiError::Fields)?;
    let (table, column, link) = owner.link();
    let note = attach_note(&mut tx, &caller, (table, column, link), id, &new).await?;
    let (section, url) = owner.page(id);
    mentions::notify_mentions(&mut tx, &caller.user, &note, &section, &url).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(shape::created_json(&caller.user, &new.entry, new.private)),
    ))
}

/// Writes a note by the caller and links it to a finding.
pub async fn attach_finding_note(
    conn: &mut Conn,
    caller: &Caller,
    finding_id: i64,
    new: &shape::NewNote,
) -> Result<Note, ApiError> {
    attach_note(conn, caller, Owner::Finding.link(), finding_id, new).await
}

/// Writes a note by the caller on the object, after checking its note type:
/// it must exist, and a single-use type may be used once per object.
async fn attach_note(
    conn: &mut Conn,
    caller: &Caller,
    (table, column, link): (&str, &str, Link),
    id: i64,
    new: &shape::NewNote,
) -> Result<Note, ApiError> {
    if let Some(type_id) = new.note_type {
        let note_type = repo::note_types::find(conn, type_id)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "note_type",
                    format!("Invalid pk \"{type_id}\" - object does not exist."),
                )
            })?;
        if note_type.is_single && has_note_of_type(conn, table, column, id, &note_type).await? {
            return Err(ApiError::field(
                "note_type",
                format!(
                    "The note type \"{}\" allows one note per object, and this one has it already.",
                    note_type.name
                ),
            ));
        }
    }
    let note = repo::notes::insert(
        conn,
        &Note {
            id: 0,
            note_type_id: new.note_type,
            entry: new.entry.clone(),
            date: Utc::now(),
            author_id: caller.user.id,
            private: new.private,
            edited: false,
            editor_id: None,
            edit_time: None,
        },
    )
    .await?;
    links::add(conn, link, id, note.id).await?;
    Ok(note)
}

async fn has_note_of_type(
    conn: &mut Conn,
    table: &str,
    column: &str,
    id: i64,
    note_type: &NoteType,
) -> Result<bool, ApiError> {
    let found: Vec<(i64,)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT n.id FROM notes n JOIN {table} l ON l.notes_id = n.id \
             WHERE l.{column} = $1 AND n.note_type_id = $2"
        ),
        &[id.into(), note_type.id.into()],
    )
    .await?;
    Ok(!found.is_empty())
}
