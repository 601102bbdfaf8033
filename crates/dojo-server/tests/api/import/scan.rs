//! Imports that succeed: targets, options, and what they write.

use axum::http::StatusCode;
use dojo_storage::db_test;
use dojo_storage::repo::{engagements, product_types, products};
use dojo_storage::tags::{self, Tagged};
use serde_json::json;

use super::*;

db_test!(import_into_an_existing_engagement, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[("Xss", "High"), ("Sqli", "Medium"), ("Banner", "Low")]);
    let body = app
        .import(generic_form(engagement.id, &report).text("version", "1.0.1"))
        .await;

    let mut keys: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "active",
            "api_scan_configuration",
            "apply_tags_to_endpoints",
            "apply_tags_to_findings",
            "auto_create_context",
            "close_old_findings",
            "close_old_findings_product_scope",
            "create_finding_groups_for_all_findings",
            "deduplication_complete",
            "deduplication_on_engagement",
            "endpoint_to_add",
            "engagement",
            "engagement_id",
            "lead",
            "minimum_severity",
            "product_id",
            "product_type_id",
            "push_to_jira",
            "scan_type",
            "statistics",
            "tags",
            "test",
            "test_id",
            "verified",
            "version",
        ]
    );
    assert_eq!(
        (body["active"].clone(), body["verified"].clone()),
        (json!(null), json!(null))
    );
    let test_id = id(&body["test_id"]);
    assert_eq!(body["test"], body["test_id"]);
    assert_eq!(body["engagement_id"], json!(engagement.id));
    assert_eq!(body["engagement"], json!(engagement.id));
    assert_eq!(body["product_id"], json!(engagement.product_id));
    assert_eq!(body["scan_type"], GENERIC);
    assert_eq!(body["minimum_severity"], "Info");
    assert_eq!(body["close_old_findings"], false);
    assert_eq!(body["close_old_findings_product_scope"], false);
    assert_eq!(body["push_to_jira"], false);
    assert_eq!(body["create_finding_groups_for_all_findings"], true);
    assert_eq!(body["version"], "1.0.1");
    assert_eq!(body["lead"], json!(null));
    assert_eq!(body["endpoint_to_add"], json!(null));
    assert_eq!(body["api_scan_configuration"], json!(null));
    assert_eq!(body["deduplication_complete"], true);
    assert_eq!(
        body["statistics"],
        json!({ "after": stats(&[("high", open(1)), ("medium", open(1)), ("low", open(1))]) })
    );
    assert!(body.get("file").is_none());

    let test = app.test(test_id).await;
    assert_eq!(test.engagement_id, engagement.id);
    assert_eq!(test.version.as_deref(), Some("1.0.1"));
    assert_eq!(test.percent_complete, Some(100));
    let mut titles: Vec<String> = app
        .findings(test_id)
        .await
        .into_iter()
        .map(|f| f.title)
        .collect();
    titles.sort();
    assert_eq!(titles, vec!["Banner", "Sqli", "Xss"]);
    assert_eq!(app.count("test_import").await, 1);

    // The slash-less path is served too.
    let (status, body) = app
        .send("/api/v2/import-scan", generic_form(engagement.id, &report))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.count("test").await, 2);
    assert_eq!(app.count("finding").await, 6);
});

db_test!(
    auto_create_context_creates_type_product_and_engagement,
    |db| {
        let app = App::new(&db).await;
        let form = || {
            Form::new()
                .text("scan_type", GENERIC)
                .text("product_type_name", "Web")
                .text("product_name", "Portal")
                .text("engagement_name", "Nightly")
                .text("auto_create_context", "True")
                .text("deduplication_on_engagement", "yes")
                .file("file", "r.json", &generic(&[("Xss", "High")]))
        };
        let body = app.import(form()).await;
        let mut conn = db.conn().await.expect("connection");
        let product_type = product_types::get(&mut conn, id(&body["product_type_id"]))
            .await
            .expect("type");
        let product = products::get(&mut conn, id(&body["product_id"]))
            .await
            .expect("product");
        let engagement = engagements::get(&mut conn, id(&body["engagement_id"]))
            .await
            .expect("engagement");
        drop(conn);
        assert_eq!(product_type.name, "Web");
        assert_eq!(
            (product.name.as_str(), product.prod_type_id),
            ("Portal", product_type.id)
        );
        assert_eq!(engagement.name.as_deref(), Some("Nightly"));
        assert_eq!(engagement.product_id, product.id);
        assert_eq!(
            engagement.engagement_type,
            dojo_domain::EngagementType::CiCd
        );
        assert_eq!(engagement.lead_id, Some(app.user.id));
        assert!(engagement.deduplication_on_engagement);
        assert_eq!(body["auto_create_context"], true);
        assert_eq!(body["product_name"], "Portal");

        // The same names again find what the first import created.
        let again = app.import(form()).await;
        assert_eq!(again["engagement_id"], body["engagement_id"]);
        assert_ne!(again["test_id"], body["test_id"]);
        assert_eq!(app.count("product_type").await, 1);
        assert_eq!(app.count("product").await, 1);
        assert_eq!(app.count("engagement").await, 1);
    }
);

db_test!(minimum_severity_drops_lower_findings, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[
        ("A", "Info"),
        ("B", "Low"),
        ("C", "Medium"),
        ("D", "High"),
        ("E", "Critical"),
    ]);
    let body = app
        .import(generic_form(engagement.id, &report).text("minimum_severity", "High"))
        .await;
    assert_eq!(body["minimum_severity"], "High");
    assert_eq!(
        body["statistics"]["after"],
        stats(&[("high", open(1)), ("critical", open(1))])
    );
    assert_eq!(app.findings(id(&body["test_id"])).await.len(), 2);
});

