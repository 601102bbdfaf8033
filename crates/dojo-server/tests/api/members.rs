//! Users, contact information, groups, roles and memberships (api.md §3.10,
//! §3.12; rbac.md §8): shapes, filters, 400 bodies, 403 against 404, the
//! Owner rules and PATCH's 405.

use axum::http::StatusCode;
use dojo_domain::entities::{Product, ProductType};
use dojo_domain::Role;
use dojo_storage::db_test;
use dojo_storage::repo::{product_types, products};
use serde_json::{json, Value};

use crate::import::*;

async fn product_type(app: &App, name: &str) -> i64 {
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
    .id
}

async fn product(app: &App, name: &str, prod_type_id: i64) -> i64 {
    let mut conn = app.db.conn().await.expect("connection");
    products::insert(
        &mut conn,
        &Product {
            name: name.to_owned(),
            description: name.to_owned(),
            prod_type_id,
            ..Product::default()
        },
    )
    .await
    .expect("product")
    .id
}

/// POSTs as the superuser and expects 201; the new id.
async fn created(app: &App, path: &str, body: Value) -> i64 {
    let (status, answer) = send(app, &app.token, "POST", path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    id(&answer["id"])
}

db_test!(users_crud_and_password_rules, |db| {
    let app = App::new(&db).await;
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/users/",
        Some(json!({"username": "ann", "email": "ann@example.com", "password": "short"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["password"].as_array().is_some_and(|p| !p.is_empty()),
        "{body}"
    );

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/users/",
        Some(json!({"username": "ann", "email": "ann@example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["Passwords must be supplied for new users"])
    );

    let (status, user) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/users/",
        Some(
            json!({"username": "ann", "email": "ann@example.com", "first_name": "Ann",
                    "password": "Correct-Horse-43", "is_active": true}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert!(user.get("password").is_none(), "the password never leaves");
    assert_eq!(user["first_name"], "Ann");
    assert_eq!(user["is_superuser"], false);
    assert_eq!(user["configuration_permissions"], json!([]));
    let ann = id(&user["id"]);

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/users/",
        Some(json!({"username": "ann", "email": "a@b.io", "password": "Correct-Horse-43"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["username"],
        json!(["A user with that username already exists."])
    );

    let path = format!("/api/v2/users/{ann}/");
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &path,
        Some(json!({"password": "Correct-Horse-44"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["Update of password though API is not allowed"])
    );
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &path,
        Some(json!({"last_name": "Other"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["last_name"], "Other");
    assert_eq!(body["first_name"], "Ann", "PATCH keeps other fields");
    let (status, body) = send(
        &app,
        &app.token,
        "PUT",
        &path,
        Some(json!({"first_name": "X"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["username"], json!(["This field is required."]));

    // The new user logs in with the password given.
    let request = crate::support::post_json(
        "/api/v2/api-token-auth/",
        &json!({"username": "ann", "password": "Correct-Horse-43"}),
    );
    let (status, token) = crate::support::call(&app.app, request).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let ann_token = token["token"].as_str().unwrap_or_default().to_owned();

    // Filters and ordering.
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/users/?email=EXAMPLE.com",
        None,
    )
    .await;
    assert_eq!(list["count"], 1, "{list}");
    let (_, list) = send(&app, &app.token, "GET", "/api/v2/users/?o=-username", None).await;
    assert_eq!(list["results"][0]["username"], "ann");
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/users/?is_superuser=true",
        None,
    )
    .await;
    assert_eq!(list["count"], 1);
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/users/?date_joined_before=1999-01-01",
        None,
    )
    .await;
    assert_eq!(list["count"], 0);
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/users/?date_joined_after=2000-01-01&date_joined_before=2999-01-01",
        None,
    )
    .await;
    assert_eq!(list["count"], 2, "{list}");
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/users/?last_login_after=yesterday",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["last_login_after"], json!(["Enter a valid date."]));
    let (status, _) = send(&app, &app.token, "GET", "/api/v2/users/?o=password", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Only superusers manage users: 403 even on GET.
    for (method, path) in [
        ("GET", "/api/v2/users/".to_owned()),
        ("GET", path.clone()),
        ("DELETE", format!("/api/v2/users/{}/", app.user.id)),
    ] {
        let (status, _) = send(&app, &ann_token, method, &path, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }

    // Token resets: not for oneself; then a new token.
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        &format!("/api/v2/users/{}/reset_api_token/", app.user.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!(["Resetting your own API token via this endpoint is not allowed."])
    );
    let (status, _) = send(
        &app,
        &ann_token,
        "POST",
        &format!("/api/v2/users/{}/reset_api_token/", app.user.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &app,
        &app.token,
        "POST",
        &format!("/api/v2/users/{ann}/reset_api_token/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, &ann_token, "GET", "/api/v2/user_profile/", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the old token is gone");
    let (_, body) = send(&app, &app.token, "GET", &path, None).await;
    assert!(body["token_last_reset"].is_string(), "{body}");

    // Deletes: never oneself.
    let (status, body) = send(
        &app,
        &app.token,
        "DELETE",
        &format!("/api/v2/users/{}/", app.user.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!("Users may not delete themselves"));
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(&app, &app.token, "GET", &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No User matches the given query.");
});

db_test!(user_contact_infos_round_trip, |db| {
    let app = App::new(&db).await;
    let (other, other_token) = user_with_token(&db, "bob", false).await;
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/user_contact_infos/",
        Some(json!({"user": other.id, "phone_number": "12"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["phone_number"],
        json!([
            "Phone number must be entered in the format: '+999999999'. Up to 15 digits allowed."
        ])
    );
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/user_contact_infos/",
        Some(json!({"user": 987_654})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["user"],
        json!(["Invalid pk \"987654\" - object does not exist."])
    );
    let (status, contact) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/user_contact_infos/",
        Some(
            json!({"user": other.id, "title": "CISO", "slack_username": "bob",
                    "deduplication_execution_mode": "sync"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    assert_eq!(contact["user"], other.id);
    assert_eq!(contact["user_profile"]["username"], "bob");
    assert_eq!(contact["deduplication_execution_mode"], "sync");
    assert_eq!(contact["prefetch"], json!({}));
    let contact_id = id(&contact["id"]);
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/user_contact_infos/",
        Some(json!({"user": other.id})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["user"],
        json!(["user contact info with this user already exists."])
    );
    let path = format!("/api/v2/user_contact_infos/{contact_id}/");
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &path,
        Some(json!({"block_execution": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["block_execution"], true);
    assert_eq!(body["title"], "CISO");
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        "/api/v2/user_contact_infos/?block_execution=true&title=CISO",
        None,
    )
    .await;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["prefetch"], json!({}));
    let (status, _) = send(&app, &other_token, "GET", &path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The profile shows it too.
    let (_, profile) = send(&app, &other_token, "GET", "/api/v2/user_profile/", None).await;
    assert_eq!(profile["user_contact_info"]["title"], "CISO");
    let (status, _) = send(&app, &app.token, "DELETE", &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});

db_test!(product_members_follow_the_owner_rules, |db| {
    let app = App::new(&db).await;
    let pt = product_type(&app, "Web").await;
    let p = product(&app, "Shop", pt).await;
    let hidden = product(&app, "Hidden", pt).await;
    let maintainer = member(&app, "maintainer", p, Role::Maintainer).await;
    let owner = member(&app, "owner", p, Role::Owner).await;
    let reader = member(&app, "reader", p, Role::Reader).await;
    let (newbie, _) = user_with_token(&db, "newbie", false).await;

    // The product is checked first: missing 400, unknown 404, not allowed 403.
    let path = "/api/v2/product_members/";
    let (status, body) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"user": newbie.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'product' is required"
    );
    let (status, _) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": 987_654, "user": newbie.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &app,
        &reader,
        "POST",
        path,
        Some(json!({"product": p, "user": newbie.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": hidden, "user": newbie.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Field errors.
    let (status, body) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": p, "role": 99})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["user"], json!(["This field is required."]));
    let (status, body) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": p, "user": newbie.id, "role": 99})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["role"],
        json!(["Invalid pk \"99\" - object does not exist."])
    );

    // Only an Owner makes Owners.
    let owner_role = Role::Owner.id();
    let (status, body) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": p, "user": newbie.id, "role": owner_role})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["detail"],
        "You are not permitted to add a member as Owner to this product"
    );
    let (status, created) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": p, "user": newbie.id, "role": Role::Writer.id()})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created,
        json!({"id": created["id"], "product": p, "user": newbie.id, "role": Role::Writer.id(), "prefetch": {}})
    );
    let row = id(&created["id"]);
    let (status, body) = send(
        &app,
        &maintainer,
        "POST",
        path,
        Some(json!({"product": p, "user": newbie.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["Product_Member already exists"])
    );

    // Promotions to Owner: Owners only.
    let item = format!("/api/v2/product_members/{row}/");
    let promote = json!({"product": p, "user": newbie.id, "role": owner_role});
    let (status, _) = send(&app, &maintainer, "PUT", &item, Some(promote.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(&app, &owner, "PUT", &item, Some(promote)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], owner_role);
    // Moving to a product one does not manage.
    let (status, body) = send(
        &app,
        &owner,
        "PUT",
        &item,
        Some(json!({"product": hidden, "user": newbie.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["detail"],
        "You are not permitted to add a member to this product"
    );

    // No PATCH on these routes.
    let (status, body) = send(&app, &owner, "PATCH", &item, Some(json!({"role": 5}))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        body,
        json!({"message": "Patch function is not offered in this path."})
    );

    // Lists show rows of visible products only, filtered on `<fk>_id`.
    let (_, list) = send(
        &app,
        &reader,
        "GET",
        &format!("{path}?product_id={p}"),
        None,
    )
    .await;
    assert_eq!(list["count"], 4, "{list}");
    assert_eq!(list["prefetch"], json!({}));
    let (_, list) = send(
        &app,
        &reader,
        "GET",
        &format!("{path}?user_id={}", newbie.id),
        None,
    )
    .await;
    assert_eq!(list["count"], 1);
    let (_, list) = send(
        &app,
        &reader,
        "GET",
        &format!("{path}?product_id={hidden}"),
        None,
    )
    .await;
    assert_eq!(list["count"], 0);
    let (status, body) = send(&app, &reader, "GET", &format!("{path}?user_id=x"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["user_id"], json!(["Enter a whole number."]));

    // A reader may not remove others but may leave.
    let (status, _) = send(&app, &reader, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, mine) = send(
        &app,
        &reader,
        "GET",
        &format!("{path}?product_id={p}&o=id"),
        None,
    )
    .await;
    let own_row = mine["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["role"] == Role::Reader.id())
        .map(|r| id(&r["id"]))
        .expect("the reader's row");
    let (status, _) = send(&app, &reader, "DELETE", &format!("{path}{own_row}/"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, &reader, "GET", &item, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no longer a member, no longer visible"
    );
    let (status, _) = send(&app, &maintainer, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
});

db_test!(product_type_members_keep_an_owner, |db| {
    let app = App::new(&db).await;
    let pt = product_type(&app, "Web").await;
    let (ann, _) = user_with_token(&db, "ann", false).await;
    let (bob, _) = user_with_token(&db, "bob", false).await;
    let path = "/api/v2/product_type_members/";
    let owner = Role::Owner.id();
    let first = created(
        &app,
        path,
        json!({"product_type": pt, "user": ann.id, "role": owner}),
    )
    .await;
    let item = format!("{path}{first}/");
    let (status, body) = send(
        &app,
        &app.token,
        "PUT",
        &item,
        Some(json!({"product_type": pt, "user": ann.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["There must be at least one owner"])
    );
    let (status, body) = send(&app, &app.token, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!("There must be at least one owner"));
    created(
        &app,
        path,
        json!({"product_type": pt, "user": bob.id, "role": owner}),
    )
    .await;
    let (status, body) = send(
        &app,
        &app.token,
        "PUT",
        &item,
        Some(json!({"product_type": pt, "user": ann.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        path,
        Some(json!({"user": ann.id, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'product_type' is required"
    );
    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        &format!("{path}?product_type_id={pt}"),
        None,
    )
    .await;
    assert_eq!(list["count"], 2);
});

db_test!(groups_and_their_roles, |db| {
    let app = App::new(&db).await;
    let pt = product_type(&app, "Web").await;
    let p = product(&app, "Shop", pt).await;
    let (lead, lead_token) = user_with_token(&db, "lead", false).await;
    let (dev, dev_token) = user_with_token(&db, "dev", false).await;
    let (outsider, outsider_token) = user_with_token(&db, "outsider", false).await;

    // Only superusers create groups.
    let (status, _) = send(
        &app,
        &lead_token,
        "POST",
        "/api/v2/dojo_groups/",
        Some(json!({"name": "Team"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let group = created(
        &app,
        "/api/v2/dojo_groups/",
        json!({"name": "Team", "description": "Devs", "social_provider": "Remote"}),
    )
    .await;
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/dojo_groups/",
        Some(json!({"name": "Team"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["name"],
        json!(["dojo_ group with this name already exists."])
    );

    let members = "/api/v2/dojo_group_members/";
    created(
        &app,
        members,
        json!({"group": group, "user": lead.id, "role": Role::Maintainer.id()}),
    )
    .await;
    // A group Maintainer adds members but no Owners.
    let (status, body) = send(
        &app,
        &lead_token,
        "POST",
        members,
        Some(json!({"group": group, "user": dev.id, "role": Role::Owner.id()})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["detail"],
        "You are not permitted to add a user as Owner to this group"
    );
    let (status, body) = send(
        &app,
        &lead_token,
        "POST",
        members,
        Some(json!({"group": group, "user": dev.id, "role": Role::Reader.id()})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let dev_row = id(&body["id"]);
    let (status, _) = send(
        &app,
        &dev_token,
        "POST",
        members,
        Some(json!({"group": group, "user": outsider.id, "role": Role::Reader.id()})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a Reader does not manage members"
    );
    let (status, _) = send(
        &app,
        &outsider_token,
        "POST",
        members,
        Some(json!({"group": group, "user": outsider.id, "role": Role::Reader.id()})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &app,
        &lead_token,
        "PATCH",
        &format!("{members}{dev_row}/"),
        Some(json!({"role": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        body["message"],
        "Patch function is not offered in this path."
    );

    // Members see the group and its users; others get 404.
    let item = format!("/api/v2/dojo_groups/{group}/");
    let (status, body) = send(&app, &dev_token, "GET", &item, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["users"], json!([lead.id, dev.id]));
    assert_eq!(body["social_provider"], "Remote");
    assert_eq!(body["configuration_permissions"], json!([]));
    let (status, _) = send(&app, &outsider_token, "GET", &item, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = send(&app, &outsider_token, "GET", "/api/v2/dojo_groups/", None).await;
    assert_eq!(list["count"], 0);
    let (_, list) = send(&app, &outsider_token, "GET", members, None).await;
    assert_eq!(list["count"], 0);
    let (_, list) = send(
        &app,
        &dev_token,
        "GET",
        &format!("{members}?group_id={group}"),
        None,
    )
    .await;
    assert_eq!(list["count"], 2);

    // Editing takes Maintainer, deleting Owner.
    let (status, _) = send(
        &app,
        &dev_token,
        "PATCH",
        &item,
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &app,
        &lead_token,
        "PATCH",
        &item,
        Some(json!({"description": "Everyone"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Team");
    let (status, _) = send(&app, &lead_token, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The group's role on a product reaches its members.
    let (status, _) = send(
        &app,
        &dev_token,
        "GET",
        &format!("/api/v2/products/{p}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let product_groups = "/api/v2/product_groups/";
    let (status, _) = send(
        &app,
        &lead_token,
        "POST",
        product_groups,
        Some(json!({"product": p, "group": group, "role": Role::Writer.id()})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "managing the group is not managing the product"
    );
    let row = created(
        &app,
        product_groups,
        json!({"product": p, "group": group, "role": Role::Writer.id()}),
    )
    .await;
    let (status, _) = send(
        &app,
        &dev_token,
        "GET",
        &format!("/api/v2/products/{p}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = send(
        &app,
        &dev_token,
        "GET",
        &format!("{product_groups}?group_id={group}"),
        None,
    )
    .await;
    assert_eq!(list["results"][0]["id"], row);
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        product_groups,
        Some(json!({"product": p, "group": group, "role": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["Product_Group already exists"])
    );
    let ptg = created(
        &app,
        "/api/v2/product_type_groups/",
        json!({"product_type": pt, "group": group, "role": Role::Reader.id()}),
    )
    .await;
    let (status, body) = send(
        &app,
        &dev_token,
        "GET",
        &format!("/api/v2/product_type_groups/{ptg}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["product_type"], pt);

    // Deleting the group takes its roles along.
    let (status, _) = send(&app, &app.token, "DELETE", &item, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(
        &app,
        &dev_token,
        "GET",
        &format!("/api/v2/products/{p}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

db_test!(global_roles_and_roles, |db| {
    let app = App::new(&db).await;
    let (ann, ann_token) = user_with_token(&db, "ann", false).await;
    let (status, list) = send(&app, &ann_token, "GET", "/api/v2/roles/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["count"], 5);
    assert!(list.get("prefetch").is_none());
    let (_, owner) = send(&app, &ann_token, "GET", "/api/v2/roles/4/", None).await;
    assert_eq!(owner, json!({"id": 4, "name": "Owner", "is_owner": true}));
    let (_, list) = send(&app, &ann_token, "GET", "/api/v2/roles/?name=Reader", None).await;
    assert_eq!(list["results"][0]["id"], 5);
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/roles/",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["detail"], "Method \"POST\" not allowed.");

    let path = "/api/v2/global_roles/";
    let (status, _) = send(&app, &ann_token, "GET", path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(&app, &app.token, "POST", path, Some(json!({"role": 5}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["non_field_errors"],
        json!(["Global_Role must have either user or group"])
    );
    let row = created(
        &app,
        path,
        json!({"user": ann.id, "role": Role::Reader.id()}),
    )
    .await;
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        path,
        Some(json!({"user": ann.id, "role": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["user"],
        json!(["global_ role with this user already exists."])
    );
    // A global Reader sees every group.
    created(&app, "/api/v2/dojo_groups/", json!({"name": "Nobody's"})).await;
    let (_, list) = send(&app, &ann_token, "GET", "/api/v2/dojo_groups/", None).await;
    assert_eq!(list["count"], 1);
    let item = format!("{path}{row}/");
    let (status, body) = send(
        &app,
        &app.token,
        "PATCH",
        &item,
        Some(json!({"role": Role::Owner.id()})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"id": row, "user": ann.id, "group": null, "role": 4, "prefetch": {}})
    );
    // A global Owner may reset others' tokens.
    let (status, _) = send(
        &app,
        &ann_token,
        "POST",
        &format!("/api/v2/users/{}/reset_api_token/", app.user.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = send(&app, &app.token, "GET", path, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the old token is gone");
});
