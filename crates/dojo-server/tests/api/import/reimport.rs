//! Reimport: matching against the test's findings, closing, reactivating, and
//! finding the test by names.

use axum::http::StatusCode;
use dojo_storage::db_test;
use dojo_storage::repo::findings;
use serde_json::{json, Value};

use super::*;

const FULL: &[(&str, &str)] = &[("Xss", "High"), ("Sqli", "Medium"), ("Banner", "Low")];
const WITHOUT_BANNER: &[(&str, &str)] = &[("Xss", "High"), ("Sqli", "Medium")];

fn reimport_form(test_id: i64, report: &[u8]) -> Form {
    Form::new()
        .text("scan_type", GENERIC)
        .text("test", &test_id.to_string())
        .file("file", "report.json", report)
}

fn delta(created: Value, closed: Value, reactivated: Value, untouched: Value) -> Value {
    json!({ "created": created, "closed": closed, "reactivated": reactivated, "untouched": untouched })
}

/// Imports FULL and returns the test id.
async fn imported(app: &App) -> i64 {
    let engagement = app.engagement("Shop", "CI", false).await;
    let body = app
        .import(generic_form(engagement.id, &generic(FULL)))
        .await;
    id(&body["test_id"])
}

async fn banner(app: &App, test_id: i64) -> dojo_domain::entities::Finding {
    app.findings(test_id)
        .await
        .into_iter()
        .find(|f| f.title == "Banner")
        .expect("the Banner finding")
}

db_test!(reimporting_the_same_report_touches_nothing, |db| {
    let app = App::new(&db).await;
    let test_id = imported(&app).await;
    let body = app.reimport(reimport_form(test_id, &generic(FULL))).await;
    let all_open = stats(&[("high", open(1)), ("medium", open(1)), ("low", open(1))]);
    assert_eq!(body["test_id"], json!(test_id));
    assert_eq!(body["test"], json!(test_id));
    assert_eq!(body["close_old_findings"], true);
    assert_eq!(body["do_not_reactivate"], false);
    assert!(body.get("engagement").is_none());
    assert_eq!(
        body["statistics"],
        json!({
            "before": all_open,
            "delta": delta(stats(&[]), stats(&[]), stats(&[]), all_open.clone()),
            "after": all_open,
        })
    );
    assert_eq!(app.findings(test_id).await.len(), 3);
    assert_eq!(app.count("test").await, 1);
    assert_eq!(app.count("test_import").await, 2);
});

db_test!(
    a_finding_left_out_is_closed_and_comes_back_reactivated,
    |db| {
        let app = App::new(&db).await;
        let test_id = imported(&app).await;
        let kept = stats(&[("high", open(1)), ("medium", open(1))]);

        let body = app
            .reimport(reimport_form(test_id, &generic(WITHOUT_BANNER)))
            .await;
        assert_eq!(
            body["statistics"],
            json!({
                "before": stats(&[("high", open(1)), ("medium", open(1)), ("low", open(1))]),
                "delta": delta(stats(&[]), stats(&[("low", closed(1))]), stats(&[]), kept.clone()),
                "after": stats(&[("high", open(1)), ("medium", open(1)), ("low", closed(1))]),
            })
        );
        let finding = banner(&app, test_id).await;
        assert!(finding.is_mitigated && !finding.active && finding.mitigated.is_some());
        assert_eq!(finding.mitigated_by_id, Some(app.user.id));

        let body = app.reimport(reimport_form(test_id, &generic(FULL))).await;
        assert_eq!(
            body["statistics"],
            json!({
                "before": stats(&[("high", open(1)), ("medium", open(1)), ("low", closed(1))]),
                "delta": delta(stats(&[]), stats(&[]), stats(&[("low", open(1))]), kept.clone()),
                "after": stats(&[("high", open(1)), ("medium", open(1)), ("low", open(1))]),
            })
        );
        let finding = banner(&app, test_id).await;
        assert!(!finding.is_mitigated && finding.active && finding.mitigated.is_none());
        assert_eq!(app.findings(test_id).await.len(), 3);
    }
);

db_test!(do_not_reactivate_keeps_a_closed_finding_closed, |db| {
    let app = App::new(&db).await;
    let test_id = imported(&app).await;
    app.reimport(reimport_form(test_id, &generic(WITHOUT_BANNER)))
        .await;
    let body = app
        .reimport(reimport_form(test_id, &generic(FULL)).text("do_not_reactivate", "True"))
        .await;
    let after = stats(&[("high", open(1)), ("medium", open(1)), ("low", closed(1))]);
    assert_eq!(body["do_not_reactivate"], true);
    assert_eq!(
        body["statistics"],
        json!({
            "before": after,
            "delta": delta(
                stats(&[]),
                stats(&[]),
                stats(&[]),
                stats(&[("high", open(1)), ("medium", open(1))])
            ),
            "after": after,
        })
    );
    let finding = banner(&app, test_id).await;
    assert!(finding.is_mitigated && !finding.active);
});

