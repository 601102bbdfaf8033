//! `/api/v2/product_types/`: CRUD through the router, and who may do what,
//! from one table of (role, action, expected status).

use axum::http::StatusCode;
use dojo_domain::entities::{ProductType, ProductTypeMember};
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::{product_type_members, product_types};
use serde_json::json;

use crate::import::*;

async fn product_type(app: &App, name: &str) -> ProductType {
    let mut conn = app.db.conn().await.expect("connection");
    product_types::insert(
        &mut conn,
        &ProductType {
            name: name.to_owned(),
            ..ProductType::default()
        },
    )
    .await
    .expect("product type")
}

async fn member_of(app: &App, name: &str, product_type_id: i64, role: Role) -> String {
    let (user, token) = user_with_token(&app.db, name, false).await;
    let mut conn = app.db.conn().await.expect("connection");
    product_type_members::insert(
        &mut conn,
        &ProductTypeMember {
            id: 0,
            product_type_id,
            user_id: user.id,
            role_id: role.id(),
        },
    )
    .await
    .expect("membership");
    token
}

db_test!(product_types_round_trip, |db| {
    let app = App::new(&db).await;
    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/product_types/",
        Some(json!({"name": "Web", "description": "Shops", "critical_product": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["name"], "Web");
    assert_eq!(created["critical_product"], true);
    assert_eq!(created["key_product"], false);

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/product_types/",
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["name"], json!(["This field is required."]));

    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &format!("/api/v2/product_types/{id}/"),
        Some(json!({"key_product": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["key_product"], true);
    assert_eq!(body["description"], "Shops", "PATCH keeps other fields");

    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/product_types/?name=Web",
        None,
    )
    .await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["results"][0]["id"], id);

    let (status, _) = send(
        &app,
        &app.token,
        "DELETE",
        &format!("/api/v2/product_types/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/product_types/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Product_Type matches the given query.");
});

/// Who calls: a superuser, a member of the product type with a role, a member
/// of another product type, or a user with no membership.
#[derive(Clone, Copy, Debug)]
enum Who {
    Superuser,
    Member(Role),
    OtherTypeOwner,
    Nobody,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    List,
    Retrieve,
    Create,
    Edit,
    Delete,
}

use Action::*;
use Who::*;

/// Expected status per (who, action). `List` answers 200 for everyone; its
/// entry is the number of the product types the caller sees (1 or 0).
const MATRIX: &[(Who, Action, u16)] = &[
    (Superuser, List, 1),
    (Superuser, Retrieve, 200),
    (Superuser, Create, 201),
    (Superuser, Edit, 200),
    (Superuser, Delete, 204),
    (Member(Role::Reader), List, 1),
    (Member(Role::Reader), Retrieve, 200),
    (Member(Role::Reader), Create, 403),
    (Member(Role::Reader), Edit, 403),
    (Member(Role::Reader), Delete, 403),
    (Member(Role::ApiImporter), List, 1),
    (Member(Role::ApiImporter), Edit, 403),
    (Member(Role::ApiImporter), Delete, 403),
    (Member(Role::Writer), Retrieve, 200),
    (Member(Role::Writer), Create, 403),
    (Member(Role::Writer), Edit, 403),
    (Member(Role::Writer), Delete, 403),
    (Member(Role::Maintainer), Edit, 200),
    (Member(Role::Maintainer), Delete, 403),
    (Member(Role::Owner), Edit, 200),
    (Member(Role::Owner), Delete, 204),
    (OtherTypeOwner, List, 0),
    (OtherTypeOwner, Retrieve, 404),
    (OtherTypeOwner, Edit, 404),
    (OtherTypeOwner, Delete, 404),
    (Nobody, List, 0),
    (Nobody, Retrieve, 404),
    (Nobody, Create, 403),
    (Nobody, Edit, 404),
    (Nobody, Delete, 404),
];

db_test!(product_type_permissions_follow_the_role_table, |db| {
    let app = App::new(&db).await;
    for (n, (who, action, expected)) in MATRIX.iter().enumerate() {
        let target = product_type(&app, &format!("Target {n}")).await;
        let other = product_type(&app, &format!("Other {n}")).await;
        let token = match who {
            Superuser => app.token.clone(),
            Member(role) => member_of(&app, &format!("member{n}"), target.id, *role).await,
            OtherTypeOwner => member_of(&app, &format!("other{n}"), other.id, Role::Owner).await,
            Nobody => {
                user_with_token(&app.db, &format!("nobody{n}"), false)
                    .await
                    .1
            }
        };
        let item = format!("/api/v2/product_types/{}/", target.id);
        let (status, body) = match action {
            List => {
                let (status, body) = send(
                    &app,
                    &token,
                    "GET",
                    &format!("/api/v2/product_types/?id={}", target.id),
                    None,
                )
                .await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body["count"], *expected, "{who:?} {action:?}");
                continue;
            }
            Retrieve => send(&app, &token, "GET", &item, None).await,
            Create => {
                send(
                    &app,
                    &token,
                    "POST",
                    "/api/v2/product_types/",
                    Some(json!({"name": format!("New {n}")})),
                )
                .await
            }
            Edit => {
                send(
                    &app,
                    &token,
                    "PATCH",
                    &item,
                    Some(json!({"description": "edited"})),
                )
                .await
            }
            Delete => send(&app, &token, "DELETE", &item, None).await,
        };
        assert_eq!(status.as_u16(), *expected, "{who:?} {action:?}: {body}");
    }
});
