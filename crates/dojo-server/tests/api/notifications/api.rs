//! `/api/v2/notifications/` and `/api/v2/notification_webhooks/`.

use axum::http::StatusCode;
use dojo_storage::db_test;
use serde_json::{json, Value};

use crate::import::*;

async fn ok(app: &App, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = send(app, &app.token, method, path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

db_test!(notifications_crud_and_validation, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let (bob, bob_token) = user_with_token(&db, "bob", false).await;

    // Defaults: every event ["alert"] but scan_added_empty [].
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"user": bob.id, "scan_added": ["mail", "alert", "mail"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["user"], bob.id);
    assert_eq!(created["product"], Value::Null);
    assert_eq!(created["template"], false);
    assert_eq!(created["product_added"], json!(["alert"]));
    assert_eq!(created["scan_added_empty"], json!([]));
    assert_eq!(created["scan_added"], json!(["mail", "alert"]));
    assert_eq!(created["prefetch"], json!({}));

    // One row per (user, product, template).
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"user": bob.id})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["non_field_errors"],
        json!(["Notification for user and product already exists"])
    );
    // Per product is another row; the system row too, but only once.
    ok(
        &app,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"user": bob.id, "product": engagement.product_id})),
    )
    .await;
    ok(&app, "POST", "/api/v2/notifications/", Some(json!({}))).await;
    let (status, _) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notifications/",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // One template.
    ok(
        &app,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"template": true})),
    )
    .await;
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"template": true, "user": app.user.id})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["Notification template already exists"])
    );

    // Field errors: unknown channel, not a list, unknown user.
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"user": app.user.id, "other": ["pager"], "sla_breach": "mail"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["other"], json!(["\"pager\" is not a valid choice."]));
    assert_eq!(
        body["sla_breach"],
        json!(["Expected a list of items but got type \"str\"."])
    );
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notifications/",
        Some(json!({"user": 987654})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["user"],
        json!(["Invalid pk \"987654\" - object does not exist."])
    );

    // Update, filters, prefetch, delete.
    let path = format!("/api/v2/notifications/{id}/");
    let patched = ok(
        &app,
        "PATCH",
        &path,
        Some(json!({"other": ["slack", "webhooks"]})),
    )
    .await;
    assert_eq!(patched["other"], json!(["slack", "webhooks"]));
    assert_eq!(patched["scan_added"], json!(["mail", "alert"]));
    let page = ok(
        &app,
        "GET",
        &format!("/api/v2/notifications/?user={}", bob.id),
        None,
    )
    .await;
    assert_eq!(page["count"], 2, "{page}");
    let page = ok(&app, "GET", "/api/v2/notifications/?template=true", None).await;
    assert_eq!(page["count"], 1);
    let one = ok(&app, "GET", &format!("{path}?prefetch=user"), None).await;
    assert_eq!(
        one["prefetch"]["user"][bob.id.to_string()]["username"],
        "bob"
    );
    let (status, _) = send(&app, &bob_token, "GET", "/api/v2/notifications/", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, &app.token, "GET", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(notification_webhooks_crud_and_validation, |db| {
    let app = App::new(&db).await;
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notification_webhooks/",
        Some(json!({"name": "Hook", "url": "https://hooks.example.com/x",
                    "header_name": "X-Token", "header_value": "s3cret",
                    "status": "inactive_permanent", "note": "ignored",
                    "owner": app.user.id})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        created,
        json!({"id": id, "name": "Hook", "url": "https://hooks.example.com/x",
               "header_name": "X-Token", "header_value": "s3cret", "status": "active",
               "first_error": null, "last_error": null, "note": null,
               "owner": app.user.id, "prefetch": {}})
    );
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notification_webhooks/",
        Some(json!({"name": "Hook", "url": "not a url", "owner": 987654})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["name"],
        json!(["notification_ webhooks with this name already exists."])
    );
    assert_eq!(body["url"], json!(["Enter a valid URL."]));
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/notification_webhooks/",
        Some(json!({"name": "Other", "url": "http://127.0.0.1:9/", "owner": 987654})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["owner"],
        json!(["Invalid pk \"987654\" - object does not exist."])
    );
    let path = format!("/api/v2/notification_webhooks/{id}/");
    let patched = ok(
        &app,
        "PATCH",
        &path,
        Some(json!({"status": "active_tmp", "url": "http://127.0.0.1:8/y"})),
    )
    .await;
    assert_eq!(
        (patched["status"].clone(), patched["url"].clone()),
        (json!("active"), json!("http://127.0.0.1:8/y"))
    );
    let page = ok(
        &app,
        "GET",
        "/api/v2/notification_webhooks/?name=Hook&status=active",
        None,
    )
    .await;
    assert_eq!(page["count"], 1);
    let page = ok(
        &app,
        "GET",
        "/api/v2/notification_webhooks/?name=Nope",
        None,
    )
    .await;
    assert_eq!(page["count"], 0);
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});
