//! `/finding/{id}`: one finding with everything around it (breadcrumbs,
//! endpoints, notes, files, history, duplicates) and a form for each
//! transition the viewer may make; `/finding/{id}/edit`, `/finding/{id}/delete`,
//! `/finding/{id}/files` (multipart upload) and `/finding/{id}/{action}` (the
//! transitions, notes and templates). Every change goes through the same
//! domain code as the API, which checks the permission: a finding the viewer
//! may not see is a 404 page, an action they may not take a 403 page.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use dojo_domain::authz::Permission;
use dojo_domain::entities::{Endpoint, EndpointStatus, Finding, FindingTemplate, NoteType};
use dojo_domain::ids::Id;
use dojo_storage::links::{self, Link};
use dojo_storage::tags::{self, Tagged};
use dojo_storage::{bulk, cascade, repo, Conn};
use serde_json::Value;

use super::findings::{age, sla_days, statuses, SEVERITIES};
use super::format;
use super::listing::ListQuery;
use super::pages::{self, Chrome};
use super::session::{self, WebUser};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::api::fields::Mode;
use crate::api::object_files::{self, access_path};
use crate::api::object_notes::attach_finding_note;
use crate::api::parent::Parent;
use crate::api::shapes::notes::NewNote;
use crate::api::{finding_edit, findings, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::files::{Category, UploadForm};
use crate::lifecycle::templates;
use crate::lifecycle::transitions::{self, Close, ReviewOutcome};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/finding/{id}", get(show))
        .route("/finding/{id}/edit", get(edit_form).post(edit_save))
        .route("/finding/{id}/delete", get(delete_confirm).post(delete))
        .route(
            "/finding/{id}/files",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/finding/{id}/{action}", post(act))
}

/// The most duplicates the page lists (their number is always shown).
const DUPLICATES_SHOWN: i64 = 50;
/// The most templates and reviewer choices the forms offer.
const CHOICES_MAX: i64 = 200;

pub struct NoteView {
    pub entry: String,
    pub author: String,
    pub date: String,
    pub note_type: Option<String>,
    pub private: bool,
    pub edited: Option<String>,
    pub history: Vec<String>,
}

pub struct EndpointView {
    pub url: String,
    pub statuses: Vec<&'static str>,
    pub date: String,
}

pub struct FileView {
    pub title: String,
    pub url: String,
}

pub struct Linked {
    pub id: i64,
    pub title: String,
    pub severity: String,
}

pub struct Event {
    pub when: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "finding_view.html")]
