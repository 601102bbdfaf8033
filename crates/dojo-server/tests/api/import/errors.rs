//! Imports that are refused, in DefectDojo's error shapes, and leave nothing behind.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dojo_storage::db_test;
use serde_json::json;

use super::*;

/// Nothing of an import was written.
async fn nothing_written(app: &App) {
    assert_eq!(app.count("test").await, 0);
    assert_eq!(app.count("finding").await, 0);
    assert_eq!(app.count("test_import").await, 0);
}

db_test!(missing_product_without_auto_create_is_a_bare_array, |db| {
    let app = App::new(&db).await;
    let report = generic(&[("Xss", "High")]);
    let cases = [
        (vec![], "product_name parameter missing"),
        (
            vec![("product_name", "Shop")],
            "engagement_name parameter missing",
        ),
        (
            vec![("product_name", "Shop"), ("engagement_name", "CI")],
            "Product \"Shop\" does not exist",
        ),
        (
            vec![
                ("product_name", "Shop"),
                ("engagement_name", "CI"),
                ("product_type_name", "Web"),
            ],
            "Product Type \"Web\" does not exist",
        ),
    ];
    for (fields, message) in cases {
        let mut form = Form::new().text("scan_type", GENERIC);
        for (name, value) in fields {
            form = form.text(name, value);
        }
        let (status, body) = app.send(IMPORT, form.file("file", "r.json", &report)).await;
        assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!([message])));
    }
    let engagement = app.engagement("Shop", "CI", false).await;
    let (status, body) = app
        .send(
            IMPORT,
            Form::new()
                .text("scan_type", GENERIC)
                .text("product_name", "Shop")
                .text("engagement_name", "Weekly")
                .file("file", "r.json", &report),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!(["Engagement \"Weekly\" does not exist in Product \"Shop\""])
        )
    );
    let (status, body) = app
        .send(IMPORT, generic_form(engagement.id + 100, &report))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!([format!(
                "Engagement \"{}\" does not exist",
                engagement.id + 100
            )])
        )
    );
    nothing_written(&app).await;
    assert_eq!(app.count("product").await, 1);
    assert_eq!(app.count("engagement").await, 1);
});

db_test!(scan_type_is_required_and_must_be_known, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[("Xss", "High")]);
    let (status, body) = app
        .send(
            IMPORT,
            Form::new()
                .text("scan_type", "Nope Scan")
                .text("engagement", &engagement.id.to_string())
                .file("file", "r.json", &report),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({ "scan_type": ["\"Nope Scan\" is not a valid choice."] })
        )
    );
    // Every field's error comes back at once.
    let (status, body) = app
        .send(
            IMPORT,
            Form::new()
                .text("engagement", "first")
                .text("active", "maybe")
                .text("verified", "")
                .text("minimum_severity", "Severe")
                .text("group_by", "color")
                .text("engagement_end_date", "31/12/2030")
                .text("tags", "good,not good")
                .file("file", "r.json", &report),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "scan_type": ["This field is required."],
            "engagement": ["A valid integer is required."],
            "active": ["Must be a valid boolean."],
            "minimum_severity": ["\"Severe\" is not a valid choice."],
            "group_by": ["\"color\" is not a valid choice."],
            "engagement_end_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "tags": ["Invalid tag: 'not good'. Tags should not contain spaces, commas, or quotes."],
        })
    );
    let (status, body) = app
        .send(
            IMPORT,
            generic_form(engagement.id, &report)
                .text("lead", "999")
                .text("endpoint_to_add", "998"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "lead": ["Invalid pk \"999\" - object does not exist."],
            "endpoint_to_add": ["Invalid pk \"998\" - object does not exist."],
        })
    );
    nothing_written(&app).await;
});

