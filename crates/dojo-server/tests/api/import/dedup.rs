//! De-duplication at import, per algorithm, and under concurrent imports.

use dojo_storage::db_test;
use serde_json::{json, Value};

use super::*;

/// `(duplicate, duplicate_finding_id is among `originals`)` for every finding of a test.
async fn duplicates_of(app: &App, test_id: i64, originals: &[i64]) -> Vec<(bool, bool)> {
    app.findings(test_id)
        .await
        .into_iter()
        .map(|f| {
            (
                f.duplicate,
                f.duplicate_finding_id
                    .is_some_and(|o| originals.contains(&o)),
            )
        })
        .collect()
}

async fn ids_of(app: &App, test_id: i64) -> Vec<i64> {
    app.findings(test_id)
        .await
        .into_iter()
        .map(|f| f.id)
        .collect()
}

fn form(scan_type: &str, engagement: i64, file_name: &str, report: &[u8]) -> Form {
    Form::new()
        .text("scan_type", scan_type)
        .text("engagement", &engagement.to_string())
        .file("file", file_name, report)
}

db_test!(hash_code_duplicates_across_engagements_of_a_product, |db| {
    let app = App::new(&db).await;
    app.enable_deduplication().await;
    let first = app.engagement("Shop", "one", false).await;
    let second = app.engagement("Shop", "two", false).await;
    let report = sample("zap/some_2.9.0.xml");
    let a = app
        .import(form("ZAP Scan", first.id, "zap.xml", &report))
        .await;
    assert_eq!(
        a["statistics"]["after"],
        stats(&[("info", open(1)), ("low", open(5)), ("medium", open(1))])
    );
    let originals = ids_of(&app, id(&a["test_id"])).await;
    assert_eq!(originals.len(), 7);

    let b = app
        .import(form("ZAP Scan", second.id, "zap.xml", &report))
        .await;
    // Duplicates are inactive.
    let dup = |n: i64| [0, 0, n, 0, 0, 0, 0, n];
    assert_eq!(
        b["statistics"]["after"],
        stats(&[("info", dup(1)), ("low", dup(5)), ("medium", dup(1))])
    );
    assert_eq!(
        duplicates_of(&app, id(&b["test_id"]), &originals).await,
        vec![(true, true); 7]
    );
    // The originals are untouched.
    assert_eq!(
        duplicates_of(&app, id(&a["test_id"]), &[]).await,
        vec![(false, false); 7]
    );
});

db_test!(deduplication_on_engagement_keeps_engagements_apart, |db| {
    let app = App::new(&db).await;
    app.enable_deduplication().await;
    let first = app.engagement("Shop", "one", true).await;
    let second = app.engagement("Shop", "two", true).await;
    let report = generic(&[("Xss", "High"), ("Sqli", "Medium")]);
    app.import(generic_form(first.id, &report)).await;
    let b = app.import(generic_form(second.id, &report)).await;
    assert_eq!(
        b["statistics"]["after"],
        stats(&[("high", open(1)), ("medium", open(1))])
    );
    assert_eq!(
        duplicates_of(&app, id(&b["test_id"]), &[]).await,
        vec![(false, false); 2]
    );
    // Within one engagement they are duplicates again.
    let c = app.import(generic_form(second.id, &report)).await;
    assert_eq!(c["statistics"]["after"]["total"]["duplicate"], 2);
});

