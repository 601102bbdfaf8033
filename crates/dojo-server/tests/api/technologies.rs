//! `/api/v2/technologies/` (api.md §3.6): shape, tags, filters and roles.

use axum::http::StatusCode;
use dojo_domain::entities::ProductMember;
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::product_members;
use serde_json::json;

use crate::import::*;

db_test!(technologies_round_trip_and_roles, |db| {
    let app = App::new(&db).await;
    let product = app.engagement("Shop", "CI", false).await.product_id;
    let hidden = app.engagement("Hidden", "CI", false).await.product_id;
    let body = json!({"name": "nginx", "product": product, "user": app.user.id,
                      "version": "1.25", "confidence": 90, "website": "https://nginx.org",
                      "tags": ["Server"]});
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/technologies/",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(
        created,
        json!({"id": id, "tags": ["server"], "name": "nginx", "confidence": 90,
               "version": "1.25", "icon": null, "website": "https://nginx.org",
               "website_found": null, "created": created["created"], "product": product,
               "user": app.user.id})
    );
    assert!(created["created"].is_string());
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/technologies/",
        Some(json!({"name": "x", "product": product, "user": 987654})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["user"],
        json!(["Invalid pk \"987654\" - object does not exist."])
    );
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/technologies/",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'product' is required"
    );
    send(
        &app,
        &app.token,
        "POST",
        "/api/v2/technologies/",
        Some(json!({"name": "postgres", "product": hidden, "user": app.user.id})),
    )
    .await;

    for (query, count) in [
        ("name=nginx", 1),
        ("name=ngin", 0),
        ("version=1.25", 1),
        (&format!("product={product}") as &str, 1),
        ("tags=server", 1),
        ("", 2),
    ] {
        let (_, page) = send(
            &app,
            &app.token,
            "GET",
            &format!("/api/v2/technologies/?{query}"),
            None,
        )
        .await;
        assert_eq!(page["count"], count, "{query}: {page}");
        assert_eq!(page["prefetch"], json!({}));
    }

    // A Writer of the product sees only it, edits, and may not delete.
    let (user, token) = user_with_token(&db, "writer", false).await;
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
    let (_, page) = send(&app, &token, "GET", "/api/v2/technologies/", None).await;
    assert_eq!(page["count"], 1);
    let path = format!("/api/v2/technologies/{id}/");
    let (status, patched) = send(
        &app,
        &token,
        "PATCH",
        &path,
        Some(json!({"version": "1.27"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["version"], "1.27");
    let (status, _) = send(
        &app,
        &token,
        "PATCH",
        &path,
        Some(json!({"product": hidden})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "moving it needs the add permission there"
    );
    let (status, _) = send(&app, &token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});
