//! `/api/v2/users/` and `/api/v2/user_contact_infos/` (api.md §3.10).
//!
//! Both are configuration: DefectDojo lets superusers and holders of Django's
//! `auth.*_user` permissions in; Dojo grants no Django permissions, so only
//! superusers (403 for everyone else, even on GET). `reset_api_token` is
//! open to superusers and global Owners, never for oneself.

use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dojo_domain::entities::{User, UserContactInfo};
use dojo_domain::Role;
use dojo_storage::bulk;
use dojo_storage::repo::{user_contact_infos, users};
use dojo_storage::{Conn, StorageError};
use serde_json::{json, Value};

use crate::accounts;
use crate::api::fields::Mode;
use crate::api::list::{self, Filters, QueryParams};
use crate::api::prefetch::{self, own, Target};
use crate::api::resource::{render_single, with_prefetch};
use crate::api::shapes::users as shape;
use crate::api::{references, RequestFields};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

const MODEL: &str = "User";
const CONTACT_MODEL: &str = "UserContactInfo";

pub fn routes() -> Router<AppState> {
    let collection = get(list_users).post(create_user);
    let item = get(retrieve_user)
        .put(update_user)
        .patch(update_user)
        .delete(delete_user);
    let contacts = get(list_contacts).post(create_contact);
    let contact = get(retrieve_contact)
        .put(update_contact)
        .patch(update_contact)
        .delete(delete_contact);
    Router::new()
        .route("/api/v2/users/", collection.clone())
        .route("/api/v2/users", collection)
        .route("/api/v2/users/{id}/", item.clone())
        .route("/api/v2/users/{id}", item)
        .route("/api/v2/users/{id}/reset_api_token/", post(reset_api_token))
        .route("/api/v2/users/{id}/reset_api_token", post(reset_api_token))
        .route("/api/v2/user_contact_infos/", contacts.clone())
        .route("/api/v2/user_contact_infos", contacts)
        .route("/api/v2/user_contact_infos/{id}/", contact.clone())
        .route("/api/v2/user_contact_infos/{id}", contact)
}

pub(crate) fn require_superuser(caller: &Caller) -> Result<(), ApiError> {
    if caller.access.superuser {
        Ok(())
    } else {
        Err(ApiError::denied())
    }
}

/// `o` values (api.md §3.10).
pub const ORDERING: &[(&str, &str)] = &[
    ("username", "u.username"),
    ("last_name", "u.last_name"),
    ("first_name", "u.first_name"),
    ("email", "u.email"),
    ("is_active", "u.is_active"),
    ("is_superuser", "u.is_superuser"),
    ("date_joined", "u.date_joined"),
    ("last_login", "u.last_login"),
];

/// Text filters matched exactly.
pub const EXACT: &[(&str, &str)] = &[
    ("username", "u.username"),
    ("first_name", "u.first_name"),
    ("last_name", "u.last_name"),
];

/// Day ranges: (parameter, column, comparison with the day's start or end).
pub const RANGES: &[(&str, &str, &str)] = &[
    ("date_joined_after", "u.date_joined", ">="),
    ("date_joined_before", "u.date_joined", "<"),
    ("last_login_after", "u.last_login", ">="),
    ("last_login_before", "u.last_login", "<"),
];

fn user_filters(q: &QueryParams) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    f.ids(q, "id", "u.id");
    for (name, column) in EXACT {
        f.exact(q, name, column);
    }
    f.contains(q, "email", "u.email");
    f.boolean(q, "is_active", "u.is_active");
    f.boolean(q, "is_superuser", "u.is_superuser");
    // django-filter's DateFromToRangeFilter: `_after` from the day's start,
    // `_before` up to the day's end.
    for (name, column, op) in RANGES {
        let Some(value) = q.get(name) else { continue };
        let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") else {
            return Err(ApiError::field(name, "Enter a valid date."));
        };
        let day = if *op == "<" {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        let at = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        f.params.push(bulk::Param::Instant(Some(at)));
        let n = f.params.len();
        f.push(Some(format!("{column} {op} ${n}")));
    }
    f.check()?;
    Ok(f)
}

const LISTING: list::Listing = list::Listing {
    select: "u.*",
    from: "dojo_user u",
    ordering: Some(ORDERING),
    id: "u.id",
    prefetch: None,
};

