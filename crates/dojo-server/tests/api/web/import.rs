//! The import and reimport pages: the forms, what a run shows afterwards, and
//! who may use them.

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;

use crate::import::{generic, App, GENERIC};
use crate::support::Form;
use crate::web::{member_of_product, signed_in, site, tile, Answer, Browser};

/// The report form a page would send, with the page's CSRF token.
fn report_form(page: &Answer, report: &[u8]) -> Form {
    Form::new()
        .text("csrfmiddlewaretoken", &Browser::token_in(page))
        .text("scan_type", GENERIC)
        .text("minimum_severity", "Info")
        .file("file", "report.json", report)
}

db_test!(importing_and_reimporting_through_the_pages, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let site = site(&db);
    let mut root = signed_in(&site, "root", true).await;

    let path = format!("/engagement/{}/import_scan_results", engagement.id);
    let page = root.get(&site, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains("<option>Generic Findings Import</option>"));
    assert!(page.body.contains("<option>ZAP Scan</option>"));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let report = generic(&[("XSS", "High"), ("SQLi", "Critical"), ("Banner", "Low")]);
    let done = root
        .post_multipart(&site, &path, report_form(&page, &report))
        .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
    assert_eq!(tile(&done.body, "New findings"), Some(3), "{}", done.body);
    let tests: Vec<(i64,)> = {
        let mut conn = db.conn().await.expect("connection");
        dojo_storage::bulk::fetch_all(
            &mut conn,
            "SELECT id FROM test WHERE engagement_id = $1",
            &[engagement.id.into()],
        )
        .await
        .expect("tests")
    };
    assert_eq!(tests.len(), 1);
    let test_id = tests[0].0;
    assert_eq!(app.findings(test_id).await.len(), 3);
    assert!(done.body.contains(&format!("href=\"/test/{test_id}\"")));

    // Re-upload without the Low finding: it is closed, the others untouched.
    let again_path = format!("/test/{test_id}/re_import_scan_results");
    let again = root.get(&site, &again_path).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again
        .body
        .contains("<option selected>Generic Findings Import</option>"));
    let smaller = generic(&[("XSS", "High"), ("SQLi", "Critical")]);
    let form = report_form(&again, &smaller).text("close_old_findings", "true");
    let done = root.post_multipart(&site, &again_path, form).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
    assert_eq!(tile(&done.body, "Closed"), Some(1), "{}", done.body);
    assert_eq!(tile(&done.body, "Untouched"), Some(2));
    let findings = app.findings(test_id).await;
    let banner = findings
        .iter()
        .find(|f| f.title == "Banner")
        .expect("Banner");
    assert!(banner.is_mitigated && !banner.active);

    // The dashboard lists both runs.
    let dashboard = root.get(&site, "/dashboard").await;
    assert!(dashboard.body.contains("Reimport of <a href"));
});

db_test!(
    a_bad_form_comes_back_with_what_was_wrong_and_imports_nothing,
    |db| {
        let app = App::new(&db).await;
        let engagement = app.engagement("Shop", "CI", false).await;
        let site = site(&db);
        let mut root = signed_in(&site, "root", true).await;
        let path = format!("/engagement/{}/import_scan_results", engagement.id);
        let page = root.get(&site, &path).await;

        let form = Form::new()
            .text("csrfmiddlewaretoken", &Browser::token_in(&page))
            .text("scan_type", "")
            .text("version", "1.2.3")
            .file("file", "report.json", &generic(&[("XSS", "High")]));
        let answer = root.post_multipart(&site, &path, form).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert!(
            answer.body.contains("scan type: This field is required."),
            "{}",
            answer.body
        );
        // What was typed is kept.
        assert!(answer.body.contains("value=\"1.2.3\""));
        assert_eq!(app.count("test").await, 0);

        let broken = report_form(&page, b"{ not json");
        let answer = root.post_multipart(&site, &path, broken).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert!(answer.body.contains("role=\"alert\""));
        assert_eq!(app.count("finding").await, 0);

        // Without the CSRF token nothing is read.
        let form = Form::new().text("scan_type", GENERIC).file(
            "file",
            "report.json",
            &generic(&[("XSS", "High")]),
        );
        let refused = root.post_multipart(&site, &path, form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("test").await, 0);
    }
);

db_test!(
    importing_into_a_product_creates_the_named_engagement,
    |db| {
        let app = App::new(&db).await;
        let product_id = app.engagement("Shop", "CI", false).await.product_id;
        let site = site(&db);
        let mut root = signed_in(&site, "root", true).await;
        let path = format!("/product/{product_id}/import_scan_results");
        let page = root.get(&site, &path).await;
        assert!(page.body.contains("AdHoc Import - "), "{}", page.body);
        let form =
            report_form(&page, &generic(&[("XSS", "High")])).text("engagement_name", "Nightly");
        let done = root.post_multipart(&site, &path, form).await;
        assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
        assert!(done.body.contains("the engagement"));
        let named: Vec<(i64,)> = {
            let mut conn = db.conn().await.expect("connection");
            dojo_storage::bulk::fetch_all(
                &mut conn,
                "SELECT id FROM engagement WHERE product_id = $1 AND name = 'Nightly'",
                &[product_id.into()],
            )
            .await
            .expect("engagements")
        };
        assert_eq!(named.len(), 1);
    }
);

db_test!(only_those_who_may_import_get_the_forms, |db| {
    let app = App::new(&db).await;
    let shop = app.engagement("Shop", "CI", false).await;
    let vault = app.engagement("Vault", "Nightly", false).await;
    let site = site(&db);
    let path = format!("/engagement/{}/import_scan_results", shop.id);

    let mut reader = member_of_product(&site, "reader", shop.product_id, Role::Reader).await;
    assert_eq!(reader.get(&site, &path).await.status, StatusCode::FORBIDDEN);
    let dashboard = reader.get(&site, "/dashboard").await;
    let form = report_form(&dashboard, &generic(&[("XSS", "High")]));
    let refused = reader.post_multipart(&site, &path, form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(app.count("test").await, 0);

    let mut importer =
        member_of_product(&site, "importer", shop.product_id, Role::ApiImporter).await;
    assert_eq!(importer.get(&site, &path).await.status, StatusCode::OK);
    let elsewhere = format!("/engagement/{}/import_scan_results", vault.id);
    assert_eq!(
        importer.get(&site, &elsewhere).await.status,
        StatusCode::NOT_FOUND
    );
    // The general form offers only the engagements they may import into.
    let general = importer.get(&site, "/import").await;
    assert_eq!(general.status, StatusCode::OK);
    assert!(general.body.contains("Shop › CI"), "{}", general.body);
    assert!(!general.body.contains("Vault"));
    // Naming someone else's product does not get a report into it.
    let form = report_form(&general, &generic(&[("XSS", "High")]))
        .text("product_name", "Vault")
        .text("engagement_name", "Nightly");
    let refused = importer.post_multipart(&site, "/import", form).await;
    assert_ne!(refused.status, StatusCode::CREATED, "{}", refused.body);
    assert_eq!(app.count("test").await, 0);
});
