//! `POST /api/v2/findings/` and `PUT`/`PATCH /api/v2/findings/{id}/`.

use axum::http::StatusCode;
use chrono::{Days, Utc};
use dojo_domain::Role;
use dojo_storage::{bulk, db_test};
use serde_json::{json, Value};

use crate::import::*;

/// An imported test in product "Shop" with one finding; returns (test id,
/// test type id, finding id, product id).
async fn shop_test(app: &App) -> (i64, i64, i64, i64) {
    let engagement = app.engagement("Shop", "CI", false).await;
    let body = app
        .import(generic_form(
            engagement.id,
            &generic(&[("Imported", "Low")]),
        ))
        .await;
    let test_id = id(&body["test_id"]);
    let test_type = app.test(test_id).await.test_type_id;
    let finding = app.findings(test_id).await[0].id;
    (test_id, test_type, finding, engagement.product_id)
}

fn new_finding(test: i64, test_type: i64, title: &str) -> Value {
    json!({
        "test": test,
        "found_by": [test_type],
        "title": title,
        "severity": "High",
        "description": "Found by hand.",
        "numerical_severity": "S1",
        "active": true,
        "verified": false,
        "file_path": "src/app.py",
        "line": 12,
        "tags": ["manual"],
        "vulnerability_ids": ["CVE-2026-1"],
    })
}

db_test!(
    a_writer_creates_a_finding_with_defectdojos_save_rules,
    |db| {
        let app = App::new(&db).await;
        let (test, test_type, _, product) = shop_test(&app).await;
        let writer = member(&app, "writer", product, Role::Writer).await;
        let reader = member(&app, "reader", product, Role::Reader).await;
        let body = new_finding(test, test_type, "Hand made");

        let (status, _) = send(
            &app,
            &reader,
            "POST",
            "/api/v2/findings/",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, created) = send(&app, &writer, "POST", "/api/v2/findings/", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["title"], "Hand made");
        assert_eq!(created["test"], test);
        assert_eq!(created["numerical_severity"], "S1");
        assert_eq!(
            created["notes"],
            json!([]),
            "the create shape lists note ids"
        );
        assert_eq!(created["tags"], json!(["manual"]));
        assert_eq!(created["found_by"], json!([test_type]));
        assert_eq!(created["static_finding"], true);
        assert_eq!(
            created["dynamic_finding"], false,
            "a file path and no endpoints"
        );
        assert_eq!(
            created["vulnerability_ids"],
            json!([{"vulnerability_id": "CVE-2026-1"}])
        );
        assert!(
            created.get("display_status").is_none(),
            "no computed fields"
        );
        let expiry = Utc::now().date_naive().checked_add_days(Days::new(30));
        assert_eq!(
            created["sla_expiration_date"],
            json!(expiry.map(|d| d.to_string())),
            "High: 30 days by default"
        );
        let finding = app.findings(test).await.pop().expect("the new finding");
        assert_eq!(finding.title, "Hand made");
        assert!(
            finding.hash_code.as_deref().is_some_and(|h| h.len() == 64),
            "a new finding gets its hash code"
        );
        let (_, retrieved) = send(
            &app,
            &writer,
            "GET",
            &format!("/api/v2/findings/{}/", finding.id),
            None,
        )
        .await;
        let (_, profile) = send(&app, &writer, "GET", "/api/v2/user_profile/", None).await;
        assert_eq!(
            retrieved["reporter"], profile["user"]["id"],
            "the caller reports it"
        );
        assert_eq!(retrieved["display_status"], "Active");
    }
);

db_test!(finding_create_refuses_bad_parents_and_bodies, |db| {
    let app = App::new(&db).await;
    let (test, test_type, _, _) = shop_test(&app).await;
    let post = |body: Value| send(&app, &app.token, "POST", "/api/v2/findings/", Some(body));

    let mut no_test = new_finding(test, test_type, "x");
    no_test.as_object_mut().map(|m| m.remove("test"));
    let (status, body) = post(no_test).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"detail": "Unable to check for permissions: Attribute 'test' is required"})
    );
    let (status, _) = post(new_finding(test + 1000, test_type, "x")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut bad = new_finding(test, test_type, "x");
    bad["severity"] = json!("Urgent");
    bad["found_by"] = json!([9999]);
    let (status, body) = post(bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["severity"].is_array(), "{body}");

    let mut unknown_type = new_finding(test, test_type, "x");
    unknown_type["found_by"] = json!([9999]);
    let (status, body) = post(unknown_type).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"found_by": ["Invalid pk \"9999\" - object does not exist."]})
    );

    let mut duplicate_active = new_finding(test, test_type, "x");
    duplicate_active["duplicate"] = json!(true);
    let (status, body) = post(duplicate_active).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"non_field_errors": ["Duplicate findings cannot be verified or active"]})
    );
    assert_eq!(app.findings(test).await.len(), 1, "nothing was written");
});

