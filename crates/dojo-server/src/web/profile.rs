//! The signed-in user's own pages: `/profile` (details, roles, names and
//! e-mail address), `/change_password`, the API token (`/api/key-v2`, the
//! same token `/api/v2/api-token-auth/` hands out) and `/alerts`.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use dojo_domain::entities::User;
use dojo_storage::repo::{alerts, api_tokens};

use super::listing::{ListQuery, Pager};
use super::pages::{self, Chrome};
use super::session;
use super::sla_configs::{form_messages, request_fields};
use super::users::{roles_of, Roles};
use super::{PageError, PageResult, Viewer, ViewerForm};
use crate::accounts;
use crate::api::fields::Mode;
use crate::api::shapes::users as shape;
use crate::api::users as api_users;
use crate::error::ApiError;
use crate::AppState;

type Form = ViewerForm<Vec<(String, String)>>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/profile", get(show).post(save))
        .route("/change_password", get(password_form).post(change_password))
        .route("/api/key-v2", get(token_page).post(new_token))
        .route("/alerts", get(alert_list).post(delete_selected))
        .route("/delete_alerts", post(delete_alerts))
}

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    pub chrome: Chrome,
    pub user: User,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub roles: Roles,
    pub token_created: Option<String>,
    pub saved: bool,
    pub errors: Vec<String>,
}