db_test!(a_false_positive_stays_a_false_positive, |db| {
    let app = App::new(&db).await;
    let test_id = imported(&app).await;
    let mut finding = banner(&app, test_id).await;
    finding.false_p = true;
    finding.active = false;
    {
        let mut conn = db.conn().await.expect("connection");
        findings::save(&mut conn, &finding).await.expect("save");
    }
    let body = app.reimport(reimport_form(test_id, &generic(FULL))).await;
    // Not reactivated and not untouched: the close step mitigates it (it was open
    // in the mitigation sense), and it keeps its false-positive mark.
    let fp_closed = [0, 0, 0, 1, 0, 1, 0, 1];
    assert_eq!(
        body["statistics"]["delta"],
        delta(
            stats(&[]),
            stats(&[("low", fp_closed)]),
            stats(&[]),
            stats(&[("high", open(1)), ("medium", open(1))])
        )
    );
    let finding = banner(&app, test_id).await;
    assert!(finding.false_p && !finding.active, "{finding:?}");

    // Once mitigated, further reimports leave it alone.
    let body = app.reimport(reimport_form(test_id, &generic(FULL))).await;
    assert_eq!(body["statistics"]["delta"]["closed"], stats(&[]));
    assert_eq!(body["statistics"]["delta"]["reactivated"], stats(&[]));
    assert_eq!(
        body["statistics"]["after"]["low"],
        counts([0, 0, 0, 1, 0, 1, 0, 1])
    );
    let finding = banner(&app, test_id).await;
    assert!(finding.false_p && !finding.active);
});

db_test!(reimport_finds_the_test_by_names, |db| {
    let app = App::new(&db).await;
    let test_id = imported(&app).await;
    let by_names = || {
        Form::new()
            .text("scan_type", GENERIC)
            .text("product_name", "Shop")
            .text("engagement_name", "CI")
            .file("file", "report.json", &generic(WITHOUT_BANNER))
    };
    let body = app.reimport(by_names()).await;
    assert_eq!(body["test_id"], json!(test_id));
    assert_eq!(body["statistics"]["delta"]["closed"]["total"]["total"], 1);
    assert_eq!(app.count("test").await, 1);

    let (status, body) = app
        .send(
            REIMPORT,
            Form::new()
                .text("scan_type", "ZAP Scan")
                .text("product_name", "Shop")
                .text("engagement_name", "CI")
                .file("file", "zap.xml", &sample("zap/some_2.9.0.xml")),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!(["Test with scan_type \"ZAP Scan\" does not exist in Engagement \"CI\""])
        )
    );
    let (status, body) = app
        .send(REIMPORT, reimport_form(test_id + 50, &generic(FULL)))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!([format!("Test \"{}\" does not exist", test_id + 50)])
        )
    );
});

db_test!(
    reimport_with_auto_create_and_no_test_imports_a_new_one,
    |db| {
        let app = App::new(&db).await;
        let body = app
            .reimport(
                Form::new()
                    .text("scan_type", GENERIC)
                    .text("product_type_name", "Web")
                    .text("product_name", "Portal")
                    .text("engagement_name", "Nightly")
                    .text("auto_create_context", "1")
                    .file("file", "report.json", &generic(FULL)),
            )
            .await;
        assert_eq!(
            body["statistics"],
            json!({ "after": stats(&[("high", open(1)), ("medium", open(1)), ("low", open(1))]) })
        );
        assert_eq!(app.count("product").await, 1);
        assert_eq!(app.count("engagement").await, 1);
        assert_eq!(app.count("test").await, 1);
        assert_eq!(app.findings(id(&body["test_id"])).await.len(), 3);

        // In an existing engagement without a test of this scan type, too.
        let body = app
            .reimport(
                Form::new()
                    .text("scan_type", "ZAP Scan")
                    .text("product_name", "Portal")
                    .text("engagement_name", "Nightly")
                    .text("auto_create_context", "true")
                    .file("file", "zap.xml", &sample("zap/some_2.9.0.xml")),
            )
            .await;
        assert_eq!(body["statistics"]["after"]["total"]["total"], 7);
        assert!(body["statistics"].get("before").is_none());
        assert_eq!(app.count("engagement").await, 1);
        assert_eq!(app.count("test").await, 2);
    }
);