pub struct ViewPage {
    pub chrome: Chrome,
    pub f: Finding,
    pub error: Option<String>,
    pub product: String,
    pub engagement_id: i64,
    pub engagement: String,
    pub test: String,
    pub fields: Vec<(&'static str, String)>,
    pub texts: Vec<(&'static str, String)>,
    pub statuses: Vec<&'static str>,
    pub tags: Vec<String>,
    pub vulnerability_ids: Vec<String>,
    pub reviewers: Vec<String>,
    pub sla_days: Option<i64>,
    pub endpoints: Vec<EndpointView>,
    pub notes: Vec<NoteView>,
    pub files: Vec<FileView>,
    pub history: Vec<Event>,
    pub original: Option<Linked>,
    pub duplicates: Vec<Linked>,
    pub duplicate_count: i64,
    pub may_edit: bool,
    pub may_delete: bool,
    pub may_clear_review: bool,
    pub simple_risk: bool,
    pub superuser: bool,
    pub note_types: Vec<NoteType>,
    pub reviewer_choices: Vec<(i64, String)>,
    pub templates: Vec<(i64, String)>,
    pub planned: String,
}

impl ViewPage {
    pub fn breached(&self) -> bool {
        self.sla_days.is_some_and(|d| d < 0)
    }
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let f = findings::visible(&mut conn, &viewer.caller, &id).await?;
    let caller = &viewer.caller;
    let may_edit = caller
        .access
        .may_on_product(&mut conn, f.product_id, Permission::FindingEdit)
        .await?;
    let may_delete = caller
        .access
        .may_on_product(&mut conn, f.product_id, Permission::FindingDelete)
        .await?;
    let product = repo::products::get(&mut conn, f.product_id).await?;
    let test = repo::tests::get(&mut conn, f.test_id).await?;
    let engagement = repo::engagements::get(&mut conn, test.engagement_id).await?;
    let test_type = repo::test_types::get(&mut conn, test.test_type_id).await?;
    let reviewer_ids = links::rights(&mut conn, Link::FindingReviewers, f.id).await?;
    let user_ids: Vec<i64> = [
        Some(f.reporter_id),
        f.mitigated_by_id,
        f.review_requested_by_id,
        f.last_reviewed_by_id,
        f.defect_review_requested_by_id,
    ]
    .into_iter()
    .flatten()
    .chain(reviewer_ids.iter().copied())
    .collect();
    let users = usernames(&mut conn, &user_ids).await?;
    let name = |id: Option<i64>| {
        id.and_then(|id| users.get(&id).cloned())
            .unwrap_or_else(|| "—".to_owned())
    };
    let today = Utc::now().date_naive();
    let fields = vec![
        ("Severity", f.severity.to_string()),
        ("CVSS v3", opt(&f.cvssv3)),
        (
            "CVSS v3 score",
            f.cvssv3_score.map_or("—".into(), |s| s.to_string()),
        ),
        ("CVSS v4", opt(&f.cvssv4)),
        (
            "CWE",
            if f.cwe > 0 {
                f.cwe.to_string()
            } else {
                "—".into()
            },
        ),
        ("Component", opt(&f.component_name)),
        ("Component version", opt(&f.component_version)),
        ("File path", opt(&f.file_path)),
        ("Line", f.line.map_or("—".into(), |l| l.to_string())),
        ("Date", f.date.to_string()),
        ("Age (days)", age(&f, today).to_string()),
        ("SLA start", format::day(f.sla_start_date)),
        ("SLA expiration", format::day(f.sla_expiration_date)),
        (
            "Planned remediation",
            format::day(f.planned_remediation_date),
        ),
        ("Reporter", name(Some(f.reporter_id))),
        ("Mitigated", format::maybe_instant(f.mitigated)),
        ("Mitigated by", name(f.mitigated_by_id)),
        ("Review requested by", name(f.review_requested_by_id)),
        ("Last reviewed", format::maybe_instant(f.last_reviewed)),
        ("Last reviewed by", name(f.last_reviewed_by_id)),
        (
            "Last status update",
            format::maybe_instant(f.last_status_update),
        ),
        ("Service", opt(&f.service)),
        ("URL", opt(&f.url)),
        ("Parameter", opt(&f.param)),
        ("Payload", opt(&f.payload)),
        ("Fix available", yes_no(f.fix_available)),
        ("Fix version", opt(&f.fix_version)),
        ("Effort for fixing", opt(&f.effort_for_fixing)),
        (
            "Planned remediation version",
            opt(&f.planned_remediation_version),
        ),
        ("EPSS score", number(f.epss_score)),
        ("EPSS percentile", number(f.epss_percentile)),
        ("Known exploited", yes_no(Some(f.known_exploited))),
        ("Ransomware used", yes_no(Some(f.ransomware_used))),
        ("KEV date", format::day(f.kev_date)),
        ("CVSS v4 score", number(f.cvssv4_score)),
        ("Static finding", yes_no(Some(f.static_finding))),
        ("Dynamic finding", yes_no(Some(f.dynamic_finding))),
        (
            "Scanner confidence",
            f.scanner_confidence.map_or("—".into(), |c| c.to_string()),
        ),
        (
            "Occurrences",
            f.nb_occurences.map_or("—".into(), |n| n.to_string()),
        ),
        ("SAST source object", opt(&f.sast_source_object)),
        ("SAST sink object", opt(&f.sast_sink_object)),
        ("SAST source file", opt(&f.sast_source_file_path)),
        (
            "SAST source line",
            f.sast_source_line.map_or("—".into(), |l| l.to_string()),
        ),
        ("Publish date", format::day(f.publish_date)),
        ("Hash code", opt(&f.hash_code)),
        ("Unique id from tool", opt(&f.unique_id_from_tool)),
        ("Vulnerability id from tool", opt(&f.vuln_id_from_tool)),
        ("Created", format::instant(f.created)),
        ("Updated", format::instant(f.updated)),
    ];
    let texts: Vec<(&'static str, String)> = [
        ("Description", Some(f.description.clone())),
        ("Mitigation", f.mitigation.clone()),
        ("Impact", f.impact.clone()),
        ("Steps to reproduce", f.steps_to_reproduce.clone()),
        ("Severity justification", f.severity_justification.clone()),
        ("References", f.refs.clone()),
    ]
    .into_iter()
    .filter_map(|(label, text)| text.filter(|t| !t.trim().is_empty()).map(|t| (label, t)))
    .collect();
    let reviewers = reviewer_ids
        .iter()
        .map(|id| name(Some(*id)))
        .collect::<Vec<_>>();
    let may_clear_review = may_edit
        && f.under_review
        && (f.review_requested_by_id == Some(caller.user.id)
            || reviewer_ids.contains(&caller.user.id));
    let tags = tags::get(&mut conn, Tagged::Finding, f.id).await?;
    let vulnerability_ids = repo::findings::vulnerability_ids(&mut conn, f.id).await?;
    let endpoints = endpoints_of(&mut conn, f.id).await?;
    let notes = notes_of(&mut conn, f.id).await?;
    let files = object_files::attached(&mut conn, Parent::Finding, &[f.id])
        .await?
        .remove(&f.id)
        .unwrap_or_default()
        .into_iter()
        .map(|file| FileView {
            url: access_path(file.id, f.id, Parent::Finding),
            title: file.title,
        })
        .collect();
    let history = history_of(&f, &notes_raw(&mut conn, f.id).await?, &name);
    let original = match f.duplicate_finding_id {
        Some(original) => linked(&mut conn, caller, "f.id = $1", original, 1)
            .await?
            .pop(),
        None => None,
    };
    let duplicates = linked(
        &mut conn,
        caller,
        "f.duplicate_finding_id = $1",
        f.id,
        DUPLICATES_SHOWN,
    )
    .await?;
    let duplicate_count: Vec<(i64,)> = bulk::fetch_all(
        &mut conn,
        "SELECT COUNT(*) FROM finding WHERE duplicate_finding_id = $1",
        &[f.id.into()],
    )
    .await?;
    let note_types: Vec<NoteType> = bulk::fetch_all(
        &mut conn,
        "SELECT * FROM note_type WHERE is_active = TRUE ORDER BY name",
        &[],
    )
    .await?;
    let reviewer_choices = reviewer_candidates(&mut conn, &f).await?;
    let templates: Vec<(i64, String)> = if viewer.is_superuser() {
        bulk::fetch_all(
            &mut conn,
            &format!("SELECT id, title FROM finding_template ORDER BY title LIMIT {CHOICES_MAX}"),
            &[],
        )
        .await?
    } else {
        Vec::new()
    };
    let query = ListQuery::parse("", raw.as_deref());
    let page = ViewPage {
        chrome: viewer.chrome("findings"),
        error: query.get("error").map(str::to_owned),
        product: product.name.clone(),
        engagement_id: engagement.id,
        engagement: engagement
            .name
            .clone()
            .unwrap_or_else(|| format!("Engagement {}", engagement.id)),
        test: test.title.clone().unwrap_or(test_type.name.clone()),
        fields,
        texts,
        statuses: statuses(&f),
        tags,
        vulnerability_ids,
        reviewers,
        sla_days: sla_days(&f, today),
        endpoints,
        notes,
        files,
        history,
        original,
        duplicates,
        duplicate_count: duplicate_count.first().map_or(0, |(n,)| *n),
        may_edit,
        may_delete,
        may_clear_review,
        simple_risk: product.enable_simple_risk_acceptance,
        superuser: viewer.is_superuser(),
        note_types,
        reviewer_choices,
        templates,
        planned: f
            .planned_remediation_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        f,
    };
    Ok(pages::render(StatusCode::OK, &page))
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "Yes".into(),
        Some(false) => "No".into(),
        None => "—".into(),
    }
}

fn number(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| v.to_string())
}