db_test!(patch_and_put_update_a_finding, |db| {
    let app = App::new(&db).await;
    let (_, _, finding, product) = shop_test(&app).await;
    let writer = member(&app, "writer", product, Role::Writer).await;
    let reader = member(&app, "reader", product, Role::Reader).await;
    let path = format!("/api/v2/findings/{finding}/");

    let change = json!({"severity": "Critical", "mitigation": "Upgrade.", "tags": ["triaged"]});
    let (status, _) = send(&app, &reader, "PATCH", &path, Some(change.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(&app, &writer, "PATCH", &path, Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["severity"], "Critical");
    assert_eq!(body["numerical_severity"], "S0");
    assert_eq!(body["mitigation"], "Upgrade.");
    assert_eq!(body["tags"], json!(["triaged"]));
    assert_eq!(
        body["title"], "Imported",
        "PATCH keeps what it was not given"
    );
    let expiry = app.findings(body["test"].as_i64().expect("test")).await[0]
        .date
        .checked_add_days(Days::new(7));
    assert_eq!(
        body["sla_expiration_date"],
        json!(expiry.map(|d| d.to_string())),
        "the SLA follows the new severity"
    );

    // PUT needs every required field.
    let (status, body) = send(&app, &writer, "PUT", &path, Some(json!({"title": "New"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["severity", "description", "found_by", "numerical_severity"] {
        assert!(body[field].is_array(), "{field} missing in {body}");
    }

    // Marking a false positive closes it (status hooks).
    let (status, body) = send(
        &app,
        &writer,
        "PATCH",
        &path,
        Some(json!({"active": false, "false_p": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["is_mitigated"], true);
    assert!(body["mitigated"].is_string(), "{body}");
    assert_eq!(
        body["display_status"],
        "Inactive, Mitigated, False Positive"
    );

    // A member of another product does not see it at all.
    let other = app.engagement("Other", "CI", false).await;
    let outsider = member(&app, "outsider", other.product_id, Role::Owner).await;
    let (status, _) = send(&app, &outsider, "PATCH", &path, Some(json!({"title": "x"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(simple_risk_acceptance_through_patch, |db| {
    let app = App::new(&db).await;
    let (_, _, finding, product) = shop_test(&app).await;
    let path = format!("/api/v2/findings/{finding}/");
    let accept = json!({"risk_accepted": true, "active": false});

    let (status, body) = send(&app, &app.token, "PATCH", &path, Some(accept.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"non_field_errors": [
            "Simple risk acceptance is disabled for this product, use the UI to accept this finding."
        ]})
    );
    let mut conn = app.db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "UPDATE product SET enable_simple_risk_acceptance = $1 WHERE id = $2",
        &[true.into(), product.into()],
    )
    .await
    .expect("enable simple risk acceptance");
    drop(conn);

    let (status, body) = send(&app, &app.token, "PATCH", &path, Some(accept)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["risk_accepted"], true);
    assert_eq!(body["active"], false);
    assert_eq!(
        body["notes"][0]["entry"],
        format!("admin ({}) has risk accepted this finding", app.user.id)
    );

    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &path,
        Some(json!({"risk_accepted": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["risk_accepted"], false);
    assert_eq!(
        body["active"], true,
        "unaccepted and not mitigated: active again"
    );
    assert_eq!(body["notes"].as_array().map(Vec::len), Some(2));
});

db_test!(
    a_created_finding_is_deduplicated_when_the_setting_asks,
    |db| {
        let app = App::new(&db).await;
        app.enable_deduplication().await;
        let (test, test_type, _, _) = shop_test(&app).await;
        let post = |body: Value| send(&app, &app.token, "POST", "/api/v2/findings/", Some(body));

        let (status, first) = post(new_finding(test, test_type, "Same thing")).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (status, second) = post(new_finding(test, test_type, "Same thing")).await;
        assert_eq!(status, StatusCode::CREATED, "{second}");
        assert_eq!(second["duplicate"], true, "{second}");
        assert_eq!(second["active"], false);
        assert_eq!(second["duplicate_finding"], first["id"]);
    }
);