async fn profile_page(
    state: &AppState,
    viewer: &Viewer,
    user: User,
    saved: bool,
    errors: Vec<String>,
) -> Result<ProfilePage, PageError> {
    let mut conn = state.db.conn().await?;
    let roles = roles_of(&mut conn, user.id).await?;
    let token = api_tokens::find_for_user(&mut conn, user.id).await?;
    Ok(ProfilePage {
        chrome: viewer.chrome("profile"),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        email: user.email.clone(),
        user,
        roles,
        token_created: token.map(|t| super::format::instant(t.created)),
        saved,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let saved = ListQuery::parse("/profile", raw.as_deref())
        .get("saved")
        .is_some();
    let user = viewer.caller.user.clone();
    let page = profile_page(&state, &viewer, user, saved, Vec::new()).await?;
    Ok(pages::render(StatusCode::OK, &page))
}

/// Only the names and the e-mail address are the user's to change; they are
/// read and checked as the API's user body reads them.
async fn save_names(
    state: &AppState,
    viewer: &Viewer,
    form: &[(String, String)],
) -> Result<User, ApiError> {
    // The API does not let an address be blanked; an empty one leaves it as
    // it is, so that someone without one can still change their names.
    let kept: Vec<(String, String)> = form
        .iter()
        .filter(|(k, v)| match k.as_str() {
            "first_name" | "last_name" => true,
            "email" => !v.trim().is_empty(),
            _ => false,
        })
        .cloned()
        .collect();
    let mut body = request_fields(&kept, &[], &[]);
    // A blank name is a value here (it clears the name), not an absent field.
    for name in ["first_name", "last_name"] {
        body.values
            .entry(name.to_owned())
            .or_insert_with(|| vec![serde_json::Value::String(String::new())]);
    }
    let mut tx = state.db.begin().await?;
    let current = api_users::find_user(&mut tx, &viewer.caller.user.id.to_string()).await?;
    let (row, _) =
        shape::read_user(&body, Mode::Partial, Some(&current)).map_err(ApiError::Fields)?;
    let saved = api_users::save_user(&mut tx, &current, &row).await?;
    tx.commit().await?;
    Ok(saved)
}

async fn save(State(state): State<AppState>, ViewerForm { viewer, form }: Form) -> PageResult {
    match save_names(&state, &viewer, &form).await {
        Ok(_) => Ok(pages::redirect("/profile?saved=1")),
        Err(error) => {
            let errors = form_messages(error)?;
            let posted = ListQuery::from_pairs("", form);
            let mut page =
                profile_page(&state, &viewer, viewer.caller.user.clone(), false, errors).await?;
            page.first_name = posted.value("first_name").to_owned();
            page.last_name = posted.value("last_name").to_owned();
            page.email = posted.value("email").to_owned();
            Ok(pages::render(StatusCode::BAD_REQUEST, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "profile_password.html")]
pub struct PasswordPage {
    pub chrome: Chrome,
    pub errors: Vec<String>,
    pub changed: bool,
}

async fn password_form(viewer: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let changed = ListQuery::parse("/change_password", raw.as_deref())
        .get("changed")
        .is_some();
    Ok(pages::render(
        StatusCode::OK,
        &PasswordPage {
            chrome: viewer.chrome("profile"),
            errors: Vec::new(),
            changed,
        },
    ))
}

/// `POST /change_password`: the current password, then the new one twice,
/// checked against the password policy. The user's other sessions end (as
/// after any password change); this browser gets a new session, as Django
/// keeps the user signed in where the password was changed.
async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ViewerForm { viewer, form }: Form,
) -> PageResult {
    let form = ListQuery::from_pairs("", form);
    let user = &viewer.caller.user;
    let mut errors = Vec::new();
    let current = form.value("current_password");
    let new = form.value("new_password");
    if current.is_empty() || !accounts::verify_password(current, &user.password).await {
        errors.push("Your current password was entered incorrectly.".to_owned());
    } else if new.is_empty() {
        errors.push("new password: This field is required.".to_owned());
    } else if new != form.value("confirm_password") {
        errors.push("The two password fields didn't match.".to_owned());
    } else if new == current {
        errors.push("The new password must be different from the current one.".to_owned());
    }
    if errors.is_empty() {
        match accounts::set_password(&state.db, &user.username, new).await {
            Ok(saved) => {
                let (key, active) = session::start(&state, &saved).await?;
                let cookies = session::session_cookies(&state.sessions, &headers, &key, &active);
                return Ok(session::with_cookies(
                    pages::redirect("/change_password?changed=1"),
                    cookies,
                ));
            }
            Err(accounts::AccountError::WeakPassword(problems)) => errors = problems,
            Err(other) => return Err(ApiError::from(other).into()),
        }
    }
    Ok(pages::render(
        StatusCode::BAD_REQUEST,
        &PasswordPage {
            chrome: viewer.chrome("profile"),
            errors,
            changed: false,
        },
    ))
}

#[derive(Template)]
#[template(path = "profile_token.html")]
pub struct TokenPage {
    pub chrome: Chrome,
    pub created: Option<String>,
    /// The new key, shown once, right after it was made.
    pub key: Option<String>,
}

async fn token_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let mut conn = state.db.conn().await?;
    let token = api_tokens::find_for_user(&mut conn, viewer.caller.user.id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &TokenPage {
            chrome: viewer.chrome("profile"),
            created: token.map(|t| super::format::instant(t.created)),
            key: None,
        },
    ))
}

/// `POST /api/key-v2`: a new key replaces the old one, which stops working.
async fn new_token(State(state): State<AppState>, ViewerForm { viewer, .. }: Form) -> PageResult {
    let user_id = viewer.caller.user.id;
    let key = accounts::reset_token(&state.db, &state.secret, user_id)
        .await
        .map_err(ApiError::from)?;
    let mut conn = state.db.conn().await?;
    let token = api_tokens::find_for_user(&mut conn, user_id).await?;
    Ok(pages::render(
        StatusCode::OK,
        &TokenPage {
            chrome: viewer.chrome("profile"),
            created: token.map(|t| super::format::instant(t.created)),
            key: Some(key),
        },
    ))
}

pub struct AlertRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub url: String,
    pub source: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    pub chrome: Chrome,
    pub rows: Vec<AlertRow>,
    pub pager: Pager,
}

/// A link of an alert if it is a path on this server (alerts carry the
/// paths of what they are about; anything else is not followed).
fn local_url(url: Option<String>) -> String {
    url.filter(|u| pages::safe_next(u).is_some())
        .unwrap_or_default()
}

async fn alert_list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let query = ListQuery::parse("/alerts", raw.as_deref());
    let paging = query.paging();
    let user_id = viewer.caller.user.id;
    let mut conn = state.db.conn().await?;
    let total = alerts::count_for_user(&mut conn, user_id).await?;
    let rows = alerts::list_for_user(&mut conn, user_id, paging.size, paging.offset()).await?;
    let shown = rows.len();
    let rows = rows
        .into_iter()
        .map(|a| AlertRow {
            id: a.id,
            title: a.title,
            description: a.description.unwrap_or_default(),
            url: local_url(a.url),
            source: a.source,
            created: super::format::instant(a.created),
        })
        .collect();
    Ok(pages::render(
        StatusCode::OK,
        &AlertsPage {
            chrome: viewer.chrome("alerts"),
            rows,
            pager: Pager::new(&query, paging, total, shown),
        },
    ))
}

/// `POST /alerts`: removes the ticked alerts (`alert_select`) of the viewer;
/// ids of other users' alerts match nothing.
async fn delete_selected(
    State(state): State<AppState>,
    ViewerForm { viewer, form }: Form,
) -> PageResult {
    let ids = ListQuery::from_pairs("", form).ids("alert_select");
    let mut conn = state.db.conn().await?;
    for id in ids {
        alerts::delete_for_user(&mut conn, viewer.caller.user.id, id).await?;
    }
    Ok(pages::redirect("/alerts"))
}

async fn delete_alerts(
    State(state): State<AppState>,
    ViewerForm { viewer, .. }: Form,
) -> PageResult {
    let mut conn = state.db.conn().await?;
    alerts::delete_all_for_user(&mut conn, viewer.caller.user.id).await?;
    Ok(pages::redirect("/alerts"))
}
