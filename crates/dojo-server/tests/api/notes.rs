//! `/api/v2/notes/`: every note, for superusers; editing keeps a history.

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::json;

use crate::import::*;

db_test!(superusers_list_read_and_edit_notes_with_history, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let body = app
        .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
        .await;
    let finding = app.findings(body["test_id"].as_i64().expect("test")).await[0].id;
    let owner = member(&app, "owner", engagement.product_id, Role::Owner).await;
    let on_finding = format!("/api/v2/findings/{finding}/notes/");
    send(
        &app,
        &owner,
        "POST",
        &on_finding,
        Some(json!({"entry": "first"})),
    )
    .await;
    send(
        &app,
        &app.token,
        "POST",
        &on_finding,
        Some(json!({"entry": "second", "private": true})),
    )
    .await;

    // Even an Owner of the product may not use the generic notes API.
    for (method, path) in [("GET", "/api/v2/notes/"), ("POST", "/api/v2/notes/")] {
        let (status, _) = send(&app, &owner, method, path, Some(json!({"entry": "x"}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }

    let (status, list) = send(&app, &app.token, "GET", "/api/v2/notes/", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["count"], 2);
    let first = list["results"][0].clone();
    assert_eq!(first["entry"], "first");
    assert_eq!(first["author"]["username"], "owner");
    assert_eq!(
        (first["edited"].clone(), first["history"].clone()),
        (json!(false), json!([]))
    );
    let (_, private) = send(&app, &app.token, "GET", "/api/v2/notes/?private=true", None).await;
    assert_eq!(private["count"], 1);
    assert_eq!(private["results"][0]["entry"], "second");
    let (status, _) = send(&app, &app.token, "GET", "/api/v2/notes/?date=soon", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let item = format!("/api/v2/notes/{}/", first["id"]);
    let (status, edited) = send(
        &app,
        &app.token,
        "PATCH",
        &item,
        Some(json!({"entry": "first, revised"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["entry"], "first, revised");
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["author"]["username"], "owner");
    assert_eq!(edited["editor"]["username"], "admin");
    assert!(edited["edit_time"].is_string(), "{edited}");
    let history = edited["history"].as_array().expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["data"], "first, revised");
    assert_eq!(history[0]["current_editor"]["username"], "admin");

    // PUT needs the entry; PATCH without it changes nothing.
    let (status, body) = send(
        &app,
        &app.token,
        "PUT",
        &item,
        Some(json!({"private": true})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["entry"].is_array(), "{body}");
    let (status, same) = send(&app, &app.token, "PATCH", &item, Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["history"].as_array().map(Vec::len), Some(1));
    // The finding shows the edited note.
    let (_, notes) = send(&app, &owner, "GET", &on_finding, None).await;
    assert!(notes["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|n| n["entry"] == "first, revised"));

    let (status, body) = send(&app, &app.token, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["detail"], "Method \"DELETE\" not allowed.");
    let (status, _) = send(&app, &app.token, "GET", "/api/v2/notes/999999/", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});