fn opt(value: &Option<String>) -> String {
    format::text(value.as_deref())
}

async fn usernames(conn: &mut Conn, ids: &[i64]) -> PageResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT id, username FROM dojo_user WHERE id IN ({list})")
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// Findings linked to this one (its original, its duplicates) that the
/// viewer may see.
async fn linked(
    conn: &mut Conn,
    caller: &Caller,
    condition: &str,
    id: i64,
    limit: i64,
) -> PageResult<Vec<Linked>> {
    let mut params = vec![id.into()];
    let visible = caller
        .access
        .product_filter("f.product_id", &mut params)
        .map(|c| format!(" AND {c}"))
        .unwrap_or_default();
    let rows: Vec<(i64, String, String)> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT f.id, f.title, f.severity FROM finding f WHERE {condition}{visible} \
             ORDER BY f.id LIMIT {limit}"
        ),
        &params,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, severity)| Linked {
            id,
            title,
            severity,
        })
        .collect())
}

async fn endpoints_of(conn: &mut Conn, finding_id: i64) -> PageResult<Vec<EndpointView>> {
    let statuses: Vec<EndpointStatus> = bulk::fetch_all(
        conn,
        "SELECT * FROM endpoint_status WHERE finding_id = $1 ORDER BY endpoint_id",
        &[finding_id.into()],
    )
    .await?;
    let ids: Vec<i64> = statuses.iter().map(|s| s.endpoint_id).collect();
    let endpoints: Vec<Endpoint> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT * FROM endpoint WHERE id IN ({list})")
    })
    .await?;
    let endpoints: HashMap<i64, Endpoint> = endpoints.into_iter().map(|e| (e.id, e)).collect();
    Ok(statuses
        .iter()
        .map(|s| {
            let flags = [
                (s.mitigated, "Mitigated"),
                (s.false_positive, "False Positive"),
                (s.out_of_scope, "Out Of Scope"),
                (s.risk_accepted, "Risk Accepted"),
            ];
            let mut words: Vec<&'static str> = flags
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, w)| w)
                .collect();
            if words.is_empty() {
                words.push("Active");
            }
            EndpointView {
                url: endpoints
                    .get(&s.endpoint_id)
                    .map(Endpoint::to_url_string)
                    .unwrap_or_default(),
                statuses: words,
                date: s.date.to_string(),
            }
        })
        .collect())
}

