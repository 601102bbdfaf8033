//! Status actions on one finding (api.md §4.4, workflows c.9 and d): `close/`,
//! `verify/`, the duplicate cluster (`duplicate/`, `duplicate/reset/`,
//! `original/{new_fid}/`) and `request_response/`. Reading needs the finding
//! to be visible (404 otherwise); every change needs `Finding_Edit` (403).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::Utc;
use dojo_domain::authz::Permission;
use dojo_domain::entities::{BurpRawRequestResponse, Finding};
use dojo_domain::ids::Id;
use dojo_storage::bulk;
use dojo_storage::links::{self, Link};
use dojo_storage::{repo, Conn};
use serde_json::{json, Value};

use crate::api::fields::{Fields, Mode, Null, UNBOUNDED};
use crate::api::findings::{self, render};
use crate::api::resource::render_single;
use crate::api::shapes::datetime_value;
use crate::api::shapes::findings::{refuse_mitigated_edit, RequestResponse};
use crate::api::shapes::notes::NewNote;
use crate::api::RequestFields;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::lifecycle::transitions::{self, Close, Dedupe};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    let pairs = get(request_response).post(add_request_response);
    Router::new()
        .route("/api/v2/findings/{id}/close/", post(close_finding))
        .route("/api/v2/findings/{id}/close", post(close_finding))
        .route("/api/v2/findings/{id}/verify/", post(verify_finding))
        .route("/api/v2/findings/{id}/verify", post(verify_finding))
        .route("/api/v2/findings/{id}/duplicate/", get(duplicate_cluster))
        .route("/api/v2/findings/{id}/duplicate", get(duplicate_cluster))
        .route(
            "/api/v2/findings/{id}/duplicate/reset/",
            post(reset_duplicate),
        )
        .route(
            "/api/v2/findings/{id}/duplicate/reset",
            post(reset_duplicate),
        )
        .route(
            "/api/v2/findings/{id}/original/{new_fid}/",
            post(set_original),
        )
        .route(
            "/api/v2/findings/{id}/original/{new_fid}",
            post(set_original),
        )
        .route("/api/v2/findings/{id}/request_response/", pairs.clone())
        .route("/api/v2/findings/{id}/request_response", pairs)
}

async fn editable(conn: &mut Conn, caller: &Caller, id: &str) -> Result<Finding, ApiError> {
    findings::permitted(conn, caller, id, Permission::FindingEdit).await
}

/// The optional `note` and `note_type` of close and verify.
struct NoteInput {
    note: Option<NewNote>,
    note_type: Option<Id>,
}

fn read_note(f: &mut Fields<'_>) -> NoteInput {
    let entry = f.text("note", UNBOUNDED, crate::api::fields::Blank::Allowed);
    let note_type = f.pk("note_type", Null::Allowed).flatten();
    let note = entry
        .flatten()
        .filter(|e| !e.trim().is_empty())
        .map(|entry| NewNote {
            entry,
            private: false,
            note_type,
        });
    NoteInput { note, note_type }
}

impl NoteInput {
    /// A note type that names nothing is a 400, even without a note.
    async fn check_type(&self, conn: &mut Conn) -> Result<(), ApiError> {
        if let (None, Some(type_id)) = (&self.note, self.note_type) {
            if repo::note_types::find(conn, type_id).await?.is_none() {
                return Err(ApiError::field(
                    "note_type",
                    format!("Invalid pk \"{type_id}\" - object does not exist."),
                ));
            }
        }
        Ok(())
    }
}

/// `POST close/`: mitigated now by the caller, inactive, out of review, its
/// endpoints mitigated, out of any risk acceptance, with an optional note.
async fn close_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let current = editable(&mut tx, &caller, &id).await?;
    let mut f = Fields::new(&body, Mode::Create);
    let is_mitigated = f.boolean("is_mitigated").unwrap_or(true);
    let mitigated = f.datetime("mitigated", Null::Allowed).flatten();
    let mitigated_by = f.pk("mitigated_by", Null::Allowed).flatten();
    let false_p = f.boolean("false_p").unwrap_or(false);
    let out_of_scope = f.boolean("out_of_scope").unwrap_or(false);
    let duplicate = f.boolean("duplicate").unwrap_or(false);
    let note = read_note(&mut f);
    f.finish().map_err(ApiError::Fields)?;
    // Dojo runs with DefectDojo's default EDITABLE_MITIGATED_DATA=false.
    refuse_mitigated_edit((mitigated.is_some(), mitigated_by.is_some()))
        .map_err(ApiError::Fields)?;

    note.check_type(&mut tx).await?;
    let close = Close {
        is_mitigated,
        false_p,
        out_of_scope,
        duplicate,
        note: note.note,
        require_mandatory_notes: false,
    };
    let saved = transitions::close(&mut tx, &caller, &current, &close, Utc::now()).await?;
    tx.commit().await?;
    state.files.remove(&saved.deleted_files).await;
    Ok(Json(json!({
        "is_mitigated": saved.is_mitigated,
        "mitigated": saved.mitigated.as_ref().map_or(Value::Null, datetime_value),
        "false_p": saved.false_p,
        "out_of_scope": saved.out_of_scope,
        "duplicate": saved.duplicate,
        "mitigated_by": saved.mitigated_by_id,
    })))
}

