//! Who may import: product roles decide (every role but Reader may).

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::json;

use super::*;

db_test!(a_reader_may_not_import_but_an_api_importer_may, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let reader = member(&app, "reader", engagement.product_id, Role::Reader).await;
    let importer = member(&app, "importer", engagement.product_id, Role::ApiImporter).await;
    let (outsider, outsider_token) = user_with_token(&db, "outsider", false).await;
    assert!(!outsider.is_superuser);
    let report = generic(&[("Xss", "High")]);
    let refused = json!({ "detail": "No permission to import scans into product \"Shop\"" });

    for token in [&reader, &outsider_token] {
        let (status, body) = app
            .send_as(token, IMPORT, generic_form(engagement.id, &report))
            .await;
        assert_eq!((status, body), (StatusCode::FORBIDDEN, refused.clone()));
    }
    assert_eq!(app.count("test").await, 0);

    let (status, body) = app
        .send_as(&importer, IMPORT, generic_form(engagement.id, &report))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let test_id = id(&body["test_id"]);

    // Reimport is held to the same rule.
    let reimport = || {
        Form::new()
            .text("scan_type", GENERIC)
            .text("test", &test_id.to_string())
            .file("file", "r.json", &report)
    };
    let (status, body) = app.send_as(&reader, REIMPORT, reimport()).await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refused));
    let (status, body) = app.send_as(&importer, REIMPORT, reimport()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.count("test_import").await, 2);
});