/// The contact information of each user, for the reset times.
async fn contacts_of(
    conn: &mut Conn,
    user_ids: &[i64],
) -> Result<std::collections::HashMap<i64, UserContactInfo>, ApiError> {
    let rows: Vec<UserContactInfo> = bulk::fetch_in(conn, &[], user_ids, |list| {
        format!("SELECT * FROM user_contact_info WHERE user_id IN ({list})")
    })
    .await?;
    Ok(rows.into_iter().map(|c| (c.user_id, c)).collect())
}

async fn render_users(conn: &mut Conn, rows: &[User]) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let contacts = contacts_of(conn, &ids).await?;
    Ok(rows
        .iter()
        .map(|u| shape::user_json(u, contacts.get(&u.id)))
        .collect())
}

async fn render_user(conn: &mut Conn, row: &User) -> Result<Value, ApiError> {
    Ok(render_users(conn, std::slice::from_ref(row))
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    parts: Parts,
) -> Result<Json<Value>, ApiError> {
    require_superuser(&caller)?;
    let mut conn = state.db.conn().await?;
    let body = list::respond(
        &mut conn,
        &caller,
        &parts,
        raw.as_deref(),
        &LISTING,
        user_filters,
        render_users,
    )
    .await?;
    Ok(Json(body))
}

pub(crate) async fn find_user(conn: &mut Conn, id: &str) -> Result<User, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(MODEL))?;
    users::find(conn, id).await?.ok_or(ApiError::NoMatch(MODEL))
}

async fn retrieve_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    require_superuser(&caller)?;
    let mut conn = state.db.conn().await?;
    let row = find_user(&mut conn, &id).await?;
    Ok(Json(render_user(&mut conn, &row).await?))
}

const USERNAME_TAKEN: &str = "A user with that username already exists.";

async fn check_username(conn: &mut Conn, row: &User) -> Result<(), ApiError> {
    let username = row.username.clone().into();
    if references::held_by_another(conn, "dojo_user", "username", username, row.id).await? {
        return Err(ApiError::field("username", USERNAME_TAKEN));
    }
    Ok(())
}

fn username_taken(err: StorageError) -> ApiError {
    match err {
        StorageError::Duplicate { .. } => ApiError::field("username", USERNAME_TAKEN),
        other => other.into(),
    }
}

async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_superuser(&caller)?;
    let (row, password) = shape::read_user(&body, Mode::Create, None).map_err(ApiError::Fields)?;
    let mut tx = state.db.begin().await?;
    let saved = insert_user(&mut tx, row, &password.unwrap_or_default()).await?;
    let body = render_user(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// Stores a new user read from a body, after the username check and the
/// password policy (the API's POST and the web's add form).
pub(crate) async fn insert_user(
    tx: &mut Conn,
    mut row: User,
    password: &str,
) -> Result<User, ApiError> {
    check_username(tx, &row).await?;
    accounts::check_password_policy(tx, password).await?;
    row.password = accounts::hash_password(password).await?;
    users::insert(tx, &row).await.map_err(username_taken)
}

/// PUT (every field) and PATCH (the fields given); never the password.
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    require_superuser(&caller)?;
    let mut tx = state.db.begin().await?;
    let current = find_user(&mut tx, &id).await?;
    let (row, _) =
        shape::read_user(&body, Mode::of(&method), Some(&current)).map_err(ApiError::Fields)?;
    let saved = save_user(&mut tx, &current, &row).await?;
    let body = render_user(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// Stores a changed user (`current` as it was), ending its sessions when
/// deactivated (the API's PUT and PATCH, the web's edit form).
pub(crate) async fn save_user(tx: &mut Conn, current: &User, row: &User) -> Result<User, ApiError> {
    check_username(tx, row).await?;
    let saved = users::update(tx, row).await.map_err(username_taken)?;
    accounts::end_sessions_after_change(tx, current, &saved).await?;
    Ok(saved)
}

async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require_superuser(&caller)?;
    let mut conn = state.db.conn().await?;
    let row = find_user(&mut conn, &id).await?;
    match remove_user(&mut conn, &caller, &row).await? {
        Removal::Removed => Ok(StatusCode::NO_CONTENT.into_response()),
        // DefectDojo answers this refusal with a bare JSON string.
        Removal::Yourself => {
            Ok((StatusCode::BAD_REQUEST, Json(json!(NOT_YOURSELF))).into_response())
        }
    }
}

pub(crate) const NOT_YOURSELF: &str = "Users may not delete themselves";

/// What deleting a user came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    Removed,
    /// The caller asked to delete themselves, which is refused.
    Yourself,
}

