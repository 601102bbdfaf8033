//! The configuration resources (api.md §3.11): SLA configurations and the
//! recomputation of findings' SLA dates, system settings, regulations,
//! development environments and note types.

use axum::http::StatusCode;
use dojo_storage::repo::findings as finding_rows;
use dojo_storage::{db_test, settings};
use serde_json::{json, Value};

use crate::import::*;

async fn ok(app: &App, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = send(app, &app.token, method, path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

db_test!(sla_configurations_round_trip, |db| {
    let app = App::new(&db).await;
    let page = ok(&app, "GET", "/api/v2/sla_configurations/", None).await;
    assert_eq!(page["count"], 2, "{page}");
    assert_eq!(page["results"][0]["name"], "Default");
    assert!(page.get("prefetch").is_none());

    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/sla_configurations/",
        Some(json!({"name": "Fast", "high": 10})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        created,
        json!({"id": id, "name": "Fast", "description": null, "critical": 7,
               "enforce_critical": true, "high": 10, "enforce_high": true, "medium": 90,
               "enforce_medium": true, "low": 120, "enforce_low": true,
               "restart_sla_on_reactivation": false})
    );
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/sla_configurations/",
        Some(json!({"name": "Fast", "low": 0})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["name"][0]
        .as_str()
        .unwrap_or_default()
        .contains("already exists"));
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/sla_configurations/",
        Some(json!({"name": "Zero", "low": 0})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["SLA Days must be at least 1"])
    );

    let path = format!("/api/v2/sla_configurations/{id}/");
    let patched = ok(&app, "PATCH", &path, Some(json!({"description": "d"}))).await;
    assert_eq!(
        (patched["description"].clone(), patched["high"].clone()),
        (json!("d"), json!(10))
    );
    let (status, body) = send(&app, &app.token, "PUT", &path, Some(json!({"low": 3}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["name"], json!(["This field is required."]));
    assert_eq!(ok(&app, "GET", &path, None).await["low"], 120);

    // The default is never deleted; one a product uses neither (409).
    let (status, body) = send(
        &app,
        &app.token,
        "DELETE",
        "/api/v2/sla_configurations/1/",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["message"],
        "['Unable to delete default SLA Configuration']"
    );
    let engagement = app.engagement("Shop", "CI", false).await;
    ok(
        &app,
        "PATCH",
        &format!("/api/v2/products/{}/", engagement.product_id),
        Some(json!({"sla_configuration": id})),
    )
    .await;
    let (status, body) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].is_string());
    let (status, unused) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/sla_configurations/",
        Some(json!({"name": "Unused"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let unused = format!("/api/v2/sla_configurations/{}/", unused["id"]);
    let (status, _) = send(&app, &app.token, "DELETE", &unused, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(&app, &app.token, "GET", &unused, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["detail"],
        "No SLA_Configuration matches the given query."
    );

    // Configuration permissions: 403 for other users, before any lookup.
    let (_, token) = user_with_token(&db, "someone", false).await;
    for (method, target) in [
        ("GET", "/api/v2/sla_configurations/".to_owned()),
        ("GET", path.clone()),
        ("GET", "/api/v2/sla_configurations/987654/".to_owned()),
        ("PATCH", path.clone()),
        ("DELETE", path.clone()),
    ] {
        let (status, _) = send(&app, &token, method, &target, Some(json!({"low": 5}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {target}");
    }
});

/// The findings' expiration dates, by title.
async fn expirations(app: &App, test: i64) -> Vec<(String, Option<String>)> {
    let mut rows: Vec<(String, Option<String>)> = app
        .findings(test)
        .await
        .into_iter()
        .map(|f| (f.title, f.sla_expiration_date.map(|d| d.to_string())))
        .collect();
    rows.sort();
    rows
}

fn days_after(start: chrono::NaiveDate, days: u64) -> Option<String> {
    start
        .checked_add_days(chrono::Days::new(days))
        .map(|d| d.to_string())
}

db_test!(sla_changes_recompute_expiration_dates, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[("Xss", "High"), ("Banner", "Low"), ("Note", "Info")]);
    let import = app.import(generic_form(engagement.id, &report)).await;
    let test = import["test_id"].as_i64().expect("test");
    let start = app.findings(test).await[0].date;
    assert_eq!(
        expirations(&app, test).await,
        vec![
            ("Banner".into(), days_after(start, 120)),
            ("Note".into(), None),
            ("Xss".into(), days_after(start, 30)),
        ]
    );
    // Another product keeps the default.
    let other = app.engagement("Other", "CI", false).await;
    let other_test = app
        .import(generic_form(other.id, &generic(&[("Xss", "High")])))
        .await["test_id"]
        .as_i64()
        .expect("test");

    // Moving the product to another configuration recomputes its findings.
    let (status, sla) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/sla_configurations/",
        Some(json!({"name": "Strict", "high": 5, "enforce_low": false})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sla}");
    let sla_id = sla["id"].as_i64().expect("id");
    ok(
        &app,
        "PATCH",
        &format!("/api/v2/products/{}/", engagement.product_id),
        Some(json!({"sla_configuration": sla_id})),
    )
    .await;
    assert_eq!(
        expirations(&app, test).await,
        vec![
            ("Banner".into(), None),
            ("Note".into(), None),
            ("Xss".into(), days_after(start, 5)),
        ]
    );

    // Changing the configuration's days recomputes every product using it.
    let path = format!("/api/v2/sla_configurations/{sla_id}/");
    ok(
        &app,
        "PATCH",
        &path,
        Some(json!({"high": 12, "enforce_low": true, "low": 60})),
    )
    .await;
    assert_eq!(
        expirations(&app, test).await,
        vec![
            ("Banner".into(), days_after(start, 60)),
            ("Note".into(), None),
            ("Xss".into(), days_after(start, 12)),
        ]
    );
    // The start is `sla_start_date` when set.
    let mut conn = db.conn().await.expect("connection");
    let mut xss = app
        .findings(test)
        .await
        .into_iter()
        .find(|f| f.title == "Xss")
        .expect("xss");
    let later = start + chrono::Days::new(3);
    xss.sla_start_date = Some(later);
    finding_rows::save(&mut conn, &xss).await.expect("save");
    drop(conn);
    ok(&app, "PATCH", &path, Some(json!({"high": 20}))).await;
    let dates = expirations(&app, test).await;
    assert_eq!(dates[2], ("Xss".into(), days_after(later, 20)));
    assert_eq!(
        expirations(&app, other_test).await,
        vec![("Xss".into(), days_after(start, 30))]
    );

    // With SLAs off in the settings, nothing is recomputed.
    let mut conn = db.conn().await.expect("connection");
    let mut system = settings::load(&mut conn).await.expect("settings");
    system.enable_finding_sla = false;
    settings::save(&mut conn, &system).await.expect("save");
    drop(conn);
    ok(&app, "PATCH", &path, Some(json!({"high": 1}))).await;
    assert_eq!(
        expirations(&app, test).await[2],
        ("Xss".into(), days_after(later, 20))
    );
});

db_test!(system_settings_list_and_update, |db| {
    let app = App::new(&db).await;
    let page = ok(&app, "GET", "/api/v2/system_settings/", None).await;
    assert_eq!(page["count"], 1);
    let row = &page["results"][0];
    assert_eq!(row["id"], 1);
    assert_eq!(row["enable_finding_sla"], true);
    assert_eq!(row["max_dupes"], 10);
    assert_eq!(row["minimum_password_length"], 9);
    assert_eq!(row["jira_minimum_severity"], "Low");

    let patched = ok(
        &app,
        "PATCH",
        "/api/v2/system_settings/1/",
        Some(json!({"enable_deduplication": true, "max_dupes": null, "team_name": "Blue"})),
    )
    .await;
    assert_eq!(patched["enable_deduplication"], true);
    assert_eq!(patched["max_dupes"], Value::Null);
    assert_eq!(patched["team_name"], "Blue");
    let mut conn = db.conn().await.expect("connection");
    assert!(
        settings::load(&mut conn)
            .await
            .expect("settings")
            .enable_deduplication
    );
    drop(conn);
    // PUT needs nothing: every field has a default.
    let put = ok(
        &app,
        "PUT",
        "/api/v2/system_settings/1/",
        Some(json!({"enable_jira": true})),
    )
    .await;
    assert_eq!(
        (put["enable_jira"].clone(), put["team_name"].clone()),
        (json!(true), json!("Blue"))
    );

    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        "/api/v2/system_settings/1/",
        Some(json!({"minimum_password_length": 60, "enable_jira": "maybe"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["enable_jira"], json!(["Must be a valid boolean."]));
    let (status, _) = send(
        &app,
        &app.token,
        "PATCH",
        "/api/v2/system_settings/2/",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (method, path) in [
        ("GET", "/api/v2/system_settings/1/"),
        ("DELETE", "/api/v2/system_settings/1/"),
        ("POST", "/api/v2/system_settings/"),
    ] {
        let (status, _) = send(&app, &app.token, method, path, Some(json!({}))).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
    let (_, token) = user_with_token(&db, "someone", false).await;
    for (method, path) in [
        ("GET", "/api/v2/system_settings/"),
        ("PATCH", "/api/v2/system_settings/1/"),
        ("GET", "/api/v2/system_settings/1/"),
    ] {
        let (status, _) = send(&app, &token, method, path, Some(json!({}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
});

db_test!(
    regulations_are_read_by_all_and_written_by_superusers,
    |db| {
        let app = App::new(&db).await;
        let gdpr = json!({"name": "General Data Protection Regulation", "acronym": "GDPR",
                      "category": "privacy", "jurisdiction": "EU",
                      "description": "Personal data", "reference": "https://gdpr.eu/"});
        let (status, created) = send(
            &app,
            &app.token,
            "POST",
            "/api/v2/regulations/",
            Some(gdpr.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().expect("id");
        let mut expected = gdpr.clone();
        expected["id"] = json!(id);
        assert_eq!(created, expected);

        let mut again = gdpr.clone();
        again["name"] = json!("Other");
        let (status, body) = send(
            &app,
            &app.token,
            "POST",
            "/api/v2/regulations/",
            Some(again),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["acronym"],
            json!(["regulation with this acronym already exists."])
        );
        assert!(body.get("name").is_none());
        let (status, body) = send(
            &app,
            &app.token,
            "POST",
            "/api/v2/regulations/",
            Some(
                json!({"name": "X", "acronym": "X", "category": "law", "jurisdiction": "Y",
                    "reference": "not a url"}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["category"], json!(["\"law\" is not a valid choice."]));
        assert_eq!(body["reference"], json!(["Enter a valid URL."]));

        let (_, token) = user_with_token(&db, "someone", false).await;
        let (status, page) = send(
            &app,
            &token,
            "GET",
            "/api/v2/regulations/?name=General%20Data%20Protection%20Regulation",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["count"], 1);
        let (_, page) = send(
            &app,
            &token,
            "GET",
            "/api/v2/regulations/?name=General",
            None,
        )
        .await;
        assert_eq!(page["count"], 0, "name is exact");
        let (status, _) = send(
            &app,
            &token,
            "GET",
            &format!("/api/v2/regulations/{id}/"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = send(&app, &token, "GET", "/api/v2/regulations/987654/", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["detail"], "No Regulation matches the given query.");
        for (method, path) in [
            ("POST", "/api/v2/regulations/".to_owned()),
            ("PATCH", format!("/api/v2/regulations/{id}/")),
            ("DELETE", format!("/api/v2/regulations/{id}/")),
        ] {
            let (status, _) = send(&app, &token, method, &path, Some(gdpr.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        }
        let patched = ok(
            &app,
            "PATCH",
            &format!("/api/v2/regulations/{id}/"),
            Some(json!({"category": "other"})),
        )
        .await;
        assert_eq!(patched["category"], "other");
        let (status, _) = send(
            &app,
            &app.token,
            "DELETE",
            &format!("/api/v2/regulations/{id}/"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
);

db_test!(development_environments_and_note_types, |db| {
    let app = App::new(&db).await;
    let (_, token) = user_with_token(&db, "someone", false).await;
    let (status, page) = send(
        &app,
        &token,
        "GET",
        "/api/v2/development_environments/",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let seeded = page["count"].as_i64().expect("count");
    assert!(seeded > 0, "{page}");
    let env = ok(
        &app,
        "POST",
        "/api/v2/development_environments/",
        Some(json!({"name": "Staging lab"})),
    )
    .await;
    assert_eq!(env, json!({"id": env["id"], "name": "Staging lab"}));
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/development_environments/",
        Some(json!({"name": "Staging lab"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["name"][0]
        .as_str()
        .unwrap_or_default()
        .ends_with("already exists."));
    let (status, _) = send(
        &app,
        &token,
        "POST",
        "/api/v2/development_environments/",
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Note types: configuration permissions even to read.
    let (status, _) = send(&app, &token, "GET", "/api/v2/note_type/", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let created = ok(
        &app,
        "POST",
        "/api/v2/note_type/",
        Some(json!({"name": "Triage", "description": "Why it matters"})),
    )
    .await;
    assert_eq!(
        created,
        json!({"id": created["id"], "name": "Triage", "description": "Why it matters",
               "is_single": false, "is_active": true, "is_mandatory": true})
    );
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/note_type/",
        Some(json!({"name": "Triage"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["description"], json!(["This field is required."]));
    assert!(body["name"].is_array(), "{body}");
    ok(
        &app,
        "POST",
        "/api/v2/note_type/",
        Some(json!({"name": "Aside", "description": "d", "is_active": false})),
    )
    .await;
    let page = ok(&app, "GET", "/api/v2/note_type/?is_active=false", None).await;
    assert_eq!(page["count"], 1);
    assert_eq!(page["results"][0]["name"], "Aside");
    let page = ok(&app, "GET", "/api/v2/note_type/?name=Triage", None).await;
    assert_eq!(page["count"], 1);
    let (status, body) = send(&app, &app.token, "GET", "/api/v2/note_type/?id=x", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["id"], json!(["Enter a whole number."]));
    let path = format!("/api/v2/note_type/{}/", created["id"]);
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});

db_test!(finding_templates_round_trip, |db| {
    let app = App::new(&db).await;
    let created = ok(
        &app,
        "POST",
        "/api/v2/finding_templates/",
        Some(
            json!({"title": "Reflected XSS", "severity": "High", "cwe": 79,
                    "vulnerability_ids": "CVE-2020-1\nGHSA-xxxx", "references": "https://owasp.org",
                    "endpoints": ["https://shop.example.com/search"], "tags": ["Web"],
                    "fix_available": true}),
        ),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["numerical_severity"], "S1");
    assert_eq!(
        created["vulnerability_ids"],
        json!(["CVE-2020-1", "GHSA-xxxx"])
    );
    assert_eq!(
        created["endpoints"],
        json!(["https://shop.example.com/search"])
    );
    assert_eq!(created["tags"], json!(["web"]));
    assert_eq!(created["last_used"], Value::Null);
    assert_eq!(created["fix_available"], true);
    ok(
        &app,
        "POST",
        "/api/v2/finding_templates/",
        Some(json!({"title": "Banner", "cwe": 200})),
    )
    .await;

    for (query, count) in [
        ("title=xss", 1),
        ("cwe=79", 1),
        ("severity=High", 1),
        ("tags=web", 1),
        ("not_tags=web", 1),
        ("mitigation=zz", 0),
    ] {
        let page = ok(
            &app,
            "GET",
            &format!("/api/v2/finding_templates/?{query}"),
            None,
        )
        .await;
        assert_eq!(page["count"], count, "{query}");
    }
    let page = ok(&app, "GET", "/api/v2/finding_templates/?o=-cwe", None).await;
    assert_eq!(page["results"][0]["title"], "Banner");

    let path = format!("/api/v2/finding_templates/{id}/");
    let patched = ok(
        &app,
        "PATCH",
        &path,
        Some(json!({"severity": "Low", "tags": []})),
    )
    .await;
    assert_eq!(
        (
            patched["numerical_severity"].clone(),
            patched["tags"].clone()
        ),
        (json!("S3"), json!([]))
    );
    let (status, body) = send(
        &app,
        &app.token,
        "PUT",
        &path,
        Some(json!({"severity": "Low"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["title"], json!(["This field is required."]));
    let (_, token) = user_with_token(&db, "someone", false).await;
    let (status, _) = send(&app, &token, "GET", &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});
