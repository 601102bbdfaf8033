//! Calls the router in-process, without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use dojo_server::files::FileStore;
use dojo_server::secret::ServerSecret;
use dojo_server::AppState;
use dojo_storage::Db;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The state of a test's router. Uploaded files go to a folder under cargo's
/// temporary target folder (tests that look at the disk use their own store).
pub fn state(db: &Db) -> AppState {
    let files = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dojo-api-uploads");
    AppState::new(db.clone(), ServerSecret::from_bytes(vec![42u8; 32]))
        .with_files(FileStore::new(files))
}

pub async fn call(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("response body")
        .to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, body)
}

pub fn post_form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

pub fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// A `multipart/form-data` body built by hand: text fields and file parts.
pub struct Form {
    boundary: &'static str,
    body: Vec<u8>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            boundary: "----dojo-test-boundary-7MA4YWxkTrZu0gW",
            body: Vec::new(),
        }
    }
}

impl Form {
    pub fn new() -> Self {
        Form::default()
    }

    pub fn text(mut self, name: &str, value: &str) -> Self {
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n",
            self.boundary
        );
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    pub fn file(mut self, name: &str, file_name: &str, bytes: &[u8]) -> Self {
        let head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            self.boundary
        );
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The body's content type and bytes, closed.
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }

    /// A POST of this form to `path`, authenticated with `token` when given.
    pub fn post(mut self, path: &str, token: Option<&str>) -> Request<Body> {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        let mut request = Request::post(path).header(
            "content-type",
            format!("multipart/form-data; boundary={}", self.boundary),
        );
        if let Some(token) = token {
            request = request.header("authorization", format!("Token {token}"));
        }
        request.body(Body::from(self.body)).expect("request")
    }
}