/// Deletes `row` unless it is the caller or other objects refer to it.
pub(crate) async fn remove_user(
    conn: &mut Conn,
    caller: &Caller,
    row: &User,
) -> Result<Removal, ApiError> {
    if row.id == caller.user.id {
        return Ok(Removal::Yourself);
    }
    match users::delete(conn, row.id).await {
        Ok(()) => Ok(Removal::Removed),
        // Users named as lead, reporter, owner… are kept (ON DELETE RESTRICT).
        Err(StorageError::InUse { .. }) => Err(ApiError::Conflict(format!(
            "Cannot delete User \"{}\": other objects refer to it.",
            row.username
        ))),
        Err(other) => Err(other.into()),
    }
}

/// `POST users/{id}/reset_api_token/`: a new token for another user, 204.
async fn reset_api_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let global_owner = caller.access.global_role == Some(Role::Owner);
    if !caller.access.superuser && !global_owner {
        return Err(ApiError::denied());
    }
    let mut conn = state.db.conn().await?;
    let target = find_user(&mut conn, &id).await?;
    if target.id == caller.user.id {
        return Err(ApiError::List(vec![
            "Resetting your own API token via this endpoint is not allowed.".into(),
        ]));
    }
    drop(conn);
    accounts::reset_token(&state.db, &state.secret, target.id).await?;
    let mut conn = state.db.conn().await?;
    record_token_reset(&mut conn, target.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Notes the reset in the user's contact information (created if absent).
async fn record_token_reset(conn: &mut Conn, user_id: i64) -> Result<(), ApiError> {
    let now = chrono::Utc::now();
    let existing: Vec<UserContactInfo> = bulk::fetch_all(
        conn,
        "SELECT * FROM user_contact_info WHERE user_id = $1",
        &[user_id.into()],
    )
    .await?;
    match existing.into_iter().next() {
        Some(contact) => {
            user_contact_infos::update(
                conn,
                &UserContactInfo {
                    token_last_reset: Some(now),
                    ..contact
                },
            )
            .await?;
        }
        None => {
            user_contact_infos::insert(
                conn,
                &UserContactInfo {
                    user_id,
                    token_last_reset: Some(now),
                    ..UserContactInfo::default()
                },
            )
            .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Contact information.

/// Text filters of contact information, matched exactly.
pub const CONTACT_EXACT: &[(&str, &str)] = &[
    ("title", "c.title"),
    ("phone_number", "c.phone_number"),
    ("cell_number", "c.cell_number"),
    ("twitter_username", "c.twitter_username"),
    ("github_username", "c.github_username"),
    ("slack_username", "c.slack_username"),
    ("slack_user_id", "c.slack_user_id"),
];

fn contact_filters(q: &QueryParams) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    f.ids(q, "id", "c.id");
    f.ids(q, "user", "c.user_id");
    for (name, column) in CONTACT_EXACT {
        f.exact(q, name, column);
    }
    f.boolean(q, "block_execution", "c.block_execution");
    f.boolean(q, "force_password_reset", "c.force_password_reset");
    f.instant_into(q, "token_last_reset", "c.token_last_reset = {}");
    f.instant_into(q, "password_last_reset", "c.password_last_reset = {}");
    f.check()?;
    Ok(f)
}

/// What `?prefetch=` may name on contact information.
pub(crate) const CONTACT_PREFETCH: prefetch::Fields = &[own("user", Target::User)];

const CONTACT_LISTING: list::Listing = list::Listing {
    select: "c.*",
    from: "user_contact_info c",
    ordering: None,
    id: "c.id",
    prefetch: Some(CONTACT_PREFETCH),
};

async fn render_contacts(
    conn: &mut Conn,
    rows: &[UserContactInfo],
) -> Result<Vec<Value>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|c| c.user_id).collect();
    let people: Vec<User> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT * FROM dojo_user WHERE id IN ({list})")
    })
    .await?;
    let people: std::collections::HashMap<i64, User> =
        people.into_iter().map(|u| (u.id, u)).collect();
    Ok(rows
        .iter()
        .filter_map(|c| people.get(&c.user_id).map(|u| shape::contact_json(c, u)))
        .collect())
}

