//! Rendering: the askama templates of `templates/`, and the responses every page
//! shares (security headers, redirects, error pages).

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What the layout (`base.html`) shows on every page: who is signed in, the CSRF
/// token for its forms, which menu entry is current, and whether the
/// superuser-only entries show.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub username: Option<String>,
    pub csrf_token: String,
    pub section: &'static str,
    pub superuser: bool,
}

impl Chrome {
    pub fn signed_in(session: &super::session::ActiveSession) -> Self {
        Chrome {
            username: Some(session.user.username.clone()),
            csrf_token: session.csrf_token(),
            section: "",
            superuser: session.user.is_superuser,
        }
    }

    pub fn for_viewer(viewer: &super::Viewer, section: &'static str) -> Self {
        Chrome {
            section,
            superuser: viewer.is_superuser(),
            ..Chrome::signed_in(&viewer.session)
        }
    }

    /// `aria-current` for the menu entry of `section`.
    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub csrf_token: String,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
    pub reason: Option<String>,
}

/// A rendered page with the headers every page carries: no caching (pages hold
/// CSRF tokens and private data), no framing, no sniffing, and a policy that lets
/// the page load only our own stylesheet and post only to us.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    let html = match page.render() {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "A server error occurred.",
            )
                .into_response();
        }
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate, private"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// 302 to a local path (Django's redirect after sign-in and sign-out).
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The sign-in page's URL, coming back to `next` (when it is a local path).
pub fn login_url(next: Option<&str>) -> String {
    match next.and_then(safe_next) {
        Some(next) => format!(
            "/login?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish()
        ),
        None => "/login".to_owned(),
    }
}

/// `next` if it is a path on this server: it starts with one `/`, and holds no
/// backslash, whitespace or control character that a browser could read as the
/// start of another host (`//evil`, `/\evil`, `/%09/evil` decoded).
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    local.then_some(next)
}

pub fn error_page(
    status: StatusCode,
    title: &str,
    message: &str,
    reason: Option<&str>,
) -> Response {
    render(
        status,
        &ErrorPage {
            chrome: Chrome::default(),
            title: title.to_owned(),
            message: message.to_owned(),
            reason: reason.map(str::to_owned),
        },
    )
}

/// 403 for a form that failed the CSRF checks, with Django's reason.
pub fn csrf_failure(reason: &str) -> Response {
    tracing::info!(reason, "CSRF check refused a form");
    error_page(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "CSRF verification failed. Request aborted. Reload the page and try again.",
        Some(reason),
    )
}

/// 400 for a form that could not be read.
pub fn bad_request(reason: &str) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "Bad request",
        "The form could not be read.",
        Some(reason),
    )
}

/// 500 whose cause goes to the log only.
pub fn internal_error(cause: &dyn std::fmt::Display) -> Response {
    tracing::error!(%cause, "page failed");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Server error",
        "A server error occurred. Please try again later.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        for good in ["/", "/api/v2/oa3/swagger-ui/", "/finding/1?x=y#z"] {
            assert_eq!(safe_next(good), Some(good));
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil",
            "javascript:alert(1)",
            "/\tevil",
            "/ /evil",
            "evil",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(login_url(Some("/a b")), "/login");
        assert_eq!(login_url(Some("/x?y=1&z")), "/login?next=%2Fx%3Fy%3D1%26z");
        assert_eq!(login_url(None), "/login");
    }

    #[test]
    fn pages_escape_what_they_show() {
        let page = LoginPage {
            chrome: Chrome::default(),
            csrf_token: "tok".into(),
            username: "<script>".into(),
            next: "/\"><x".into(),
            error: Some("Bad & worse".into()),
        };
        let html = page.render().expect("render");
        assert!(html.contains("&#60;script&#62;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(!html.contains("\"><x"));
        assert!(html.contains("Bad &#38; worse"));
        assert!(html.contains("name=\"csrfmiddlewaretoken\" value=\"tok\""));
    }
}
