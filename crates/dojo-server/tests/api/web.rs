//! The web pages through the router, as a browser without JavaScript uses them:
//! shared pieces (a site, a browser that keeps cookies, sign-in, a small
//! portfolio), and the cases in `web/*.rs`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use dojo_server::accounts::{self, NewUser};
use dojo_server::web::{Clock, SessionConfig};
use dojo_storage::Db;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::state;

pub const HOST: &str = "dojo.test";
pub const PASSWORD: &str = "Correct-Horse-42";

/// The router on a clock the test moves, with a small IP limit.
pub struct Site {
    pub db: Db,
    pub app: Router,
    pub clock: Clock,
}

pub fn site_with(db: &Db, config: SessionConfig) -> Site {
    let clock = Clock::manual(
        Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
            .single()
            .expect("instant"),
    );
    let config = SessionConfig {
        clock: clock.clone(),
        ..config
    };
    Site {
        db: db.clone(),
        app: dojo_server::router(state(db).with_sessions(config)),
        clock,
    }
}

pub fn site(db: &Db) -> Site {
    site_with(db, SessionConfig::default())
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The `Set-Cookie` line for `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// A browser: keeps cookies between requests, as a browser would.
#[derive(Default, Clone)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
    pub peer: Option<SocketAddr>,
}

impl Browser {
    pub fn from(peer: &str) -> Self {
        Browser {
            peer: Some(peer.parse().expect("socket address")),
            ..Browser::default()
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub async fn send(
        &mut self,
        site: &Site,
        request: axum::http::request::Builder,
        body: Body,
    ) -> Answer {
        let mut request = request.header("host", HOST);
        if !self.cookies.is_empty() {
            let line: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", line.join("; "));
        }
        let mut request = request.body(body).expect("request");
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let response = site
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        for line in headers.get_all("set-cookie").iter() {
            let line = line.to_str().expect("ASCII cookie");
            let (pair, attributes) = line.split_once(';').unwrap_or((line, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, site: &Site, path: &str) -> Answer {
        self.send(site, Request::get(path), Body::empty()).await
    }

    pub async fn post_form(&mut self, site: &Site, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request =
            Request::post(path).header("content-type", "application/x-www-form-urlencoded");
        self.send(site, request, Body::from(body)).await
    }

    /// The CSRF token of the page just shown (its hidden field).
    pub fn token_in(page: &Answer) -> String {
        let marker = "name=\"csrfmiddlewaretoken\" value=\"";
        let start = page.body.find(marker).expect("a CSRF field") + marker.len();
        page.body[start..start + 64].to_owned()
    }

    /// Opens the sign-in form and posts it.
    pub async fn sign_in(
        &mut self,
        site: &Site,
        username: &str,
        password: &str,
        next: &str,
    ) -> Answer {
        let form = self.get(site, "/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let token = Self::token_in(&form);
        self.post_form(
            site,
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrfmiddlewaretoken", &token),
                ("next", next),
            ],
        )
        .await
    }

    /// An API call with a JSON body; `csrf` goes in `X-CSRFToken`.
    pub async fn api(
        &mut self,
        site: &Site,
        method: &str,
        path: &str,
        body: Option<Value>,
        csrf: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = csrf {
            request = request.header("X-CSRFToken", token);
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(site, request, body).await
    }

    pub fn csrf_cookie(&self) -> String {
        self.cookie("csrftoken")
            .expect("a csrftoken cookie")
            .to_owned()
    }
}

/// A new user (superuser or not) with the test password.
pub async fn person(db: &Db, name: &str, superuser: bool) -> dojo_domain::entities::User {
    accounts::create_user(
        db,
        &NewUser {
            username: name.into(),
            is_superuser: superuser,
            ..NewUser::default()
        },
        PASSWORD,
    )
    .await
    .expect("create user")
}

/// A browser signed in as a new user `name`.
pub async fn signed_in(site: &Site, name: &str, superuser: bool) -> Browser {
    person(&site.db, name, superuser).await;
    let mut browser = Browser::default();
    let answer = browser.sign_in(site, name, PASSWORD, "/").await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    browser
}

/// A browser signed in as a new user holding `role` on the product.
pub async fn member_of_product(
    site: &Site,
    name: &str,
    product_id: i64,
    role: dojo_domain::Role,
) -> Browser {
    let user = person(&site.db, name, false).await;
    let mut conn = site.db.conn().await.expect("connection");
    dojo_storage::repo::product_members::insert(
        &mut conn,
        &dojo_domain::entities::ProductMember {
            id: 0,
            product_id,
            user_id: user.id,
            role_id: role.id(),
        },
    )
    .await
    .expect("membership");
    drop(conn);
    let mut browser = Browser::default();
    let answer = browser.sign_in(site, name, PASSWORD, "/").await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    browser
}

/// The number in a page's tile labelled `what` (`<span class="what">…</span>`).
pub fn tile(body: &str, what: &str) -> Option<i64> {
    let end = body.find(&format!("<span class=\"what\">{what}</span>"))?;
    let start = body[..end].rfind("<span class=\"number\">")? + "<span class=\"number\">".len();
    body[start..end].split('<').next()?.trim().parse().ok()
}

impl Browser {
    /// Posts a multipart form (its CSRF field included by the caller).
    pub async fn post_multipart(
        &mut self,
        site: &Site,
        path: &str,
        form: crate::support::Form,
    ) -> Answer {
        let (content_type, body) = form.finish();
        let request = Request::post(path).header("content-type", content_type);
        self.send(site, request, Body::from(body)).await
    }

    /// Posts a form from a page: the page's CSRF token is added to `fields`.
    pub async fn submit(
        &mut self,
        site: &Site,
        page: &Answer,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Answer {
        let token = Self::token_in(page);
        let mut all: Vec<(&str, &str)> = vec![("csrfmiddlewaretoken", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(site, path, &all).await
    }
}

mod admin;
mod dashboard;
mod findings;
mod hierarchy;
mod import;