db_test!(reimport_of_a_subset_with_ids_or_hashes, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Bash", "CI", false).await;
    let full = sample("sarif/bash-report-fabricated-no-internal-dupes.sarif");
    let subset = sample("sarif/bash-report-fabricated-no-internal-dupes-subset.sarif");
    let body = app
        .import(
            Form::new()
                .text("scan_type", "SARIF")
                .text("engagement", &engagement.id.to_string())
                .file("file", "full.sarif", &full),
        )
        .await;
    let test_id = id(&body["test_id"]);
    let body = app
        .reimport(
            Form::new()
                .text("scan_type", "SARIF")
                .text("test", &test_id.to_string())
                .file("file", "sub.sarif", &subset),
        )
        .await;
    assert_eq!(
        body["statistics"]["delta"],
        delta(
            stats(&[]),
            stats(&[("info", closed(1))]),
            stats(&[]),
            stats(&[("info", open(4))])
        )
    );
    assert_eq!(
        body["statistics"]["after"],
        stats(&[("info", [4, 0, 0, 0, 0, 1, 0, 5])])
    );
});

/// The ids and CWE rows of a finding as the API shows them, and its `cve` column.
async fn ids_and_cwes(app: &App, finding_id: i64) -> (Value, Value, Value) {
    let (status, body) = send(
        app,
        &app.token,
        "GET",
        &format!("/api/v2/findings/{finding_id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut conn = app.db.conn().await.expect("connection");
    let row = findings::get(&mut conn, finding_id).await.expect("finding");
    (
        body["vulnerability_ids"].clone(),
        body["cwes"].clone(),
        json!(row.cve),
    )
}

/// Row ids of a finding's vulnerability references and CWEs: new ones when rewritten.
async fn id_rows(app: &App, finding_id: i64) -> Vec<(i64,)> {
    let mut conn = app.db.conn().await.expect("connection");
    dojo_storage::bulk::fetch_all(
        &mut conn,
        "SELECT id FROM finding_vulnerability_reference WHERE finding_id = $1 \
         UNION ALL SELECT id FROM finding_cwe WHERE finding_id = $1 ORDER BY 1",
        &[finding_id.into()],
    )
    .await
    .expect("rows")
}

fn with_ids(cve: &str, ids: &[&str], cwes: &[u32]) -> Value {
    json!({ "cve": cve, "vulnerability_ids": ids, "cwes": cwes })
}

db_test!(matched_findings_follow_the_reports_ids_and_cwes, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let first = generic_with(vec![
        ("Xss", "High", with_ids("CVE-2020-1", &["GHSA-1"], &[79])),
        ("Sqli", "Medium", with_ids("CVE-2020-2", &[], &[79])),
    ]);
    let body = app.import(generic_form(engagement.id, &first)).await;
    let test_id = id(&body["test_id"]);
    let by_title = |findings: Vec<dojo_domain::entities::Finding>, title: &str| {
        findings
            .into_iter()
            .find(|f| f.title == title)
            .expect("the finding")
    };
    let xss = by_title(app.findings(test_id).await, "Xss");
    let sqli = by_title(app.findings(test_id).await, "Sqli");
    assert_eq!(
        ids_and_cwes(&app, xss.id).await,
        (
            json!([{"vulnerability_id": "CVE-2020-1"}, {"vulnerability_id": "GHSA-1"}]),
            json!([{"cwe": "CWE-79"}]),
            json!("CVE-2020-1"),
        )
    );
    let sqli_rows = id_rows(&app, sqli.id).await;

    // Xss now reports another CVE, a second CWE and a tag; Sqli is unchanged.
    let mut changed = with_ids("CVE-2021-9", &["GHSA-1"], &[79, 89]);
    changed["tags"] = json!(["fresh"]);
    let second = generic_with(vec![
        ("Xss", "High", changed),
        ("Sqli", "Medium", with_ids("CVE-2020-2", &[], &[79])),
    ]);
    let body = app.reimport(reimport_form(test_id, &second)).await;
    assert_eq!(
        body["statistics"]["delta"]["untouched"]["total"]["total"],
        2
    );
    assert_eq!(app.findings(test_id).await.len(), 2);
    assert_eq!(
        ids_and_cwes(&app, xss.id).await,
        (
            json!([{"vulnerability_id": "CVE-2021-9"}, {"vulnerability_id": "GHSA-1"}]),
            json!([{"cwe": "CWE-79"}, {"cwe": "CWE-89"}]),
            json!("CVE-2021-9"),
        )
    );
    let xss_after = by_title(app.findings(test_id).await, "Xss");
    assert_eq!(xss_after.cve.as_deref(), Some("CVE-2021-9"));
    assert!(xss_after.updated > xss.updated);
    // Tags of the report are not applied to a matched finding.
    let (_, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/findings/{}/", xss.id),
        None,
    )
    .await;
    assert_eq!(body["tags"], json!([]));
    // The unchanged finding's rows and row are not rewritten.
    assert_eq!(id_rows(&app, sqli.id).await, sqli_rows);
    let sqli_after = by_title(app.findings(test_id).await, "Sqli");
    assert_eq!(sqli_after.updated, sqli.updated);
    assert_eq!(
        ids_and_cwes(&app, sqli.id).await,
        (
            json!([{"vulnerability_id": "CVE-2020-2"}]),
            json!([{"cwe": "CWE-79"}]),
            json!("CVE-2020-2"),
        )
    );

    // A report without ids clears them (and the cve); only the order changing is no change.
    let third = generic_with(vec![
        ("Xss", "High", json!({ "cwes": [79, 89] })),
        ("Sqli", "Medium", with_ids("CVE-2020-2", &[], &[79])),
    ]);
    app.reimport(reimport_form(test_id, &third)).await;
    assert_eq!(
        ids_and_cwes(&app, xss.id).await,
        (
            json!([]),
            json!([{"cwe": "CWE-79"}, {"cwe": "CWE-89"}]),
            json!(null)
        )
    );
    assert_eq!(id_rows(&app, sqli.id).await, sqli_rows);
});

db_test!(a_change_inside_a_set_of_three_ids_is_seen, |db| {
    // Sets of up to two ids are compared by count, least and greatest; larger
    // ones in full, so a change that keeps both ends is still a change.
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let first = generic_with(vec![(
        "Rce",
        "High",
        with_ids("CVE-2020-1", &["GHSA-b", "GHSA-z"], &[78, 94, 99]),
    )]);
    let body = app.import(generic_form(engagement.id, &first)).await;
    let test_id = id(&body["test_id"]);
    let rce = app.findings(test_id).await.remove(0);
    let second = generic_with(vec![(
        "Rce",
        "High",
        with_ids("CVE-2020-1", &["GHSA-c", "GHSA-z"], &[78, 95, 99]),
    )]);
    app.reimport(reimport_form(test_id, &second)).await;
    let (ids, cwes, _) = ids_and_cwes(&app, rce.id).await;
    assert_eq!(
        ids,
        json!([
            {"vulnerability_id": "CVE-2020-1"},
            {"vulnerability_id": "GHSA-c"},
            {"vulnerability_id": "GHSA-z"}
        ])
    );
    // CWE-79 is the finding's primary CWE, which generic_with sets.
    assert_eq!(
        cwes,
        json!([{"cwe": "CWE-78"}, {"cwe": "CWE-79"}, {"cwe": "CWE-95"}, {"cwe": "CWE-99"}])
    );
});

db_test!(skipped_matches_keep_their_ids_and_cwes, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let first = generic_with(vec![
        ("Xss", "High", with_ids("CVE-2020-1", &[], &[79])),
        ("Sqli", "Medium", with_ids("CVE-2020-2", &[], &[79])),
    ]);
    let body = app.import(generic_form(engagement.id, &first)).await;
    let test_id = id(&body["test_id"]);
    // Sqli leaves the report and is closed.
    app.reimport(reimport_form(
        test_id,
        &generic_with(vec![("Xss", "High", with_ids("CVE-2020-1", &[], &[79]))]),
    ))
    .await;
    let sqli = app
        .findings(test_id)
        .await
        .into_iter()
        .find(|f| f.title == "Sqli")
        .expect("Sqli");
    assert!(sqli.is_mitigated);
    let rows = id_rows(&app, sqli.id).await;
    // It comes back with another CVE, but is not reactivated: skipped, so
    // its ids and CWEs stay.
    let changed = with_ids("CVE-2099-1", &[], &[79, 89]);
    app.reimport(
        reimport_form(
            test_id,
            &generic_with(vec![
                ("Xss", "High", with_ids("CVE-2020-1", &[], &[79])),
                ("Sqli", "Medium", changed),
            ]),
        )
        .text("do_not_reactivate", "true"),
    )
    .await;
    assert_eq!(id_rows(&app, sqli.id).await, rows);
    assert_eq!(
        ids_and_cwes(&app, sqli.id).await,
        (
            json!([{"vulnerability_id": "CVE-2020-2"}]),
            json!([{"cwe": "CWE-79"}]),
            json!("CVE-2020-2"),
        )
    );
});