db_test!(scan_date_overrides_finding_dates, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic_with(vec![
        ("Dated", "Low", json!({ "date": "2020-01-01" })),
        ("Undated", "Low", json!({})),
    ]);
    let body = app.import(generic_form(engagement.id, &report)).await;
    let mut dates: Vec<String> = app
        .findings(id(&body["test_id"]))
        .await
        .into_iter()
        .map(|f| format!("{}:{}", f.title, f.date))
        .collect();
    dates.sort();
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        dates,
        vec!["Dated:2020-01-01".to_owned(), format!("Undated:{today}")]
    );

    let body = app
        .import(generic_form(engagement.id, &report).text("scan_date", "2023-05-06"))
        .await;
    assert_eq!(body["scan_date"], "2023-05-06");
    let findings = app.findings(id(&body["test_id"])).await;
    assert_eq!(findings.len(), 2);
    for finding in findings {
        assert_eq!(finding.date.to_string(), "2023-05-06", "{}", finding.title);
    }
    let test = app.test(id(&body["test_id"])).await;
    assert_eq!(test.target_start.date_naive().to_string(), "2023-05-06");
});

db_test!(tags_go_on_the_test_and_optionally_on_findings, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[("Xss", "High"), ("Sqli", "Medium")]);
    let body = app
        .import(
            generic_form(engagement.id, &report)
                .text("tags", "Alpha,beta")
                .text("tags", "GAMMA"),
        )
        .await;
    assert_eq!(body["tags"], json!(["alpha", "beta", "gamma"]));
    let mut conn = db.conn().await.expect("connection");
    let test_id = id(&body["test_id"]);
    assert_eq!(
        tags::get(&mut conn, Tagged::Test, test_id)
            .await
            .expect("tags"),
        vec!["alpha", "beta", "gamma"]
    );
    for finding in app.findings(test_id).await {
        assert!(tags::get(&mut conn, Tagged::Finding, finding.id)
            .await
            .expect("tags")
            .is_empty());
    }

    let body = app
        .import(
            generic_form(engagement.id, &report)
                .text("tags", "ci")
                .text("apply_tags_to_findings", "true"),
        )
        .await;
    let findings = app.findings(id(&body["test_id"])).await;
    assert_eq!(findings.len(), 2);
    for finding in findings {
        assert_eq!(
            tags::get(&mut conn, Tagged::Finding, finding.id)
                .await
                .expect("tags"),
            vec!["ci"]
        );
    }
});

db_test!(
    close_old_findings_on_import_closes_what_the_report_lost,
    |db| {
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        let full = generic(&[("Xss", "High"), ("Sqli", "Medium"), ("Banner", "Low")]);
        let first = app.import(generic_form(engagement.id, &full)).await;
        let first_test = id(&first["test_id"]);

        // Without close_old_findings nothing of the first test changes.
        let smaller = generic(&[("Xss", "High"), ("Sqli", "Medium")]);
        app.import(generic_form(engagement.id, &smaller)).await;
        assert!(app.findings(first_test).await.iter().all(|f| f.active));

        let third = app
            .import(generic_form(engagement.id, &smaller).text("close_old_findings", "true"))
            .await;
        assert_eq!(third["close_old_findings"], true);
        assert_eq!(
            third["statistics"],
            json!({ "after": stats(&[("high", open(1)), ("medium", open(1))]) })
        );
        for finding in app.findings(first_test).await {
            let closed = finding.title == "Banner";
            assert_eq!(finding.is_mitigated, closed, "{}", finding.title);
            assert_eq!(finding.active, !closed, "{}", finding.title);
            assert_eq!(finding.mitigated.is_some(), closed, "{}", finding.title);
        }
        // The second import's findings are still reported, so they stay open.
        let mitigated: i64 = app.count("finding WHERE is_mitigated = TRUE").await;
        assert_eq!(mitigated, 1);
    }
);

db_test!(
    a_test_type_named_after_the_findings_is_still_the_tests,
    |db| {
        // Findings are written while the report is read, before its own keys
        // that come after them; the test and found-by take those keys at the end.
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        let findings: Vec<serde_json::Value> = (0..6_000)
            .map(|n| json!({"title": format!("Issue {n}"), "severity": "Low", "description": "d"}))
            .collect();
        let report = json!({
            "findings": findings,
            "name": "Nightly",
            "type": "Acme Checker",
            "description": "Acme's nightly run",
        });
        let body = app
            .import(generic_form(engagement.id, report.to_string().as_bytes()))
            .await;
        let test_id = body["test_id"].as_i64().expect("test id");
        let (status, test) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/tests/{test_id}/"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{test}");
        assert_eq!(
            test["test_type_name"],
            "Acme Checker Scan (Generic Findings Import)"
        );
        assert_eq!(test["description"], "Acme's nightly run");
        let test_type = test["test_type"].clone();
        let (_, list) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/findings/?test={test_id}&limit=1&o=-id"),
            None,
        )
        .await;
        assert_eq!(list["count"], 6_000);
        assert_eq!(list["results"][0]["found_by"], json!([test_type]));
        let mut conn = app.db.conn().await.expect("connection");
        let stale: Vec<(i64,)> = dojo_storage::bulk::fetch_all(
            &mut conn,
            "SELECT COUNT(*) FROM finding_found_by b JOIN finding f ON f.id = b.finding_id \
         WHERE f.test_id = $1 AND b.test_type_id <> $2",
            &[test_id.into(), test_type.as_i64().expect("id").into()],
        )
        .await
        .expect("count");
        assert_eq!(
            stale,
            vec![(0,)],
            "every found-by row names the report's type"
        );
    }
);