/// `POST verify/`: verified and reviewed now by the caller, with an optional
/// note; answers the whole finding.
async fn verify_finding(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let current = editable(&mut tx, &caller, &id).await?;
    let mut f = Fields::new(&body, Mode::Create);
    let note = read_note(&mut f);
    f.finish().map_err(ApiError::Fields)?;
    note.check_type(&mut tx).await?;
    let saved =
        transitions::verify(&mut tx, &caller, &current, note.note.as_ref(), Utc::now()).await?;
    let body = render_one(&mut tx, &saved).await?;
    tx.commit().await?;
    state.files.remove(&saved.deleted_files).await;
    Ok(Json(body))
}

async fn render_one(conn: &mut Conn, finding: &Finding) -> Result<Value, ApiError> {
    render_single(conn, finding, render).await
}

/// `GET duplicate/`: the other findings of the finding's duplicate cluster
/// (its original and the original's other duplicates, or its own
/// duplicates), those the caller may see, as a plain array.
async fn duplicate_cluster(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let finding = findings::visible(&mut conn, &caller, &id).await?;
    let original = finding.duplicate_finding_id.unwrap_or(finding.id);
    let mut params = vec![original.into(), finding.id.into()];
    let visible = caller
        .access
        .product_filter("f.product_id", &mut params)
        .map_or_else(String::new, |condition| format!(" AND {condition}"));
    let rows: Vec<Finding> = bulk::fetch_all(
        &mut conn,
        &format!(
            "SELECT f.* FROM finding f WHERE (f.id = $1 OR f.duplicate_finding_id = $1) \
             AND f.id <> $2{visible} ORDER BY f.id"
        ),
        &params,
    )
    .await?;
    Ok(Json(Value::Array(render(&mut conn, &rows).await?)))
}

