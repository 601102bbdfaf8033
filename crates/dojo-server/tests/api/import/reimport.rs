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
