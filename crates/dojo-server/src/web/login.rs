//! `GET`/`POST /login` and `POST /logout`.
//!
//! Sign-in follows Django's `LoginView`: the form carries a CSRF token matched
//! against the `csrftoken` cookie (there is no session yet), a wrong name, wrong
//! password and inactive account all get the same message with 200, and success
//! opens a new session with a new CSRF secret and redirects to `next` when that is a
//! local path. Failures are counted per username and per client address
//! ([`LoginLimit`](super::session::LoginLimit)); over the limit the form answers 429
//! without checking the password, until the window has passed.

use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dojo_storage::repo::sessions as stored;
use serde::Deserialize;

use super::csrf;
use super::pages::{self, Chrome, LoginPage};
use super::session;
use crate::accounts;
use crate::AppState;

/// Django's `AuthenticationForm` message, the same whatever was wrong.
const INVALID_LOGIN: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";
const TOO_MANY: &str =
    "Too many failed sign-in attempts. Please wait a few minutes before trying again.";

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// The CSRF secret of a browser without a session: the one its `csrftoken` cookie
/// holds, or a new one (which the response then sets).
fn anonymous_secret(headers: &HeaderMap) -> Option<String> {
    session::cookie(headers, session::CSRF_COOKIE).and_then(|v| csrf::secret_of(v).ok())
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<&str>,
) -> Response {
    let secret = anonymous_secret(headers).unwrap_or_else(csrf::new_secret);
    let page = LoginPage {
        chrome: Chrome::default(),
        csrf_token: csrf::mask(&secret),
        username: username.to_owned(),
        next: pages::safe_next(next).unwrap_or_default().to_owned(),
        error: error.map(str::to_owned),
    };
    let cookie = session::csrf_cookie(&state.sessions, headers, &csrf::mask(&secret));
    session::with_cookies(pages::render(status, &page), vec![cookie])
}

/// `GET /login`: the form, or straight on to `next` for a signed-in browser.
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    match session::current(&state, &headers).await {
        Ok(Some(_)) => pages::redirect(pages::safe_next(&query.next).unwrap_or("/")),
        Ok(None) => login_page(&state, &headers, StatusCode::OK, "", &query.next, None),
        Err(error) => pages::internal_error(&error),
    }
}

/// The posted sign-in form; every field optional so that a bad post gets the form back.
#[derive(Debug, Default)]
struct LoginForm {
    username: String,
    password: String,
    token: Option<String>,
    next: String,
}

impl LoginForm {
    fn parse(body: &[u8]) -> Self {
        let mut form = LoginForm::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            match name.as_ref() {
                "username" if form.username.is_empty() => form.username = value.into_owned(),
                "password" if form.password.is_empty() => form.password = value.into_owned(),
                csrf::FORM_FIELD if form.token.is_none() => form.token = Some(value.into_owned()),
                "next" if form.next.is_empty() => form.next = value.into_owned(),
                _ => {}
            }
        }
        form
    }
}

/// `POST /login`.
pub async fn submit(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 64 * 1024).await else {
        return pages::bad_request("The sign-in form is too large.");
    };
    let form = LoginForm::parse(&body);
    let headers = &parts.headers;

    // CSRF first, as Django's middleware runs before the view: the form's token must
    // match the browser's cookie.
    let Some(secret) = anonymous_secret(headers) else {
        let origin = csrf::check_origin(headers, state.sessions.is_https(headers));
        let reason = origin
            .err()
            .unwrap_or_else(|| "CSRF cookie not set.".to_owned());
        return pages::csrf_failure(&reason);
    };
    if let Err(reason) = session::check_form(&state, headers, form.token.as_deref(), &secret) {
        return pages::csrf_failure(&reason);
    }

    match sign_in(&state, &parts, &form).await {
        Ok(response) => response,
        Err(error) => pages::internal_error(&error),
    }
}

async fn sign_in(
    state: &AppState,
    parts: &Parts,
    form: &LoginForm,
) -> Result<Response, accounts::AccountError> {
    let headers = &parts.headers;
    let form_again = |status, error| {
        login_page(
            state,
            headers,
            status,
            &form.username,
            &form.next,
            Some(error),
        )
    };
    if form.username.is_empty() || form.password.is_empty() {
        return Ok(form_again(StatusCode::OK, INVALID_LOGIN));
    }
    let limit = &state.sessions.login_limit;
    let now = state.sessions.clock.now();
    let since = now - limit.window;
    // Usernames are at most 150 characters; a longer one cannot match but still counts.
    let name: String = form.username.chars().take(150).collect();
    let user_scope = format!("user:{name}");
    let ip_scope = format!("ip:{}", session::client_ip_of(state, parts));

    // The attempt is recorded as a failure before the password is checked and
    // counted with the others, so that concurrent attempts cannot all slip under the
    // limit; a refused or successful attempt takes its record back.
    let mut conn = state.db.conn().await?;
    let attempt =
        stored::record_login_failure(&mut conn, &[user_scope.as_str(), ip_scope.as_str()], now)
            .await?;
    let user_failures = stored::count_login_failures(&mut conn, &user_scope, since).await?;
    let ip_failures = stored::count_login_failures(&mut conn, &ip_scope, since).await?;
    if user_failures > limit.per_username || ip_failures > limit.per_ip {
        stored::delete_login_failures(&mut conn, &attempt).await?;
        tracing::warn!(username = %name, scope = %ip_scope, "sign-in refused: too many failures");
        return Ok(form_again(StatusCode::TOO_MANY_REQUESTS, TOO_MANY));
    }
    drop(conn);

    let Some(user) = accounts::authenticate(&state.db, &form.username, &form.password).await?
    else {
        let mut conn = state.db.conn().await?;
        stored::purge_login_failures(&mut conn, since).await?;
        return Ok(form_again(StatusCode::OK, INVALID_LOGIN));
    };

    let mut conn = state.db.conn().await?;
    stored::delete_login_failures(&mut conn, &attempt).await?;
    stored::clear_login_failures(&mut conn, &user_scope).await?;
    drop(conn);
    // A session the browser already had ends: sign-in always starts a new key.
    if let Some(previous) = session::current(state, headers).await? {
        session::end(state, &previous).await?;
    }
    let (key, active) = session::start(state, &user).await?;
    tracing::info!(username = %user.username, "signed in");
    let target = pages::safe_next(&form.next).unwrap_or("/");
    let cookies = session::session_cookies(&state.sessions, headers, &key, &active);
    Ok(session::with_cookies(pages::redirect(target), cookies))
}

/// `POST /logout`: ends the session (after the CSRF check) and goes to the sign-in page.
pub async fn logout(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let active = match session::current(&state, &parts.headers).await {
        Ok(Some(active)) => active,
        Ok(None) => {
            return session::with_cookies(
                pages::redirect("/login"),
                vec![session::clear_session_cookie()],
            )
        }
        Err(error) => return pages::internal_error(&error),
    };
    let Ok(body) = axum::body::to_bytes(body, 64 * 1024).await else {
        return pages::bad_request("The form is too large.");
    };
    let token = session::form_value(&body, csrf::FORM_FIELD);
    if let Err(reason) = session::check_form(
        &state,
        &parts.headers,
        token.as_deref(),
        &active.csrf_secret,
    ) {
        return pages::csrf_failure(&reason);
    }
    if let Err(error) = session::end(&state, &active).await {
        return pages::internal_error(&error);
    }
    tracing::info!(username = %active.user.username, "signed out");
    session::with_cookies(
        pages::redirect("/login"),
        vec![session::clear_session_cookie()],
    )
}