/// (date, author, entry) of the finding's notes, oldest first, for the history.
async fn notes_raw(
    conn: &mut Conn,
    finding_id: i64,
) -> PageResult<Vec<(DateTime<Utc>, String, String)>> {
    Ok(bulk::fetch_all(
        conn,
        "SELECT n.date, u.username, n.entry FROM notes n JOIN finding_notes l ON l.notes_id = n.id \
         JOIN dojo_user u ON u.id = n.author_id WHERE l.finding_id = $1 ORDER BY n.date, n.id",
        &[finding_id.into()],
    )
    .await?)
}

/// The notes as the API's `notes` shows them (private ones included, marked),
/// newest first, with their type, author and edit history.
async fn notes_of(conn: &mut Conn, finding_id: i64) -> PageResult<Vec<NoteView>> {
    let notes = crate::api::related::notes_of(conn, "finding_notes", "finding_id", &[finding_id])
        .await?
        .remove(&finding_id)
        .unwrap_or_default();
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let when = |v: &Value, key: &str| {
        text(v, key)
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|d| format::instant(d.with_timezone(&Utc)))
    };
    Ok(notes
        .iter()
        .map(|n| NoteView {
            entry: text(n, "entry").unwrap_or_default(),
            author: n
                .pointer("/author/username")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            date: when(n, "date").unwrap_or_default(),
            note_type: n
                .pointer("/note_type/name")
                .and_then(Value::as_str)
                .map(str::to_owned),
            private: n.get("private").and_then(Value::as_bool).unwrap_or(false),
            edited: if n.get("edited").and_then(Value::as_bool).unwrap_or(false) {
                Some(when(n, "edit_time").unwrap_or_default())
            } else {
                None
            },
            history: n
                .get("history")
                .and_then(Value::as_array)
                .map(|entries| {
                    entries
                        .iter()
                        .map(|h| {
                            format!(
                                "{}: {}",
                                when(h, "time").unwrap_or_default(),
                                text(h, "data").unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

/// The status timeline Dojo can tell from the finding's own columns and its
/// notes (transitions leave notes for risk changes and reviews).
fn history_of(
    f: &Finding,
    notes: &[(DateTime<Utc>, String, String)],
    name: &dyn Fn(Option<i64>) -> String,
) -> Vec<Event> {
    let mut events: Vec<(DateTime<Utc>, String)> = vec![(
        f.created,
        format!("Created, reported by {}", name(Some(f.reporter_id))),
    )];
    if let Some(at) = f.mitigated {
        events.push((at, format!("Mitigated by {}", name(f.mitigated_by_id))));
    }
    if let Some(at) = f.last_reviewed {
        events.push((at, format!("Reviewed by {}", name(f.last_reviewed_by_id))));
    }
    if let Some(at) = f.last_status_update {
        events.push((at, format!("Status now: {}", statuses(f).join(", "))));
    }
    for (at, author, entry) in notes {
        events.push((*at, format!("Note by {author}: {entry}")));
    }
    events.sort_by_key(|(at, _)| *at);
    events
        .into_iter()
        .map(|(at, what)| Event {
            when: format::instant(at),
            what,
        })
        .collect()
}

/// Users who could be asked to review: active superusers and members (direct
/// or through a group) of the product or its type. The transition refuses
/// those among them without the right to edit findings.
async fn reviewer_candidates(conn: &mut Conn, f: &Finding) -> PageResult<Vec<(i64, String)>> {
    Ok(bulk::fetch_all(
        conn,
        &format!(
            "SELECT u.id, u.username FROM dojo_user u WHERE u.is_active = TRUE AND (u.is_superuser = TRUE \
             OR u.id IN (SELECT user_id FROM product_member WHERE product_id = $1) \
             OR u.id IN (SELECT m.user_id FROM product_type_member m JOIN product p \
                         ON p.prod_type_id = m.product_type_id WHERE p.id = $1) \
             OR u.id IN (SELECT gm.user_id FROM dojo_group_member gm JOIN product_group pg \
                         ON pg.group_id = gm.group_id WHERE pg.product_id = $1)) \
             ORDER BY u.username LIMIT {CHOICES_MAX}"
        ),
        &[f.product_id.into()],
    )
    .await?)
}

/// What a refused change shows: field errors and refusals go back to the
/// finding page as its notice; 403 and 404 are pages of their own.
fn refused(id: i64, error: ApiError) -> Response {
    match PageError::from(error) {
        PageError::BadRequest(reason) => back_with_error(id, &reason),
        other => other.into_response(),
    }
}

fn back_with_error(id: i64, reason: &str) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("error", reason)
        .finish();
    pages::redirect(&format!("/finding/{id}?{query}"))
}

/// The optional note of a transition form (`entry`, `note_type`, `private`).
fn note_from(form: &ListQuery) -> Result<Option<NewNote>, ApiError> {
    let Some(entry) = form.get("entry") else {
        return Ok(None);
    };
    let note_type = match form.get("note_type") {
        Some(t) => Some(
            t.parse::<Id>()
                .map_err(|_| ApiError::field("note_type", "Choose a valid note type."))?,
        ),
        None => None,
    };
    Ok(Some(NewNote {
        entry: entry.to_owned(),
        private: form.checked("private"),
        note_type,
    }))
}

/// `POST /finding/{id}/{action}`: a transition, a note, or a template.
async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let form = ListQuery::from_pairs("", form);
    let caller = &viewer.caller;
    let mut tx = state.db.begin().await?;
    let current = findings::visible(&mut tx, caller, &id).await?;
    let now = Utc::now();
    let outcome = perform(&mut tx, caller, &current, &action, &form, now).await;
    match outcome {
        Ok(deleted) => {
            tx.commit().await?;
            state.files.remove(&deleted).await;
            Ok(pages::redirect(&format!("/finding/{}", current.id)))
        }
        Err(error) => {
            drop(tx);
            Ok(refused(current.id, error))
        }
    }
}

/// Carries out one action; answers the stored files to remove after commit.
async fn perform(
    tx: &mut Conn,
    caller: &Caller,
    current: &Finding,
    action: &str,
    form: &ListQuery,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let saved = match action {
        "close" => {
            let close = Close::mitigate(note_from(form)?);
            transitions::close(tx, caller, current, &close, now).await?
        }
        "verify" => {
            transitions::verify(tx, caller, current, note_from(form)?.as_ref(), now).await?
        }
        "open" => transitions::reopen(tx, caller, current, now).await?,
        "false_positive" => transitions::mark_false_positive(tx, caller, current, now).await?,
        "not_false_positive" => {
            transitions::unmark_false_positive(tx, caller, current, now).await?
        }
        "out_of_scope" => transitions::set_out_of_scope(tx, caller, current, true, now).await?,
        "in_scope" => transitions::set_out_of_scope(tx, caller, current, false, now).await?,
        "request_review" => {
            let reviewers = form.ids("reviewers");
            let entry = form.value("entry");
            transitions::request_review(tx, caller, current, &reviewers, entry, now).await?
        }
        "clear_review" => {
            let outcome = ReviewOutcome {
                active: form.checked("active"),
                verified: form.checked("verified"),
                false_p: form.checked("false_p"),
                out_of_scope: form.checked("out_of_scope"),
                duplicate: form.checked("duplicate"),
                is_mitigated: form.checked("is_mitigated"),
            };
            let entry = form.value("entry");
            transitions::clear_review(tx, caller, current, outcome, entry, now).await?
        }
        "simple_risk_accept" => transitions::accept_risk(tx, caller, current, now).await?,
        "simple_risk_unaccept" => transitions::unaccept_risk(tx, caller, current, now).await?,
        "planned_remediation" => {
            let date = match form.get("planned_remediation_date") {
                Some(day) => Some(NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                    ApiError::field("planned_remediation_date", "Enter a valid date.")
                })?),
                None => None,
            };
            transitions::set_planned_remediation_date(tx, caller, current, date, now).await?
        }
        "touch" => transitions::touch(tx, caller, current, now).await?,
        "notes" => {
            // The API's notes action: seeing the finding is enough.
            let Some(note) = note_from(form)? else {
                return Err(ApiError::field("entry", "This field is required."));
            };
            let note = attach_finding_note(tx, caller, current.id, &note).await?;
            let (section, url) = (
                format!("Finding {}", current.id),
                format!("/finding/{}", current.id),
            );
            crate::notifications::mentions::notify_mentions(
                tx,
                &caller.user,
                &note,
                &section,
                &url,
            )
            .await?;
            return Ok(Vec::new());
        }
        "mktemplate" => {
            templates::create_from_finding(tx, caller, current).await?;
            return Ok(Vec::new());
        }
        "apply_template" => {
            let template_id = form
                .get("template")
                .and_then(|t| t.parse::<Id>().ok())
                .ok_or_else(|| ApiError::field("template", "Choose a template."))?;
            let template: FindingTemplate =
                repo::finding_templates::find(tx, template_id)
                    .await?
                    .ok_or_else(|| ApiError::field("template", "Choose a template."))?;
            templates::apply(tx, caller, current, &template, now).await?
        }
        _ => return Err(ApiError::NotFound),
    };
    Ok(saved.deleted_files)
}

/// `POST /finding/{id}/files`: a multipart form with the CSRF field first,
/// `title` and `file`; checked and stored as the API's upload is.
async fn upload(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> PageResult {
    let secret = user.0.csrf_secret.clone();
    let viewer = Viewer::of(&state, user).await?;
    let finding_id = {
        let mut conn = state.db.conn().await?;
        let finding = findings::visible(&mut conn, &viewer.caller, &id).await?;
        transitions::require(&mut conn, &viewer.caller, &finding, Permission::FindingEdit).await?;
        finding.id
    };
    let mut form = UploadForm::default();
    let mut csrf_checked = false;
    let bad = |e: axum::extract::multipart::MultipartError| PageError::BadRequest(e.body_text());
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrfmiddlewaretoken" {
            let token = field.text().await.map_err(bad)?;
            session::check_form(&state, &headers, Some(&token), &secret)
                .map_err(|reason| PageError::Response(pages::csrf_failure(&reason)))?;
            csrf_checked = true;
            continue;
        }
        // Nothing is stored before the token has been checked.
        if !csrf_checked {
            return Err(PageError::Response(pages::csrf_failure(
                "CSRF token missing.",
            )));
        }
        match field.file_name().map(str::to_owned) {
            Some(file_name) if name == "file" && !file_name.is_empty() => {
                form.file_name = Some(file_name.clone());
                match state.files.check_extension(&file_name) {
                    Ok(ext) => {
                        let mut staged = state
                            .files
                            .create(Category::Uploaded, &ext)
                            .await
                            .map_err(|e| PageError::Internal(e.to_string()))?;
                        while let Some(chunk) = field.chunk().await.map_err(bad)? {
                            let size = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
                            if staged.len().saturating_add(size) > state.files.max_bytes() {
                                return Ok(back_with_error(
                                    finding_id,
                                    &state.files.too_large_message(),
                                ));
                            }
                            staged
                                .write(&chunk)
                                .await
                                .map_err(|e| PageError::Internal(e.to_string()))?;
                        }
                        staged
                            .finish()
                            .await
                            .map_err(|e| PageError::Internal(e.to_string()))?;
                        if staged.is_empty() {
                            form.errors
                                .entry("file".into())
                                .or_default()
                                .push("The submitted file is empty.".into());
                        } else {
                            form.file = Some(staged);
                        }
                    }
                    Err(message) => form.extension_error = Some(message),
                }
            }
            Some(_) => {}
            None => {
                let text = field.text().await.map_err(bad)?;
                form.fields.insert(name, text);
            }
        }
    }
    if !csrf_checked {
        return Err(PageError::Response(pages::csrf_failure(
            "CSRF token missing.",
        )));
    }
    let tx = state.db.begin().await?;
    match object_files::store_upload(tx, Parent::Finding, finding_id, form).await {
        Ok(_) => Ok(pages::redirect(&format!("/finding/{finding_id}"))),
        Err(error) => Ok(refused(finding_id, error)),
    }
}

/// The edit form's fields, in order: (name, label, kind).
const EDIT_FIELDS: &[(&str, &str, &str)] = &[
    ("title", "Title", "text"),
    ("severity", "Severity", "severity"),
    ("description", "Description", "area"),
    ("mitigation", "Mitigation", "area"),
    ("impact", "Impact", "area"),
    ("steps_to_reproduce", "Steps to reproduce", "area"),
    ("references", "References", "area"),
    ("cwe", "CWE", "text"),
    ("cvssv3_score", "CVSS v3 score", "text"),
    ("component_name", "Component name", "text"),
    ("component_version", "Component version", "text"),
    ("file_path", "File path", "text"),
    ("line", "Line", "text"),
    ("tags", "Tags (comma separated)", "text"),
    (
        "planned_remediation_date",
        "Planned remediation date",
        "date",
    ),
];

/// Fields the API reads as numbers or dates: an empty one is sent as null.
const NULLABLE: &[&str] = &[
    "mitigation",
    "impact",
    "steps_to_reproduce",
    "references",
    "cvssv3_score",
    "component_name",
    "component_version",
    "file_path",
    "line",
    "planned_remediation_date",
];

pub struct EditField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "finding_edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub id: i64,
    pub title: String,
    pub fields: Vec<EditField>,
    pub severities: [&'static str; 5],
    pub other_errors: Vec<String>,
}

fn current_values(f: &Finding, tags: &[String]) -> BTreeMap<&'static str, String> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    BTreeMap::from([
        ("title", f.title.clone()),
        ("severity", f.severity.to_string()),
        ("description", f.description.clone()),
        ("mitigation", text(&f.mitigation)),
        ("impact", text(&f.impact)),
        ("steps_to_reproduce", text(&f.steps_to_reproduce)),
        ("references", text(&f.refs)),
        ("cwe", f.cwe.to_string()),
        (
            "cvssv3_score",
            f.cvssv3_score.map(|s| s.to_string()).unwrap_or_default(),
        ),
        ("component_name", text(&f.component_name)),
        ("component_version", text(&f.component_version)),
        ("file_path", text(&f.file_path)),
        ("line", f.line.map(|l| l.to_string()).unwrap_or_default()),
        ("tags", tags.join(", ")),
        (
            "planned_remediation_date",
            f.planned_remediation_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ])
}

fn edit_page(
    viewer: &Viewer,
    f: &Finding,
    values: &BTreeMap<&'static str, String>,
    mut errors: BTreeMap<String, Vec<String>>,
) -> EditPage {
    let fields = EDIT_FIELDS
        .iter()
        .map(|(name, label, kind)| EditField {
            name,
            label,
            kind,
            value: values.get(name).cloned().unwrap_or_default(),
            errors: errors.remove(*name).unwrap_or_default(),
        })
        .collect();
    EditPage {
        chrome: viewer.chrome("findings"),
        id: f.id,
        title: f.title.clone(),
        fields,
        severities: SEVERITIES,
        other_errors: errors
            .iter()
            .map(|(field, messages)| super::page_error::field_message(field, messages))
            .collect(),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let f = findings::permitted(&mut conn, &viewer.caller, &id, Permission::FindingEdit).await?;
    let tags = tags::get(&mut conn, Tagged::Finding, f.id).await?;
    let values = current_values(&f, &tags);
    Ok(pages::render(
        StatusCode::OK,
        &edit_page(&viewer, &f, &values, BTreeMap::new()),
    ))
}

/// Saves the edit form through the API's PATCH (its validation and save
/// rules); field errors come back in the form with what was typed.
async fn edit_save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, form }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let form = ListQuery::from_pairs("", form);
    let current = {
        let mut conn = state.db.conn().await?;
        findings::permitted(&mut conn, &viewer.caller, &id, Permission::FindingEdit).await?
    };
    let mut body = RequestFields::default();
    let mut typed: BTreeMap<&'static str, String> = BTreeMap::new();
    for (name, _, _) in EDIT_FIELDS {
        let raw = form.value(name).to_owned();
        let value = if *name == "tags" {
            Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| Value::String(t.to_owned()))
                    .collect(),
            )
        } else if raw.is_empty() && NULLABLE.contains(name) {
            Value::Null
        } else {
            Value::String(raw.clone())
        };
        body.values.insert((*name).to_owned(), vec![value]);
        typed.insert(name, raw);
    }
    match finding_edit::update(&state, &viewer.caller, &id, Mode::Partial, &body).await {
        Ok(saved) => Ok(pages::redirect(&format!("/finding/{}", saved.id))),
        Err(ApiError::Fields(errors)) => Ok(pages::render(
            StatusCode::BAD_REQUEST,
            &edit_page(&viewer, &current, &typed, errors),
        )),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "finding_delete.html")]
