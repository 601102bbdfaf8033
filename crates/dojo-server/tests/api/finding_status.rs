//! `findings/{id}/close/`, `/verify/`, `/duplicate/`, `/duplicate/reset/`,
//! `/original/{new_fid}/` and `/request_response/`.

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::{json, Value};

use crate::import::*;

/// One imported finding in "Shop"; returns (finding id, product id).
async fn one_finding(app: &App) -> (i64, i64) {
    let engagement = app.engagement("Shop", "CI", false).await;
    let body = app
        .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
        .await;
    let finding = app.findings(id(&body["test_id"])).await[0].id;
    (finding, engagement.product_id)
}

db_test!(close_mitigates_with_a_note_and_needs_edit, |db| {
    let app = App::new(&db).await;
    let (finding, product) = one_finding(&app).await;
    let reader = member(&app, "reader", product, Role::Reader).await;
    let writer = member(&app, "writer", product, Role::Writer).await;
    let other = app.engagement("Other", "CI", false).await;
    let outsider = member(&app, "outsider", other.product_id, Role::Owner).await;
    let close = format!("/api/v2/findings/{finding}/close/");
    let body = Some(json!({"note": "Fixed in 2.1", "false_p": false}));

    let (status, _) = send(&app, &outsider, "POST", &close, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, &reader, "POST", &close, body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, refused) = send(
        &app,
        &writer,
        "POST",
        &close,
        Some(json!({"mitigated": "2026-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["mitigated"].is_array(), "{refused}");

    let (status, closed) = send(&app, &writer, "POST", &close, body).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["is_mitigated"], true);
    assert!(closed["mitigated"].is_string(), "{closed}");
    assert_eq!(closed["duplicate"], false);
    let (_, profile) = send(&app, &writer, "GET", "/api/v2/user_profile/", None).await;
    assert_eq!(closed["mitigated_by"], profile["user"]["id"]);

    let (_, after) = send(
        &app,
        &reader,
        "GET",
        &format!("/api/v2/findings/{finding}/"),
        None,
    )
    .await;
    assert_eq!(after["active"], false);
    assert_eq!(after["display_status"], "Inactive, Mitigated");
    assert_eq!(after["notes"][0]["entry"], "Fixed in 2.1");
    assert_eq!(after["last_reviewed_by"], profile["user"]["id"]);
});

db_test!(verify_answers_the_verified_finding, |db| {
    let app = App::new(&db).await;
    let (finding, _) = one_finding(&app).await;
    let path = format!("/api/v2/findings/{finding}/verify/");
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        &path,
        Some(json!({"note_type": 999})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = send(&app, &app.token, "POST", &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], finding);
    assert_eq!(body["verified"], true);
    assert_eq!(body["display_status"], "Active, Verified");
});

/// The same finding imported into two engagements of one product with
/// de-duplication on: (original, duplicate).
async fn duplicate_pair(app: &App) -> (i64, i64) {
    app.enable_deduplication().await;
    let report = generic(&[("Same", "High")]);
    let first = app.engagement("Shop", "One", false).await;
    let second = app.engagement("Shop", "Two", false).await;
    let a = app.import(generic_form(first.id, &report)).await;
    let b = app.import(generic_form(second.id, &report)).await;
    let original = app.findings(id(&a["test_id"])).await[0].id;
    let duplicate = app.findings(id(&b["test_id"])).await[0].clone();
    assert!(duplicate.duplicate, "the second import is a duplicate");
    (original, duplicate.id)
}

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .map(|items| items.iter().filter_map(|f| f["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn cluster(app: &App, finding: i64) -> (StatusCode, Value) {
    let path = format!("/api/v2/findings/{finding}/duplicate/");
    send(app, &app.token, "GET", &path, None).await
}

db_test!(duplicate_clusters_are_listed_reset_and_reordered, |db| {
    let app = App::new(&db).await;
    let (original, duplicate) = duplicate_pair(&app).await;
    let (status, body) = cluster(&app, original).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), vec![duplicate]);
    assert_eq!(ids(&cluster(&app, duplicate).await.1), vec![original]);

    // The duplicate becomes the cluster's original.
    let path = format!("/api/v2/findings/{duplicate}/original/{duplicate}/");
    let (status, _) = send(&app, &app.token, "POST", &path, None).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a finding is not its own original"
    );
    let path = format!("/api/v2/findings/{original}/original/{duplicate}/");
    let (status, body) = send(&app, &app.token, "POST", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, old) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/findings/{original}/"),
        None,
    )
    .await;
    assert_eq!(old["duplicate"], true);
    assert_eq!(old["duplicate_finding"], duplicate);
    assert_eq!(old["active"], false);
    let (_, new) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/findings/{duplicate}/"),
        None,
    )
    .await;
    assert_eq!(new["duplicate"], false);
    assert_eq!(new["active"], true, "it takes the old original's status");

    // Resetting the demoted one makes it a finding of its own again.
    let reset = format!("/api/v2/findings/{original}/duplicate/reset/");
    let (status, _) = send(&app, &app.token, "POST", &reset, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, back) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/findings/{original}/"),
        None,
    )
    .await;
    assert_eq!(back["duplicate"], false);
    assert_eq!(back["duplicate_finding"], Value::Null);
    assert_eq!(back["active"], true);
    let (status, body) = send(&app, &app.token, "POST", &reset, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].is_string(), "{body}");
});

db_test!(request_response_pairs_are_added_and_read, |db| {
    let app = App::new(&db).await;
    let (finding, product) = one_finding(&app).await;
    let reader = member(&app, "reader", product, Role::Reader).await;
    let path = format!("/api/v2/findings/{finding}/request_response/");
    let pair = json!({"req_resp": [{"request": "GET / HTTP/1.1", "response": "HTTP/1.1 200 OK"}]});

    let (status, _) = send(&app, &reader, "POST", &path, Some(pair.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        &path,
        Some(json!({"req_resp": []})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = send(&app, &app.token, "POST", &path, Some(pair.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, pair);
    let (status, body) = send(&app, &reader, "GET", &path, None).await;
    assert_eq!((status, body), (StatusCode::OK, pair));
});
