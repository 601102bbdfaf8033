//! `/api/v2/findings/{id}/tags/`, `/remove_tags/` and `/remove_note/`.

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::json;

use crate::import::*;

/// A finding in product "Shop", with a Reader and a Writer of it; returns
/// (finding id, reader token, writer token).
async fn finding_with_members(app: &App) -> (i64, String, String) {
    let engagement = app.engagement("Shop", "CI", false).await;
    let body = app
        .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
        .await;
    let test_id = body["test_id"].as_i64().expect("test id");
    let finding = app.findings(test_id).await[0].id;
    let reader = member(app, "reader", engagement.product_id, Role::Reader).await;
    let writer = member(app, "writer", engagement.product_id, Role::Writer).await;
    (finding, reader, writer)
}

db_test!(tags_are_added_and_removed_all_or_nothing, |db| {
    let app = App::new(&db).await;
    let (finding, reader, writer) = finding_with_members(&app).await;
    let tags = format!("/api/v2/findings/{finding}/tags/");
    let remove = format!("/api/v2/findings/{finding}/remove_tags/");

    let (status, body) = send(&app, &reader, "GET", &tags, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"tags": []})));
    let add = Some(json!({"tags": ["pci", "Web"]}));
    let (status, _) = send(&app, &reader, "POST", &tags, add.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(&app, &writer, "POST", &tags, add).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"tags": ["pci", "web"]}));
    // Adding keeps what is there.
    let (_, body) = send(&app, &writer, "POST", &tags, Some(json!({"tags": ["q1"]}))).await;
    assert_eq!(body, json!({"tags": ["pci", "q1", "web"]}));
    let (status, body) = send(&app, &writer, "POST", &tags, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["tags"].is_array(), "{body}");

    for (bad, error) in [
        (json!({"tags": []}), "Empty Tag List Not Allowed"),
        (
            json!({"tags": ["pci", "nope"]}),
            "'nope' is not a valid tag in list",
        ),
    ] {
        let (status, body) = send(&app, &writer, "PATCH", &remove, Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, json!({ "error": error }));
    }
    // The refused removal of "pci" alongside "nope" changed nothing.
    let (_, body) = send(&app, &reader, "GET", &tags, None).await;
    assert_eq!(body, json!({"tags": ["pci", "q1", "web"]}));
    let (status, _) = send(
        &app,
        &reader,
        "PUT",
        &remove,
        Some(json!({"tags": ["pci"]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &app,
        &writer,
        "PUT",
        &remove,
        Some(json!({"tags": ["pci", "web"]})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = send(&app, &reader, "GET", &tags, None).await;
    assert_eq!(body, json!({"tags": ["q1"]}));
});

db_test!(only_a_notes_author_removes_it_from_its_finding, |db| {
    let app = App::new(&db).await;
    let (finding, reader, writer) = finding_with_members(&app).await;
    let notes = format!("/api/v2/findings/{finding}/notes/");
    let remove = format!("/api/v2/findings/{finding}/remove_note/");
    let (status, _) = send(
        &app,
        &writer,
        "POST",
        &notes,
        Some(json!({"entry": "mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    send(
        &app,
        &app.token,
        "POST",
        &notes,
        Some(json!({"entry": "admin's"})),
    )
    .await;
    let (_, listed) = send(&app, &writer, "GET", &notes, None).await;
    let id_of = |entry: &str| {
        listed["notes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| n["entry"] == entry)
            .and_then(|n| n["id"].as_i64())
            .expect("note")
    };
    let (mine, theirs) = (id_of("mine"), id_of("admin's"));

    let (status, _) = send(
        &app,
        &reader,
        "PATCH",
        &remove,
        Some(json!({"note_id": mine})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &app,
        &writer,
        "PATCH",
        &remove,
        Some(json!({"note_id": theirs})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "Delete Failed, You are not the Note's author"})
    );
    let (status, body) = send(&app, &writer, "PATCH", &remove, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["note_id"].is_array(), "{body}");

    // A note of another finding is not this one's to remove.
    let other = app.engagement("Blog", "CI", false).await;
    let body = app
        .import(generic_form(other.id, &generic(&[("Csrf", "Low")])))
        .await;
    let other_finding = app.findings(body["test_id"].as_i64().expect("test")).await[0].id;
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &format!("/api/v2/findings/{other_finding}/remove_note/"),
        Some(json!({"note_id": theirs})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "Selected Note is not assigned to this Finding"})
    );

    let (status, _) = send(
        &app,
        &writer,
        "PATCH",
        &remove,
        Some(json!({"note_id": mine})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, listed) = send(&app, &writer, "GET", &notes, None).await;
    let entries: Vec<&str> = listed["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["entry"].as_str())
        .collect();
    assert_eq!(entries, ["admin's"]);
});
