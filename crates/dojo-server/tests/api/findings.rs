//! `/api/v2/findings/`: filters, pages, ordering, visibility by role, and delete.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::Value;

use crate::import::*;
use crate::support::call;

async fn get(app: &App, token: &str, path: &str) -> (StatusCode, Value) {
    let request = Request::get(path)
        .header("Authorization", format!("Token {token}"))
        .header("Host", "dojo.test")
        .body(Body::empty())
        .expect("request");
    call(&app.app, request).await
}

/// Imports `count` findings named `<prefix> n`, severities cycling High,
/// Low, Critical; returns the product id.
async fn seed(app: &App, product: &str, prefix: &str, count: usize) -> i64 {
    let engagement = app.engagement(product, "CI", false).await;
    let titles: Vec<String> = (0..count).map(|n| format!("{prefix} {n}")).collect();
    let severities = ["High", "Low", "Critical"];
    let report: Vec<(&str, &str)> = titles
        .iter()
        .enumerate()
        .map(|(n, t)| (t.as_str(), severities[n % 3]))
        .collect();
    app.import(generic_form(engagement.id, &generic(&report)))
        .await;
    engagement.product_id
}

fn titles(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|f| f["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

db_test!(findings_are_filtered_paged_and_ordered, |db| {
    let app = App::new(&db).await;
    let shop = seed(&app, "Shop", "Shop issue", 30).await;
    seed(&app, "Blog", "Blog issue", 6).await;

    let (status, body) = get(&app, &app.token, "/api/v2/findings/?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 36);
    assert_eq!(body["results"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        body["next"],
        "http://dojo.test/api/v2/findings/?limit=5&offset=5"
    );
    assert_eq!(body["previous"], Value::Null);
    assert_eq!(body["prefetch"], serde_json::json!({}));
    let first = &body["results"][0];
    for key in [
        "id", "title", "severity", "active", "verified", "test", "found_by", "tags",
    ] {
        assert!(first.get(key).is_some(), "finding lacks {key}: {first}");
    }

    // Product, severity and active together, as the benchmark asks.
    let path = format!(
        "/api/v2/findings/?test__engagement__product={shop}&severity=High&active=true&limit=100"
    );
    let (_, body) = get(&app, &app.token, &path).await;
    assert_eq!(body["count"], 10, "{body}");
    assert!(titles(&body).iter().all(|t| t.starts_with("Shop issue")));

    let (_, body) = get(
        &app,
        &app.token,
        "/api/v2/findings/?title=blog&o=-title&limit=2",
    )
    .await;
    assert_eq!(body["count"], 6);
    assert_eq!(titles(&body), vec!["Blog issue 5", "Blog issue 4"]);
    assert_eq!(body["previous"], Value::Null, "first page has no previous");

    let (_, body) = get(&app, &app.token, "/api/v2/findings/?offset=500").await;
    assert_eq!(body["results"], serde_json::json!([]));

    let (status, body) = get(&app, &app.token, "/api/v2/findings/?o=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.get("o").is_some());
    let (status, body) = get(&app, &app.token, "/api/v2/findings/?id=1,x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.get("id").is_some());
});

db_test!(members_see_their_products_findings_only, |db| {
    let app = App::new(&db).await;
    let shop = seed(&app, "Shop", "Shop issue", 4).await;
    let blog = seed(&app, "Blog", "Blog issue", 3).await;
    let reader = member(&app, "reader", shop, Role::Reader).await;
    let (_, outsider) = user_with_token(&db, "outsider", false).await;

    let (status, body) = get(&app, &reader, "/api/v2/findings/").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 4);
    assert!(titles(&body).iter().all(|t| t.starts_with("Shop issue")));

    let (_, body) = get(&app, &outsider, "/api/v2/findings/").await;
    assert_eq!(body["count"], 0);

    // Another product's finding is absent, not forbidden.
    let (_, all) = get(
        &app,
        &app.token,
        &format!("/api/v2/findings/?test__engagement__product={blog}"),
    )
    .await;
    let hidden = all["results"][0]["id"].as_i64().expect("a Blog finding id");
    let (status, body) = get(&app, &reader, &format!("/api/v2/findings/{hidden}/")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Finding matches the given query.");
    let (status, body) = get(&app, &app.token, &format!("/api/v2/findings/{hidden}/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], hidden);

    let (status, _) = get(&app, &reader, "/api/v2/findings/abc/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(deleting_a_finding_takes_maintainer_and_leaves_a_404, |db| {
    let app = App::new(&db).await;
    let cases: &[(Option<Role>, u16)] = &[
        (Some(Role::Reader), 403),
        (Some(Role::ApiImporter), 403),
        (Some(Role::Writer), 403),
        (Some(Role::Maintainer), 204),
        (Some(Role::Owner), 204),
        (None, 404),
    ];
    for (n, (role, expected)) in cases.iter().enumerate() {
        let product = seed(&app, &format!("Product {n}"), &format!("Issue {n}"), 2).await;
        let token = match role {
            Some(role) => member(&app, &format!("member{n}"), product, *role).await,
            None => user_with_token(&db, &format!("outsider{n}"), false).await.1,
        };
        let (_, list) = get(
            &app,
            &app.token,
            &format!("/api/v2/findings/?test__engagement__product={product}&o=id"),
        )
        .await;
        let id = list["results"][0]["id"].as_i64().expect("a finding id");
        let item = format!("/api/v2/findings/{id}/");
        let (status, body) = send(&app, &token, "DELETE", &item, None).await;
        assert_eq!(status.as_u16(), *expected, "{role:?}: {body}");
        let (status, _) = get(&app, &app.token, &item).await;
        let gone = *expected == 204;
        assert_eq!(status == StatusCode::NOT_FOUND, gone, "{role:?}");
        let (_, list) = get(
            &app,
            &app.token,
            &format!("/api/v2/findings/?test__engagement__product={product}"),
        )
        .await;
        assert_eq!(list["count"], if gone { 1 } else { 2 }, "{role:?}");
    }
});

db_test!(a_token_is_needed, |db| {
    let app = App::new(&db).await;
    let request = Request::get("/api/v2/findings/")
        .body(Body::empty())
        .expect("request");
    let (status, body) = call(&app.app, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["detail"],
        "Authentication credentials were not provided."
    );
});
