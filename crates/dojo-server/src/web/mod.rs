//! The browser side: sign-in and sign-out, the session behind them, CSRF
//! protection, and the pages (server-rendered with askama from `templates/`, one
//! stylesheet, no scripts).
//!
//! A page that needs a signed-in user takes [`WebUser`]; a page that accepts a form
//! takes [`CsrfForm`], which also checks the form's CSRF token. Templates extend
//! `base.html` and carry a [`pages::Chrome`] for it.

pub mod charts;
pub mod csrf;
mod dashboard;
mod engagements;
mod finding_page;
mod finding_templates;
mod findings;
pub mod format;
mod groups;
mod hierarchy_common;
mod import_pages;
pub mod listing;
mod login;
mod memberships;
mod metrics_pages;
pub mod page_error;
pub mod pages;
mod product_types;
mod products;
mod profile;
pub mod session;
mod sla_configs;
mod test_pages;
mod users;
mod viewer;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use page_error::{PageError, PageResult};
pub use session::{Clock, CsrfForm, LoginLimit, SessionConfig, WebUser};
pub use viewer::{Viewer, ViewerForm};

use crate::AppState;

const STYLESHEET: &str = include_str!("../../assets/web/dojo.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/static/dojo.css", get(stylesheet))
        .merge(dashboard::routes())
        .merge(metrics_pages::routes())
        .merge(import_pages::routes())
        .merge(product_types::routes())
        .merge(products::routes())
        .merge(engagements::routes())
        .merge(test_pages::routes())
        .merge(sla_configs::routes())
        .merge(finding_templates::routes())
        .merge(users::routes())
        .merge(groups::routes())
        .merge(memberships::routes())
        .merge(profile::routes())
        .merge(findings::routes())
        .merge(finding_page::routes())
}

async fn stylesheet() -> Response {
    let mut response = STYLESHEET.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
