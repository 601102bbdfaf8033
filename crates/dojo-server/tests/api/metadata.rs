//! `/api/v2/metadata/` (api.md §3.8): one parent, unique names per parent,
//! filters, and the parent's permissions.

use axum::http::StatusCode;
use dojo_domain::entities::ProductMember;
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::product_members;
use serde_json::{json, Value};

use crate::import::*;

db_test!(metadata_round_trip_and_rules, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let product = engagement.product_id;
    let test = app
        .import(generic_form(engagement.id, &generic(&[("Xss", "High")])))
        .await["test_id"]
        .as_i64()
        .expect("test");
    let finding = app.findings(test).await[0].id;
    let post = |body: Value| {
        let app = &app;
        async move { send(app, &app.token, "POST", "/api/v2/metadata/", Some(body)).await }
    };

    let (status, created) = post(json!({"name": "env", "value": "prod", "product": product})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        created,
        json!({"id": id, "product": product, "endpoint": null, "location": null,
               "finding": null, "name": "env", "value": "prod"})
    );
    let (status, body) = post(json!({"name": "env", "value": "dev", "product": product})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["The fields product, name must make a unique set."])
    );
    let (status, body) = post(json!({"name": "env", "value": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["non_field_errors"][0]
        .as_str()
        .unwrap_or_default()
        .starts_with("Metadata entries need"));
    let (status, body) =
        post(json!({"name": "env", "value": "x", "product": product, "finding": finding})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = post(json!({"name": "env", "value": "x", "finding": 987654})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Finding matches the given query.");
    let (status, _) = post(json!({"name": "env", "value": "on finding", "finding": finding})).await;
    assert_eq!(status, StatusCode::CREATED);

    for (query, count) in [
        ("name=env", 2),
        ("name=ENV", 0),
        ("name_case_insensitive=ENV", 2),
        ("value_case_insensitive=PROD", 1),
        (&format!("product={product}") as &str, 1),
        (&format!("finding={finding}") as &str, 1),
        ("location=1", 0),
    ] {
        let (_, page) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/metadata/?{query}"),
            None,
        )
        .await;
        assert_eq!(page["count"], count, "{query}: {page}");
    }
    let (_, product_body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/products/{product}/"),
        None,
    )
    .await;
    assert_eq!(
        product_body["product_meta"],
        json!([{"name": "env", "value": "prod"}])
    );

    let path = format!("/api/v2/metadata/{id}/");
    let (status, patched) = send(
        &app,
        &app.token,
        "PATCH",
        &path,
        Some(json!({"value": "staging"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["value"], "staging");
    assert_eq!(patched["prefetch"], json!({}));
    let (status, body) = send(
        &app,
        &app.token,
        "PUT",
        &path,
        Some(json!({"value": "x", "product": product})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["name"], json!(["This field is required."]));

    // A Writer may change a finding's fields, not the product's; others see nothing.
    let (user, writer) = user_with_token(&db, "writer", false).await;
    let mut conn = db.conn().await.expect("connection");
    product_members::insert(
        &mut conn,
        &ProductMember {
            id: 0,
            product_id: product,
            user_id: user.id,
            role_id: Role::Writer.id(),
        },
    )
    .await
    .expect("member");
    drop(conn);
    let (_, stranger) = user_with_token(&db, "stranger", false).await;
    let (_, page) = send(&app, &stranger, "GET", "/api/v2/metadata/", None).await;
    assert_eq!(page["count"], 0);
    let (status, _) = send(&app, &stranger, "GET", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = send(&app, &writer, "GET", "/api/v2/metadata/", None).await;
    assert_eq!(page["count"], 2);
    let (status, _) = send(&app, &writer, "PATCH", &path, Some(json!({"value": "w"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &app,
        &writer,
        "POST",
        "/api/v2/metadata/",
        Some(json!({"name": "owner", "value": "team", "finding": finding})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});

db_test!(metadata_batch_adds_and_updates, |db| {
    let app = App::new(&db).await;
    let product = app.engagement("Shop", "CI", false).await.product_id;
    let batch = "/api/v2/metadata/batch/";
    let body = json!({"product": product, "metadata": [{"name": "env", "value": "prod"},
                                                       {"name": "tier", "value": "1"}]});
    let (status, echo) = send(&app, &app.token, "POST", batch, Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{echo}");
    assert_eq!(
        echo,
        json!({"product": product, "endpoint": null, "finding": null,
               "metadata": [{"name": "env", "value": "prod"}, {"name": "tier", "value": "1"}]})
    );
    let (status, _) = send(&app, &app.token, "POST", batch, Some(body)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "names are unique per parent"
    );
    let (status, echo) = send(
        &app,
        &app.token,
        "PATCH",
        batch,
        Some(json!({"product": product, "metadata": [{"name": "tier", "value": "2"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{echo}");
    let (_, page) = send(&app, &app.token, "GET", "/api/v2/metadata/?name=tier", None).await;
    assert_eq!(page["results"][0]["value"], "2");
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        batch,
        Some(json!({"product": product, "metadata": [{"name": "nope", "value": "2"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["metadata"].is_array(), "{body}");
    let (status, _) = send(
        &app,
        &app.token,
        "POST",
        batch,
        Some(json!({"metadata": []})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, stranger) = user_with_token(&db, "stranger", false).await;
    let (status, _) = send(
        &app,
        &stranger,
        "POST",
        batch,
        Some(json!({"product": product, "metadata": [{"name": "x", "value": "y"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});
