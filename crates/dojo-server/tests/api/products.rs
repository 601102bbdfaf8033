//! `/api/v2/products/`: CRUD, the 3.x `authorized_users` over roles, and who
//! may do what, from one table of (role, action, expected status).

use axum::http::StatusCode;
use dojo_domain::entities::ProductTypeMember;
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::product_type_members;
use serde_json::json;

use crate::import::*;

db_test!(products_round_trip, |db| {
    let app = App::new(&db).await;
    let seed = app.engagement("Seed", "CI", false).await;
    let mut conn = db.conn().await.expect("connection");
    let seed_product = dojo_storage::repo::products::get(&mut conn, seed.product_id)
        .await
        .expect("seed product");
    drop(conn);
    let prod_type = seed_product.prod_type_id;

    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/products/",
        Some(
            json!({"name": "Shop", "description": "Web shop", "prod_type": prod_type,
                    "tags": ["pci", "Web"], "business_criticality": "high"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["prod_type"], prod_type);
    assert_eq!(created["tags"], json!(["pci", "web"]));
    assert_eq!(created["findings_count"], 0);

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/products/",
        Some(json!({"name": "Shop", "description": "again", "prod_type": prod_type})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a second Shop: {body}");

    let (_, list) = send(&app, &app.token, "GET", "/api/v2/products/?name=sho", None).await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["prefetch"], json!({}));
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/products/?name_exact=SHOP",
        None,
    )
    .await;
    assert_eq!(list["count"], 1);

    // 3.x clients manage access through authorized_users: Writer memberships.
    let (writer, writer_token) = user_with_token(&db, "writer", false).await;
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &format!("/api/v2/products/{id}/"),
        Some(json!({"authorized_users": [writer.id]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["authorized_users"], json!([writer.id]));
    assert_eq!(body["description"], "Web shop", "PATCH keeps other fields");
    let (status, _) = send(
        &app,
        &writer_token,
        "GET",
        &format!("/api/v2/products/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the Writer now sees the product");

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/products/",
        Some(json!({"name": "Orphan", "description": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'prod_type' is required"
    );

    let (status, _) = send(
        &app,
        &app.token,
        "DELETE",
        &format!("/api/v2/products/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/products/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Product matches the given query.");
});

#[derive(Clone, Copy, Debug)]
enum Who {
    Superuser,
    /// A role on the product itself.
    Member(Role),
    /// A role on the product's product type.
    TypeMember(Role),
    OtherProductOwner,
    Nobody,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    List,
    Retrieve,
    /// A new product in the same product type.
    Create,
    Edit,
    Delete,
}

use Action::*;
use Who::*;

const MATRIX: &[(Who, Action, u16)] = &[
    (Superuser, List, 1),
    (Superuser, Create, 201),
    (Superuser, Delete, 204),
    (Member(Role::Reader), List, 1),
    (Member(Role::Reader), Retrieve, 200),
    (Member(Role::Reader), Edit, 403),
    (Member(Role::Reader), Delete, 403),
    (Member(Role::Writer), Edit, 403),
    (Member(Role::Writer), Create, 403),
    (Member(Role::Maintainer), Edit, 200),
    (Member(Role::Maintainer), Delete, 403),
    (Member(Role::Owner), Delete, 204),
    (TypeMember(Role::Reader), List, 1),
    (TypeMember(Role::Reader), Create, 403),
    (TypeMember(Role::Maintainer), Create, 201),
    (TypeMember(Role::Owner), Delete, 204),
    (OtherProductOwner, List, 0),
    (OtherProductOwner, Retrieve, 404),
    (OtherProductOwner, Edit, 404),
    (OtherProductOwner, Delete, 404),
    (Nobody, List, 0),
    (Nobody, Retrieve, 404),
    (Nobody, Create, 403),
    (Nobody, Delete, 404),
];

db_test!(product_permissions_follow_the_role_table, |db| {
    let app = App::new(&db).await;
    for (n, (who, action, expected)) in MATRIX.iter().enumerate() {
        let target = app.engagement(&format!("Target {n}"), "CI", false).await;
        let other = app.engagement(&format!("Other {n}"), "CI", false).await;
        let mut conn = db.conn().await.expect("connection");
        let product = dojo_storage::repo::products::get(&mut conn, target.product_id)
            .await
            .expect("product");
        drop(conn);
        let token = match who {
            Superuser => app.token.clone(),
            Member(role) => member(&app, &format!("member{n}"), product.id, *role).await,
            TypeMember(role) => {
                let (user, token) = user_with_token(&db, &format!("typemember{n}"), false).await;
                let mut conn = db.conn().await.expect("connection");
                product_type_members::insert(
                    &mut conn,
                    &ProductTypeMember {
                        id: 0,
                        product_type_id: product.prod_type_id,
                        user_id: user.id,
                        role_id: role.id(),
                    },
                )
                .await
                .expect("membership");
                token
            }
            OtherProductOwner => {
                member(&app, &format!("other{n}"), other.product_id, Role::Owner).await
            }
            Nobody => user_with_token(&db, &format!("nobody{n}"), false).await.1,
        };
        let item = format!("/api/v2/products/{}/", product.id);
        let (status, body) = match action {
            List => {
                let path = format!("/api/v2/products/?id={}", product.id);
                let (status, body) = send(&app, &token, "GET", &path, None).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body["count"], *expected, "{who:?} {action:?}");
                continue;
            }
            Retrieve => send(&app, &token, "GET", &item, None).await,
            Create => {
                let body = json!({"name": format!("New {n}"), "description": "d",
                                  "prod_type": product.prod_type_id});
                send(&app, &token, "POST", "/api/v2/products/", Some(body)).await
            }
            Edit => {
                send(
                    &app,
                    &token,
                    "PATCH",
                    &item,
                    Some(json!({"description": "e"})),
                )
                .await
            }
            Delete => send(&app, &token, "DELETE", &item, None).await,
        };
        assert_eq!(status.as_u16(), *expected, "{who:?} {action:?}: {body}");
    }
});