async fn render_contact(conn: &mut Conn, row: &UserContactInfo) -> Result<Value, ApiError> {
    let body = render_contacts(conn, std::slice::from_ref(row))
        .await?
        .pop()
        .unwrap_or(Value::Null);
    Ok(with_prefetch(body))
}

async fn list_contacts(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    parts: Parts,
) -> Result<Json<Value>, ApiError> {
    require_superuser(&caller)?;
    let mut conn = state.db.conn().await?;
    let body = list::respond(
        &mut conn,
        &caller,
        &parts,
        raw.as_deref(),
        &CONTACT_LISTING,
        contact_filters,
        render_contacts,
    )
    .await?;
    Ok(Json(body))
}

async fn find_contact(conn: &mut Conn, id: &str) -> Result<UserContactInfo, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NoMatch(CONTACT_MODEL))?;
    user_contact_infos::find(conn, id)
        .await?
        .ok_or(ApiError::NoMatch(CONTACT_MODEL))
}

async fn retrieve_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    require_superuser(&caller)?;
    let mut conn = state.db.conn().await?;
    let row = find_contact(&mut conn, &id).await?;
    let body = render_single(&mut conn, &row, render_contacts).await?;
    let body = prefetch::detail(&mut conn, &caller, raw.as_deref(), CONTACT_PREFETCH, body).await?;
    Ok(Json(body))
}

const CONTACT_TAKEN: &str = "user contact info with this user already exists.";

/// The user exists, has no other contact information, and (DefectDojo's
/// rule) may be forced to reset a password only if it has one.
async fn check_contact(conn: &mut Conn, row: &UserContactInfo) -> Result<(), ApiError> {
    let Some(user) = users::find(conn, row.user_id).await? else {
        return Err(ApiError::field(
            "user",
            format!("Invalid pk \"{}\" - object does not exist.", row.user_id),
        ));
    };
    if references::held_by_another(
        conn,
        "user_contact_info",
        "user_id",
        row.user_id.into(),
        row.id,
    )
    .await?
    {
        return Err(ApiError::field("user", CONTACT_TAKEN));
    }
    if row.force_password_reset && user.password.is_empty() {
        return Err(ApiError::field(
            "non_field_errors",
            "Password resets are not allowed for users authorized through SSO.",
        ));
    }
    Ok(())
}

fn contact_taken(err: StorageError) -> ApiError {
    match err {
        StorageError::Duplicate { .. } => ApiError::field("user", CONTACT_TAKEN),
        other => other.into(),
    }
}

async fn create_contact(
    State(state): State<AppState>,
    caller: Caller,
    body: RequestFields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_superuser(&caller)?;
    let row = shape::read_contact(&body, Mode::Create, None).map_err(ApiError::Fields)?;
    let mut tx = state.db.begin().await?;
    check_contact(&mut tx, &row).await?;
    let saved = user_contact_infos::insert(&mut tx, &row)
        .await
        .map_err(contact_taken)?;
    let body = render_contact(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// PUT (every field) and PATCH (the fields given).
async fn update_contact(
    State(state): State<AppState>,
    caller: Caller,
    method: Method,
    Path(id): Path<String>,
    body: RequestFields,
) -> Result<Json<Value>, ApiError> {
    require_superuser(&caller)?;
    let mut tx = state.db.begin().await?;
    let current = find_contact(&mut tx, &id).await?;
    let row =
        shape::read_contact(&body, Mode::of(&method), Some(&current)).map_err(ApiError::Fields)?;
    check_contact(&mut tx, &row).await?;
    let saved = user_contact_infos::update(&mut tx, &row)
        .await
        .map_err(contact_taken)?;
    let body = render_contact(&mut tx, &saved).await?;
    tx.commit().await?;
    Ok(Json(body))
}

async fn delete_contact(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_superuser(&caller)?;
    let mut conn = state.db.conn().await?;
    let row = find_contact(&mut conn, &id).await?;
    user_contact_infos::delete(&mut conn, row.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