/// The Prowler report with every title changed: hash codes differ, ids do not.
fn prowler_retitled() -> Vec<u8> {
    let mut report: Value =
        serde_json::from_slice(&sample("aws_prowler_v3plus/many_vuln.json")).expect("JSON");
    for finding in report.as_array_mut().expect("array") {
        let title = finding["StatusExtended"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        finding["StatusExtended"] = json!(format!("{title} (again)"));
    }
    serde_json::to_vec(&report).expect("JSON")
}

db_test!(unique_id_from_tool_matches_on_the_tools_id_alone, |db| {
    let app = App::new(&db).await;
    app.enable_deduplication().await;
    let first = app.engagement("Cloud", "one", false).await;
    let second = app.engagement("Cloud", "two", false).await;
    let scan = "AWS Prowler V3";
    let a = app
        .import(form(
            scan,
            first.id,
            "p.json",
            &sample("aws_prowler_v3plus/many_vuln.json"),
        ))
        .await;
    assert_eq!(
        a["statistics"]["after"],
        stats(&[("high", open(1)), ("medium", open(1)), ("low", open(1))])
    );
    let originals = ids_of(&app, id(&a["test_id"])).await;
    let retitled = prowler_retitled();
    let b = app.import(form(scan, second.id, "p.json", &retitled)).await;
    assert_eq!(b["statistics"]["after"]["total"]["duplicate"], 3);
    assert_eq!(
        duplicates_of(&app, id(&b["test_id"]), &originals).await,
        vec![(true, true); 3]
    );
    let titles: Vec<String> = app
        .findings(id(&b["test_id"]))
        .await
        .into_iter()
        .map(|f| f.title)
        .collect();
    assert!(titles.iter().all(|t| t.ends_with("(again)")), "{titles:?}");
});

db_test!(unique_id_from_tool_or_hash_code_matches_either, |db| {
    let app = App::new(&db).await;
    app.enable_deduplication().await;
    let first = app.engagement("Bash", "one", false).await;
    let second = app.engagement("Bash", "two", false).await;
    let full = sample("sarif/bash-report-fabricated-no-internal-dupes.sarif");
    let subset = sample("sarif/bash-report-fabricated-no-internal-dupes-subset.sarif");
    let a = app
        .import(form("SARIF", first.id, "full.sarif", &full))
        .await;
    assert_eq!(a["statistics"]["after"], stats(&[("info", open(5))]));
    let originals = ids_of(&app, id(&a["test_id"])).await;
    let b = app
        .import(form("SARIF", second.id, "sub.sarif", &subset))
        .await;
    assert_eq!(
        b["statistics"]["after"],
        stats(&[("info", [0, 0, 4, 0, 0, 0, 0, 4])])
    );
    assert_eq!(
        duplicates_of(&app, id(&b["test_id"]), &originals).await,
        vec![(true, true); 4]
    );
});

db_test!(
    concurrent_imports_into_one_product_both_succeed_and_deduplicate,
    |db| {
        let app = App::new(&db).await;
        app.enable_deduplication().await;
        let first = app.engagement("Shop", "one", false).await;
        let second = app.engagement("Shop", "two", false).await;
        let report = generic(&[("Xss", "High"), ("Sqli", "Medium"), ("Banner", "Low")]);
        let (a, b) = tokio::join!(
            app.send(IMPORT, generic_form(first.id, &report)),
            app.send(IMPORT, generic_form(second.id, &report)),
        );
        assert_eq!(a.0, axum::http::StatusCode::CREATED, "{}", a.1);
        assert_eq!(b.0, axum::http::StatusCode::CREATED, "{}", b.1);
        // Whichever committed second holds the duplicates.
        let (a, b) = (a.1, b.1);
        let (earlier, later) = if id(&a["test_id"]) < id(&b["test_id"]) {
            (a, b)
        } else {
            (b, a)
        };
        let originals = ids_of(&app, id(&earlier["test_id"])).await;
        assert_eq!(earlier["statistics"]["after"]["total"]["duplicate"], 0);
        assert_eq!(later["statistics"]["after"]["total"]["duplicate"], 3);
        assert_eq!(
            duplicates_of(&app, id(&later["test_id"]), &originals).await,
            vec![(true, true); 3]
        );
        assert_eq!(app.count("finding").await, 6);
        assert_eq!(app.count("finding WHERE duplicate = TRUE").await, 3);
    }
);
