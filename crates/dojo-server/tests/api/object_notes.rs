//! `/api/v2/{findings,engagements,tests}/{id}/notes/`: reading and adding notes.

use axum::http::StatusCode;
use dojo_domain::entities::NoteType;
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::note_types;
use serde_json::{json, Value};

use crate::import::*;

async fn note_type(app: &App, name: &str, is_single: bool) -> i64 {
    let mut conn = app.db.conn().await.expect("connection");
    note_types::insert(
        &mut conn,
        &NoteType {
            name: name.into(),
            is_single,
            ..NoteType::default()
        },
    )
    .await
    .expect("note type")
    .id
}

db_test!(
    notes_are_added_and_read_on_findings_engagements_and_tests,
    |db| {
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        let body = app
            .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
            .await;
        let test_id = body["test_id"].as_i64().expect("test id");
        let finding_id = app.findings(test_id).await[0].id;
        let reader = member(&app, "reader", engagement.product_id, Role::Reader).await;
        let (_, outsider) = user_with_token(&db, "outsider", false).await;
        let single = note_type(&app, "Triage", true).await;

        for (collection, id, key) in [
            ("findings", finding_id, "finding_id"),
            ("engagements", engagement.id, "engagement_id"),
            ("tests", test_id, "test_id"),
        ] {
            let path = format!("/api/v2/{collection}/{id}/notes/");
            // Seeing the object is enough to add a note to it.
            let (status, created) = send(
                &app,
                &reader,
                "POST",
                &path,
                Some(json!({"entry": "Looked at it", "private": true})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{collection}: {created}");
            assert_eq!(created["entry"], "Looked at it");
            assert_eq!(created["private"], true);
            assert_eq!(created["editor"], Value::Null);
            assert_eq!(created["author"]["username"], "reader");

            let (status, listed) = send(&app, &reader, "GET", &path, None).await;
            assert_eq!(status, StatusCode::OK, "{collection}: {listed}");
            assert_eq!(listed[key], id);
            let notes = listed["notes"].as_array().expect("notes");
            assert_eq!(notes.len(), 1, "{collection}");
            assert_eq!(notes[0]["entry"], "Looked at it");
            assert_eq!(notes[0]["author"]["username"], "reader");

            // A single-use note type takes one note per object.
            let typed = json!({"entry": "Triaged", "note_type": single});
            let (status, body) = send(&app, &reader, "POST", &path, Some(typed.clone())).await;
            assert_eq!(status, StatusCode::CREATED, "{collection}: {body}");
            let (status, body) = send(&app, &reader, "POST", &path, Some(typed)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{collection}: {body}");
            assert!(body["note_type"].is_array(), "{body}");

            for (bad, field) in [
                (json!({"private": true}), "entry"),
                (json!({"entry": "x", "note_type": 999_999}), "note_type"),
            ] {
                let (status, body) = send(&app, &reader, "POST", &path, Some(bad)).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{collection}: {body}");
                assert!(body[field].is_array(), "{collection}: {body}");
            }
            let (_, listed) = send(&app, &reader, "GET", &path, None).await;
            assert_eq!(
                listed["notes"].as_array().map(Vec::len),
                Some(2),
                "{collection}"
            );

            for method in ["GET", "POST"] {
                let (status, _) = send(
                    &app,
                    &outsider,
                    method,
                    &path,
                    Some(json!({"entry": "sneaky"})),
                )
                .await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{collection} {method}");
            }
        }
        // The finding itself lists its notes too.
        let (_, finding) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/findings/{finding_id}/"),
            None,
        )
        .await;
        assert_eq!(finding["notes"].as_array().map(Vec::len), Some(2));
    }
);
