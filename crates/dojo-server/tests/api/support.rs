//! Calls the router in-process, without a socket.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use dojo_server::secret::ServerSecret;
use dojo_server::AppState;
use dojo_storage::Db;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub fn state(db: &Db) -> AppState {
    AppState {
        db: db.clone(),
        secret: ServerSecret::from_bytes(vec![42u8; 32]),
    }
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
