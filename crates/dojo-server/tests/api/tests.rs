//! `/api/v2/tests/`: CRUD as dd-import drives it, the de-duplication settings a
//! test reports, and who may do what, from one table.

use axum::http::StatusCode;
use dojo_domain::entities::TestType;
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::test_types;
use serde_json::{json, Value};

use crate::import::*;

async fn test_type(app: &App, name: &str) -> i64 {
    let mut conn = app.db.conn().await.expect("connection");
    test_types::insert(
        &mut conn,
        &TestType {
            name: name.to_owned(),
            ..TestType::default()
        },
    )
    .await
    .expect("test type")
    .id
}

/// dd-import's body for a new test.
fn new_test(engagement: i64, test_type: i64, title: &str) -> Value {
    json!({
        "title": title,
        "engagement": engagement,
        "target_start": "2026-11-24T00:00:00",
        "target_end": "2999-12-31T00:00:00",
        "test_type": test_type,
    })
}

db_test!(tests_round_trip_as_dd_import_uses_them, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let zap = test_type(&app, "ZAP Scan").await;

    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/tests/",
        Some(new_test(engagement.id, zap, "Nightly ZAP")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["engagement"], engagement.id);
    assert_eq!(created["notes"], json!([]));
    assert!(
        created.get("test_type_name").is_none(),
        "create shape: model fields only"
    );

    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        &format!(
            "/api/v2/tests/?title=Nightly%20ZAP&engagement={}",
            engagement.id
        ),
        None,
    )
    .await;
    assert_eq!(list["count"], 1, "{list}");
    let listed = &list["results"][0];
    assert_eq!(listed["test_type_name"], "ZAP Scan");
    let zap_info = dojo_parsers::scan_type_info("ZAP Scan").expect("ZAP is registered");
    assert_eq!(
        listed["deduplication_algorithm"],
        zap_info.dedup_algorithm.as_str()
    );
    assert_eq!(listed["target_end"], "2999-12-31T00:00:00Z");

    let (status, patched) = send(
        &app,
        &app.token,
        "PATCH",
        &format!("/api/v2/tests/{id}/"),
        Some(json!({"version": "1.2", "engagement": 999})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["version"], "1.2");
    assert_eq!(
        patched["engagement"], engagement.id,
        "engagement is read-only after create"
    );

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/tests/",
        Some(json!({"title": "x", "test_type": zap})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'engagement' is required"
    );

    let (status, _) = send(
        &app,
        &app.token,
        "DELETE",
        &format!("/api/v2/tests/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/tests/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Test matches the given query.");
});

#[derive(Clone, Copy, Debug)]
enum Who {
    Superuser,
    Member(Role),
    OtherProductOwner,
    Nobody,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    List,
    Retrieve,
    Create,
    Edit,
    Delete,
}

use Action::*;
use Who::*;

const MATRIX: &[(Who, Action, u16)] = &[
    (Superuser, List, 1),
    (Superuser, Create, 201),
    (Superuser, Delete, 204),
    (Member(Role::Reader), List, 1),
    (Member(Role::Reader), Retrieve, 200),
    (Member(Role::Reader), Create, 403),
    (Member(Role::Reader), Edit, 403),
    (Member(Role::Reader), Delete, 403),
    (Member(Role::ApiImporter), Create, 403),
    (Member(Role::ApiImporter), Edit, 200),
    (Member(Role::ApiImporter), Delete, 403),
    (Member(Role::Writer), Create, 201),
    (Member(Role::Writer), Delete, 403),
    (Member(Role::Maintainer), Delete, 204),
    (OtherProductOwner, List, 0),
    (OtherProductOwner, Retrieve, 404),
    (OtherProductOwner, Create, 403),
    (OtherProductOwner, Edit, 404),
    (OtherProductOwner, Delete, 404),
    (Nobody, List, 0),
    (Nobody, Retrieve, 404),
    (Nobody, Create, 403),
    (Nobody, Delete, 404),
];

db_test!(test_permissions_follow_the_role_table, |db| {
    let app = App::new(&db).await;
    let scan = test_type(&app, "Bench Scan").await;
    for (n, (who, action, expected)) in MATRIX.iter().enumerate() {
        let engagement = app.engagement(&format!("Target {n}"), "CI", false).await;
        let other = app.engagement(&format!("Other {n}"), "CI", false).await;
        let (_, existing) = send(
            &app,
            &app.token,
            "POST",
            "/api/v2/tests/",
            Some(new_test(engagement.id, scan, "Existing")),
        )
        .await;
        let test_id = existing["id"].as_i64().expect("test id");
        let token = match who {
            Superuser => app.token.clone(),
            Member(role) => member(&app, &format!("member{n}"), engagement.product_id, *role).await,
            OtherProductOwner => {
                member(&app, &format!("other{n}"), other.product_id, Role::Owner).await
            }
            Nobody => user_with_token(&db, &format!("nobody{n}"), false).await.1,
        };
        let item = format!("/api/v2/tests/{test_id}/");
        let (status, body) = match action {
            List => {
                let path = format!("/api/v2/tests/?engagement={}", engagement.id);
                let (status, body) = send(&app, &token, "GET", &path, None).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body["count"], *expected, "{who:?} {action:?}");
                continue;
            }
            Retrieve => send(&app, &token, "GET", &item, None).await,
            Create => {
                let body = new_test(engagement.id, scan, &format!("New {n}"));
                send(&app, &token, "POST", "/api/v2/tests/", Some(body)).await
            }
            Edit => send(&app, &token, "PATCH", &item, Some(json!({"version": "2"}))).await,
            Delete => send(&app, &token, "DELETE", &item, None).await,
        };
        assert_eq!(status.as_u16(), *expected, "{who:?} {action:?}: {body}");
    }
});

db_test!(test_types_are_read_by_all_and_written_by_superusers, |db| {
    let app = App::new(&db).await;
    let (_, reader) = user_with_token(&db, "plain", false).await;
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/test_types/",
        Some(json!({"name": "Custom Scan", "static_tool": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["static_tool"], true);

    // dd-import looks a test type up by name.
    let (status, list) = send(
        &app,
        &reader,
        "GET",
        "/api/v2/test_types/?name=Custom%20Scan",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["count"], 1);
    assert_eq!(list["results"][0]["id"], id);

    let item = format!("/api/v2/test_types/{id}/");
    let (status, _) = send(
        &app,
        &reader,
        "PATCH",
        &item,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &item,
        Some(json!({"active": false, "name": "Renamed"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    assert_eq!(
        body["name"], "Custom Scan",
        "name is read-only after create"
    );
    let (status, body) = send(&app, &app.token, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["detail"], "Method \"DELETE\" not allowed.");
});