db_test!(the_report_file_is_checked, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[("Xss", "High")]);
    let base = || {
        Form::new()
            .text("scan_type", GENERIC)
            .text("engagement", &engagement.id.to_string())
    };
    let (status, body) = app
        .send(IMPORT, base().file("file", "report.exe", &report))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["file"][0].as_str().unwrap_or_default().contains("exe"),
        "{body}"
    );
    let (status, body) = app
        .send(IMPORT, base().file("file", "report", &report))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["file"][0]
            .as_str()
            .unwrap_or_default()
            .contains("no extension"),
        "{body}"
    );
    let (status, body) = app.send(IMPORT, base()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({ "non_field_errors": ["Uploading a Report File is required for Generic Findings Import"] })
        )
    );
    // A reimport without a file is refused too, rather than closing every finding.
    let (status, body) = app.send(REIMPORT, base()).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({ "non_field_errors": ["Uploading a Report File is required for Generic Findings Import"] })
        )
    );
    nothing_written(&app).await;
});

db_test!(a_malformed_report_is_a_message_and_writes_nothing, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let (status, body) = app
        .send(
            IMPORT,
            generic_form(engagement.id, b"{\"findings\": [ oops"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("['") || message.starts_with("[\""),
        "{body}"
    );
    assert!(
        message.ends_with("']") || message.ends_with("\"]"),
        "{body}"
    );
    let (status, body) = app
        .send(
            IMPORT,
            Form::new()
                .text("scan_type", "ZAP Scan")
                .text("engagement", &engagement.id.to_string())
                .file("file", "zap.xml", b"<OWASPZAPReport><site"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().is_some(), "{body}");
    nothing_written(&app).await;
});

db_test!(
    a_report_broken_after_its_first_slices_writes_nothing,
    |db| {
        // Findings are written while the report is still being read, so these
        // 12,000 are in the database, uncommitted, when the parser meets the end.
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        let mut report = dojo_parsers::synthetic::generic_report(0..12_000);
        let cut = report.len() - 3;
        report.truncate(cut);
        let (status, body) = app.send(IMPORT, generic_form(engagement.id, &report)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("JSON"),
            "{body}"
        );
        nothing_written(&app).await;
        assert_eq!(app.count("endpoint").await, 0);
        assert_eq!(app.count("finding_found_by").await, 0);
    }
);

db_test!(
    an_engagement_of_another_product_contradicts_product_name,
    |db| {
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        app.engagement("Blog", "CI", false).await;
        let (status, body) = app
            .send(
                IMPORT,
                generic_form(engagement.id, &generic(&[("Xss", "High")]))
                    .text("product_name", "Blog"),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let messages = body.as_array().expect("a bare array");
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0]
                .as_str()
                .unwrap_or_default()
                .contains("inconsistent"),
            "{body}"
        );
        nothing_written(&app).await;
    }
);

db_test!(scan_date_may_not_be_in_the_future, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let (status, body) = app
        .send(
            IMPORT,
            generic_form(engagement.id, &generic(&[("Xss", "High")]))
                .text("scan_date", &tomorrow.to_string()),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({ "scan_date": ["The scan_date cannot be in the future!"] })
        )
    );
    nothing_written(&app).await;
});

db_test!(only_multipart_is_accepted_and_only_with_credentials, |db| {
    let app = App::new(&db).await;
    let request = Request::post(IMPORT)
        .header("content-type", "application/json")
        .header("authorization", format!("Token {}", app.token))
        .body(Body::from(r#"{"scan_type": "ZAP Scan"}"#))
        .expect("request");
    let (status, body) = call(&app.app, request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        body,
        json!({ "detail": "Unsupported media type \"application/json\" in request." })
    );
    let (status, body) = call(
        &app.app,
        Form::new().text("scan_type", GENERIC).post(REIMPORT, None),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({ "detail": "Authentication credentials were not provided." })
        )
    );
});

/// A report over 100 MB is refused before anything is parsed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_over_100_mb_is_refused() {
    let test_db = dojo_storage::testing::TestDb::sqlite().await;
    dojo_storage::testing::run(test_db, |db| async move {
        let app = App::new(&db).await;
        let big = vec![b' '; dojo_server::api::import::MAX_REPORT_BYTES + 1];
        let (status, body) = app
            .send(
                IMPORT,
                Form::new()
                    .text("scan_type", GENERIC)
                    .text("engagement", "1")
                    .file("file", "big.json", &big),
            )
            .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::BAD_REQUEST,
                json!({ "file": ["Report file is too large. Maximum supported size is 100 MB"] })
            )
        );
    })
    .await;
}
