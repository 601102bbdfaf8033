//! `/api/v2/test_imports/`: the record of each import and reimport, its
//! filters, and who may see and delete it.

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::Value;

use crate::import::*;
use crate::support::Form;

/// An import of Xss and Sqli, then a reimport with Sqli gone and Csrf new;
/// returns the product and test ids.
async fn history(app: &App, product: &str) -> (i64, i64) {
    let engagement = app.engagement(product, "CI", false).await;
    let body = app
        .import(
            generic_form(engagement.id, &generic(&[("Xss", "High"), ("Sqli", "Low")]))
                .text("version", "1.0"),
        )
        .await;
    let test_id = body["test_id"].as_i64().expect("test id");
    app.reimport(
        Form::new()
            .text("scan_type", "Generic Findings Import")
            .text("test", &test_id.to_string())
            .text("version", "1.1")
            .file(
                "file",
                "report.json",
                &generic(&[("Xss", "High"), ("Csrf", "Medium")]),
            ),
    )
    .await;
    (engagement.product_id, test_id)
}

fn actions(body: &Value) -> Vec<String> {
    let mut actions: Vec<String> = body["test_import_finding_action_set"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["action"].as_str().map(str::to_owned))
        .collect();
    actions.sort();
    actions
}

db_test!(imports_and_reimports_are_listed_with_their_actions, |db| {
    let app = App::new(&db).await;
    let (_, test_id) = history(&app, "Shop").await;
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/test_imports/?test={test_id}&o=id"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 2);
    let import = &body["results"][0];
    let reimport = &body["results"][1];
    assert_eq!(import["type"], "import");
    assert_eq!(import["version"], "1.0");
    assert_eq!(import["test"], test_id);
    assert_eq!(actions(import), ["N", "N"]);
    assert_eq!(
        import["findings_affected"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(import["import_settings"]["minimum_severity"], "Info");
    assert_eq!(reimport["type"], "reimport");
    assert_eq!(reimport["version"], "1.1");
    // Csrf created, Sqli closed, Xss untouched.
    assert_eq!(actions(reimport), ["C", "N", "U"]);
    let action = &reimport["test_import_finding_action_set"][0];
    assert_eq!(action["test_import"], reimport["id"]);
    assert!(action["finding"].is_i64());

    // Filters: by action, by finding, by version; ordering; retrieve.
    let closed_finding = reimport["test_import_finding_action_set"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["action"] == "C")
        .map(|a| a["finding"].clone())
        .expect("a closed finding");
    for (query, ids) in [
        (
            "test_import_finding_action__action=C",
            vec![&reimport["id"]],
        ),
        (
            &*format!("findings_affected={closed_finding}"),
            vec![&import["id"], &reimport["id"]],
        ),
        ("version=1.0", vec![&import["id"]]),
        (
            &*format!(
                "test_import_finding_action__created={}",
                reimport["test_import_finding_action_set"][0]["created"]
                    .as_str()
                    .unwrap_or_default()
            ),
            vec![&reimport["id"]],
        ),
        ("o=-id", vec![&reimport["id"], &import["id"]]),
    ] {
        let (status, body) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/test_imports/?test={test_id}&{query}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let got: Vec<&Value> = body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| &r["id"])
            .collect();
        assert_eq!(got, ids, "{query}");
    }
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/test_imports/{}/", import["id"]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], import["id"]);
    assert_eq!(actions(&body), ["N", "N"]);

    for bad in [
        "o=color",
        "test_import_finding_action__created=yesterday",
        "test=x",
    ] {
        let (status, body) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/test_imports/?{bad}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
});

db_test!(
    test_imports_follow_their_products_visibility_and_roles,
    |db| {
        let app = App::new(&db).await;
        let (shop, shop_test) = history(&app, "Shop").await;
        history(&app, "Blog").await;
        let reader = member(&app, "reader", shop, Role::Reader).await;
        let writer = member(&app, "writer", shop, Role::Writer).await;
        let maintainer = member(&app, "maintainer", shop, Role::Maintainer).await;
        let (_, outsider) = user_with_token(&db, "outsider", false).await;

        let list = |token: String| {
            let app = &app;
            async move {
                let (status, body) = send(app, &token, "GET", "/api/v2/test_imports/", None).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                body
            }
        };
        let mine = list(reader.clone()).await;
        assert_eq!(mine["count"], 2);
        assert!(mine["results"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["test"] == shop_test));
        assert_eq!(list(outsider.clone()).await["count"], 0);
        assert_eq!(list(app.token.clone()).await["count"], 4);

        let id = mine["results"][0]["id"].as_i64().expect("id");
        let item = format!("/api/v2/test_imports/{id}/");
        let (status, body) = send(&app, &outsider, "GET", &item, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["detail"], "No Test_Import matches the given query.");
        let (status, _) = send(&app, &outsider, "DELETE", &item, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Deleting the record is deleting in its test: not for Readers or Writers.
        for token in [&reader, &writer] {
            let (status, _) = send(&app, token, "DELETE", &item, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }

        // A Maintainer may delete the record; its findings stay.
        let findings_before = app.findings(shop_test).await.len();
        let (status, body) = send(&app, &maintainer, "DELETE", &item, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, _) = send(&app, &writer, "GET", &item, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(app.findings(shop_test).await.len(), findings_before);
        assert_eq!(list(reader).await["count"], 1);
    }
);
