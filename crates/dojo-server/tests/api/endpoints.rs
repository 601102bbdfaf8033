//! `/api/v2/endpoints/` and `/api/v2/endpoint_status/` (legacy endpoints,
//! api.md §3.7): shapes, the product rules, filters and who may do what.

use axum::http::StatusCode;
use dojo_domain::entities::ProductMember;
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::product_members;
use serde_json::{json, Value};

use crate::import::*;

async fn member(app: &App, name: &str, product: i64, role: Role) -> String {
    let (user, token) = user_with_token(&app.db, name, false).await;
    let mut conn = app.db.conn().await.expect("connection");
    product_members::insert(
        &mut conn,
        &ProductMember {
            id: 0,
            product_id: product,
            user_id: user.id,
            role_id: role.id(),
        },
    )
    .await
    .expect("membership");
    token
}

async fn post(app: &App, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    send(app, token, "POST", path, Some(body)).await
}

db_test!(endpoints_round_trip_and_rules, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let product = engagement.product_id;
    let import = app
        .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
        .await;
    let test = import["test_id"].as_i64().expect("test");
    let finding = app.findings(test).await[0].id;

    let (status, created) = post(
        &app,
        &app.token,
        "/api/v2/endpoints/",
        json!({"protocol": "https", "host": "shop.example.com", "port": 443, "path": "/cart",
               "product": product, "tags": ["Web", "pci"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        created,
        json!({"id": id, "active_finding_count": 0, "tags": ["pci", "web"], "protocol": "https",
               "userinfo": null, "host": "shop.example.com", "port": 443, "path": "cart",
               "query": null, "fragment": null, "product": product, "endpoint_params": [],
               "findings": []})
    );
    // The same parts again in the product: refused.
    let (status, body) = post(
        &app,
        &app.token,
        "/api/v2/endpoints/",
        json!({"protocol": "https", "host": "shop.example.com", "port": 443, "path": "cart",
               "product": product}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["It appears as though an endpoint with this data already exists for this product."])
    );
    // The product is required, must exist, and cannot change.
    let (status, body) = post(&app, &app.token, "/api/v2/endpoints/", json!({"host": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'product' is required"
    );
    let (status, _) = post(
        &app,
        &app.token,
        "/api/v2/endpoints/",
        json!({"host": "x", "product": 987654}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = app.engagement("Other", "CI", false).await.product_id;
    let path = format!("/api/v2/endpoints/{id}/");
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &path,
        Some(json!({"product": other})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["product"],
        json!(["Change of product is not possible"])
    );

    // A status links a finding of the same product; counts follow.
    let (status, link) = post(
        &app,
        &app.token,
        "/api/v2/endpoint_status/",
        json!({"endpoint": id, "finding": finding}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let status_id = link["id"].as_i64().expect("id");
    assert_eq!(link["mitigated"], false);
    assert_eq!(link["mitigated_time"], Value::Null);
    assert!(link["date"].is_string() && link["last_modified"].is_string());
    let (status, body) = post(
        &app,
        &app.token,
        "/api/v2/endpoint_status/",
        json!({"endpoint": id, "finding": finding}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["This endpoint-finding relation already exists"])
    );
    let (_, elsewhere) = post(
        &app,
        &app.token,
        "/api/v2/endpoints/",
        json!({"host": "other.example.com", "product": other}),
    )
    .await;
    let (status, body) = post(
        &app,
        &app.token,
        "/api/v2/endpoint_status/",
        json!({"endpoint": elsewhere["id"], "finding": finding}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = post(
        &app,
        &app.token,
        "/api/v2/endpoint_status/",
        json!({"endpoint": id, "finding": 987654}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["finding"],
        json!(["Invalid pk \"987654\" - object does not exist."])
    );

    let (_, shown) = send(&app, &app.token, "GET", &path, None).await;
    assert_eq!(shown["active_finding_count"], 1);
    assert_eq!(shown["findings"], json!([finding]));
    assert_eq!(shown["prefetch"], json!({}));
    let status_path = format!("/api/v2/endpoint_status/{status_id}/");
    let (_, mitigated) = send(
        &app,
        &app.token,
        "PATCH",
        &status_path,
        Some(json!({"mitigated": true})),
    )
    .await;
    assert_eq!(mitigated["mitigated"], true);
    assert!(mitigated["mitigated_time"].is_string(), "{mitigated}");
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &status_path,
        Some(json!({"finding": finding + 1000})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, shown) = send(&app, &app.token, "GET", &path, None).await;
    assert_eq!(shown["active_finding_count"], 0);

    // Filters.
    for (query, count) in [
        ("host=SHOP", 1),
        ("host=nowhere", 0),
        (&format!("product={product}") as &str, 1),
        ("port=443", 1),
        ("tags=pci", 1),
        ("tags__and=pci,web", 1),
        ("tags__and=pci,nope", 0),
        ("not_tags=pci", 1),
        ("has_tags=true", 1),
        ("tag=we", 1),
        ("o=-host", 2),
    ] {
        let (_, page) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/endpoints/?{query}"),
            None,
        )
        .await;
        assert_eq!(page["count"], count, "{query}: {page}");
    }
    let (status, _) = send(&app, &app.token, "GET", "/api/v2/endpoints/?o=path", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for (query, count) in [
        ("mitigated=true", 1),
        ("mitigated=false", 0),
        (&format!("finding={finding}") as &str, 1),
        (&format!("endpoint={id}") as &str, 1),
    ] {
        let (_, page) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/endpoint_status/?{query}"),
            None,
        )
        .await;
        assert_eq!(page["count"], count, "{query}: {page}");
    }

    // Deleting the endpoint takes its statuses along.
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, &app.token, "GET", &status_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(endpoints_follow_product_roles, |db| {
    let app = App::new(&db).await;
    let product = app.engagement("Shop", "CI", false).await.product_id;
    let hidden = app.engagement("Hidden", "CI", false).await.product_id;
    let reader = member(&app, "reader", product, Role::Reader).await;
    let writer = member(&app, "writer", product, Role::Writer).await;
    let maintainer = member(&app, "maintainer", product, Role::Maintainer).await;
    let (_, mine) = post(
        &app,
        &app.token,
        "/api/v2/endpoints/",
        json!({"host": "a.example.com", "product": product}),
    )
    .await;
    let (_, theirs) = post(
        &app,
        &app.token,
        "/api/v2/endpoints/",
        json!({"host": "b.example.com", "product": hidden}),
    )
    .await;
    let mine = format!("/api/v2/endpoints/{}/", mine["id"]);
    let theirs = format!("/api/v2/endpoints/{}/", theirs["id"]);

    let (_, page) = send(&app, &reader, "GET", "/api/v2/endpoints/", None).await;
    assert_eq!(page["count"], 1, "{page}");
    let (status, body) = send(&app, &reader, "GET", &theirs, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Endpoint matches the given query.");
    let (status, _) = send(
        &app,
        &reader,
        "PATCH",
        &mine,
        Some(json!({"host": "r.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(
        &app,
        &reader,
        "/api/v2/endpoints/",
        json!({"host": "r.example.com", "product": product}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(
        &app,
        &writer,
        "/api/v2/endpoints/",
        json!({"host": "w.example.com", "product": hidden}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the parent is checked unfiltered"
    );
    let (status, _) = send(
        &app,
        &writer,
        "PATCH",
        &mine,
        Some(json!({"host": "w.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&app, &writer, "DELETE", &mine, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, &maintainer, "DELETE", &mine, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});