/// `POST duplicate/reset/`: a duplicate becomes an active finding of its own
/// (saved without de-duplication); anything else is refused.
async fn reset_duplicate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    let current = editable(&mut tx, &caller, &id).await?;
    if !current.duplicate {
        return Err(ApiError::ActionRefused("Finding is not a duplicate".into()));
    }
    let mut row = current.clone();
    row.duplicate = false;
    row.duplicate_finding_id = None;
    row.active = true;
    transitions::save(&mut tx, &caller, &current, row, Utc::now(), Dedupe::Skip).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST original/{new_fid}/`: makes `new_fid` the original of the finding's
/// duplicate cluster. The old original and every member point to it; it
/// takes the old original's status and found-by types. Both findings must be
/// in one product, and engagements that keep de-duplication to themselves
/// must be the same.
async fn set_original(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, new_original)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin().await?;
    let finding = editable(&mut tx, &caller, &id).await?;
    let chosen = editable(&mut tx, &caller, &new_original).await?;
    let refused = || ApiError::ActionRefused("Finding cannot be set as the original".into());
    if finding.product_id != chosen.product_id || finding.id == chosen.id {
        return Err(refused());
    }
    if !same_dedup_scope(&mut tx, &finding, &chosen).await? {
        return Err(refused());
    }
    let old_original = match finding.duplicate_finding_id {
        Some(original) if finding.duplicate => repo::findings::get(&mut tx, original).await?,
        _ => finding.clone(),
    };
    let members: Vec<(i64,)> = bulk::fetch_all(
        &mut tx,
        "SELECT id FROM finding WHERE duplicate_finding_id = $1",
        &[old_original.id.into()],
    )
    .await?;
    if members.is_empty() && !finding.duplicate {
        return Err(refused());
    }
    if old_original.id == chosen.id {
        return Ok(StatusCode::NO_CONTENT);
    }
    let now = Utc::now();
    let mut promoted = chosen.clone();
    promoted.duplicate = false;
    promoted.duplicate_finding_id = None;
    promoted.active = old_original.active;
    promoted.is_mitigated = old_original.is_mitigated;
    transitions::save(&mut tx, &caller, &chosen, promoted, now, Dedupe::Skip).await?;
    let found_by = links::rights(&mut tx, Link::FindingFoundBy, old_original.id).await?;
    links::set(&mut tx, Link::FindingFoundBy, chosen.id, &found_by).await?;
    bulk::execute(
        &mut tx,
        "UPDATE finding SET duplicate_finding_id = $1 WHERE duplicate_finding_id = $2 AND id <> $1",
        &[chosen.id.into(), old_original.id.into()],
    )
    .await?;
    let mut demoted = old_original.clone();
    demoted.duplicate = true;
    demoted.duplicate_finding_id = Some(chosen.id);
    demoted.active = false;
    demoted.verified = false;
    transitions::save(&mut tx, &caller, &old_original, demoted, now, Dedupe::Skip).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether two findings may share a duplicate cluster: the same engagement, or
/// engagements that both de-duplicate across the product (workflows c.4).
async fn same_dedup_scope(conn: &mut Conn, a: &Finding, b: &Finding) -> Result<bool, ApiError> {
    let rows: Vec<(i64, bool)> = bulk::fetch_all(
        conn,
        "SELECT e.id, e.deduplication_on_engagement FROM finding f \
         JOIN test t ON t.id = f.test_id JOIN engagement e ON e.id = t.engagement_id \
         WHERE f.id IN ($1, $2)",
        &[a.id.into(), b.id.into()],
    )
    .await?;
    Ok(match rows.as_slice() {
        [(first, on_first), (second, on_second)] => first == second || (!*on_first && !*on_second),
        // Both in one engagement come back as one row per finding; fewer means
        // one of them vanished, which the caller's lookups exclude.
        _ => true,
    })
}

/// `GET request_response/`: the finding's HTTP pairs, decoded.
async fn request_response(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.conn().await?;
    let finding = findings::visible(&mut conn, &caller, &id).await?;
    Ok(Json(pairs_json(&mut conn, finding.id).await?))
}

async fn pairs_json(conn: &mut Conn, finding_id: Id) -> Result<Value, ApiError> {
    let rows: Vec<BurpRawRequestResponse> = bulk::fetch_all(
        conn,
        "SELECT * FROM burp_raw_request_response WHERE finding_id = $1 ORDER BY id",
        &[finding_id.into()],
    )
    .await?;
    let pairs: Vec<Value> = rows
        .iter()
        .map(RequestResponse::from_row)
        .map(|p| json!({"request": p.request, "response": p.response}))
        .collect();
    Ok(json!({ "req_resp": pairs }))
}

/// `POST request_response/` `{"req_resp": [{"request", "response"}]}`: adds
/// the pairs, stored base64-encoded as DefectDojo stores them; answers all
/// the finding's pairs.
async fn add_request_response(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let finding = editable(&mut tx, &caller, &id).await?;
    let pairs = read_pairs(&body)?;
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    for (request, response) in pairs {
        repo::burp_raw_request_responses::insert(
            &mut tx,
            &BurpRawRequestResponse {
                id: 0,
                finding_id: Some(finding.id),
                burp_request_base64: encode(&request),
                burp_response_base64: encode(&response),
            },
        )
        .await?;
    }
    let body = pairs_json(&mut tx, finding.id).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// The pairs of a `req_resp` body: a non-empty list of objects, each with a
/// `request` and a `response` string.
fn read_pairs(body: &RequestFields) -> Result<Vec<(String, String)>, ApiError> {
    let required = || ApiError::field("req_resp", "This field is required.");
    let list = match body.values.get("req_resp").and_then(|v| v.last()) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            _ => return Err(ApiError::field("req_resp", "Expected a list of items.")),
        },
        Some(_) => return Err(ApiError::field("req_resp", "Expected a list of items.")),
        None => return Err(required()),
    };
    if list.is_empty() {
        return Err(ApiError::field("req_resp", "This list may not be empty."));
    }
    list.iter()
        .map(|item| {
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
            match (text("request"), text("response")) {
                (Some(request), Some(response)) => Ok((request, response)),
                _ => Err(ApiError::field(
                    "req_resp",
                    "Each item needs a \"request\" and a \"response\" string.",
                )),
            }
        })
        .collect()
}