pub struct DeletePage {
    pub chrome: Chrome,
    pub id: i64,
    pub title: String,
    pub notes: i64,
    pub files: i64,
    pub duplicates: i64,
}

async fn delete_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let f = findings::permitted(&mut conn, &viewer.caller, &id, Permission::FindingDelete).await?;
    let count = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE finding_id = $1");
    let mut counts = Vec::new();
    for sql in [
        count("finding_notes"),
        count("finding_files"),
        "SELECT COUNT(*) FROM finding WHERE duplicate_finding_id = $1".to_owned(),
    ] {
        let n: Vec<(i64,)> = bulk::fetch_all(&mut conn, &sql, &[f.id.into()]).await?;
        counts.push(n.first().map_or(0, |(n,)| *n));
    }
    Ok(pages::render(
        StatusCode::OK,
        &DeletePage {
            chrome: viewer.chrome("findings"),
            id: f.id,
            title: f.title.clone(),
            notes: counts[0],
            files: counts[1],
            duplicates: counts[2],
        },
    ))
}

/// Deletes as the API's DELETE does (Finding_Delete; duplicates get a new
/// original), then goes to the findings list.
async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ViewerForm { viewer, .. }: ViewerForm<Vec<(String, String)>>,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    let f = findings::permitted(&mut conn, &viewer.caller, &id, Permission::FindingDelete).await?;
    drop(conn);
    let deleted = cascade::delete_finding(&state.db, f.id).await?;
    state.files.remove(&deleted.files).await;
    Ok(pages::redirect("/finding?deleted=1"))
}
