//! `/api/v2/engagements/`: CRUD as dd-import drives it, and who may do what,
//! from one table of (role, action, expected status).

use axum::http::StatusCode;
use dojo_domain::Role;
use dojo_storage::db_test;
use serde_json::{json, Value};

use crate::import::*;

fn new_engagement(product_id: i64, name: &str) -> Value {
    json!({
        "name": name,
        "product": product_id,
        "target_start": "2026-11-01",
        "target_end": "2999-12-31",
        "engagement_type": "CI/CD",
        "status": "In Progress",
    })
}

db_test!(engagements_round_trip_as_dd_import_uses_them, |db| {
    let app = App::new(&db).await;
    let existing = app.engagement("Shop", "Nightly", false).await;
    let product = existing.product_id;

    let (status, created) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(new_engagement(product, "CI")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["engagement_type"], "CI/CD");
    assert_eq!(created["status"], "In Progress");
    assert_eq!(created["product"], product);
    assert_eq!(created["target_end"], "2999-12-31");

    let (_, list) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/engagements/?name=CI&product={product}"),
        None,
    )
    .await;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["results"][0]["id"], id);
    assert!(list.get("prefetch").is_none());

    let (status, patched) = send(
        &app,
        &app.token,
        "PATCH",
        &format!("/api/v2/engagements/{id}/"),
        Some(json!({"build_id": "b-17", "commit_hash": null, "branch_tag": "main"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["build_id"], "b-17");
    assert_eq!(patched["branch_tag"], "main");
    assert_eq!(patched["name"], "CI", "PATCH keeps other fields");

    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(json!({"name": "x", "target_start": "2026-11-01", "target_end": "2026-11-02"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["detail"],
        "Unable to check for permissions: Attribute 'product' is required"
    );
    let (status, _) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(new_engagement(987_654, "Nowhere")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut reversed = new_engagement(product, "Backwards");
    reversed["target_start"] = json!("2027-01-02");
    reversed["target_end"] = json!("2027-01-01");
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(reversed),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, _) = send(
        &app,
        &app.token,
        "DELETE",
        &format!("/api/v2/engagements/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(
        &app,
        &app.token,
        "GET",
        &format!("/api/v2/engagements/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No Engagement matches the given query.");
});

#[derive(Clone, Copy, Debug)]
enum Who {
    Superuser,
    Member(Role),
    OtherProductOwner,
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

/// Expected status per (who, action); for `List`, the number of engagements
/// of the product the caller sees.
const MATRIX: &[(Who, Action, u16)] = &[
    (Superuser, List, 1),
    (Superuser, Create, 201),
    (Superuser, Delete, 204),
    (Member(Role::Reader), List, 1),
    (Member(Role::Reader), Retrieve, 200),
    (Member(Role::Reader), Create, 403),
    (Member(Role::Reader), Edit, 403),
    (Member(Role::Reader), Delete, 403),
    (Member(Role::ApiImporter), Create, 201),
    (Member(Role::ApiImporter), Edit, 200),
    (Member(Role::ApiImporter), Delete, 403),
    (Member(Role::Writer), Create, 201),
    (Member(Role::Writer), Edit, 200),
    (Member(Role::Writer), Delete, 403),
    (Member(Role::Maintainer), Delete, 204),
    (Member(Role::Owner), Delete, 204),
    (OtherProductOwner, List, 0),
    (OtherProductOwner, Retrieve, 404),
    (OtherProductOwner, Create, 403),
    (OtherProductOwner, Edit, 404),
    (OtherProductOwner, Delete, 404),
    (Nobody, List, 0),
    (Nobody, Retrieve, 404),
    (Nobody, Create, 403),
    (Nobody, Edit, 404),
    (Nobody, Delete, 404),
];

db_test!(engagement_permissions_follow_the_role_table, |db| {
    let app = App::new(&db).await;
    for (n, (who, action, expected)) in MATRIX.iter().enumerate() {
        let target = app.engagement(&format!("Target {n}"), "CI", false).await;
        let other = app.engagement(&format!("Other {n}"), "CI", false).await;
        let token = match who {
            Superuser => app.token.clone(),
            Member(role) => member(&app, &format!("member{n}"), target.product_id, *role).await,
            OtherProductOwner => {
                member(&app, &format!("other{n}"), other.product_id, Role::Owner).await
            }
            Nobody => {
                user_with_token(&app.db, &format!("nobody{n}"), false)
                    .await
                    .1
            }
        };
        let item = format!("/api/v2/engagements/{}/", target.id);
        let (status, body) = match action {
            List => {
                let path = format!("/api/v2/engagements/?product={}", target.product_id);
                let (status, body) = send(&app, &token, "GET", &path, None).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body["count"], *expected, "{who:?} {action:?}");
                continue;
            }
            Retrieve => send(&app, &token, "GET", &item, None).await,
            Create => {
                let body = new_engagement(target.product_id, &format!("New {n}"));
                send(&app, &token, "POST", "/api/v2/engagements/", Some(body)).await
            }
            Edit => send(&app, &token, "PATCH", &item, Some(json!({"version": "2"}))).await,
            Delete => send(&app, &token, "DELETE", &item, None).await,
        };
        assert_eq!(status.as_u16(), *expected, "{who:?} {action:?}: {body}");
    }
});

db_test!(close_and_reopen_set_active_and_status, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let item = format!("/api/v2/engagements/{}/", engagement.id);
    let reader = member(&app, "reader", engagement.product_id, Role::Reader).await;
    let importer = member(&app, "importer", engagement.product_id, Role::ApiImporter).await;
    let (_, outsider) = user_with_token(&db, "outsider", false).await;

    let close = format!("{item}close/");
    let (status, _) = send(&app, &outsider, "POST", &close, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, &reader, "POST", &close, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, body) = send(&app, &reader, "GET", &item, None).await;
    assert_eq!(
        (body["active"].clone(), body["status"].clone()),
        (json!(true), json!("Not Started"))
    );

    for (action, body, active, state) in [
        ("close/", None, false, "Completed"),
        ("reopen/", Some(json!({})), true, "In Progress"),
        ("close/", Some(json!({})), false, "Completed"),
    ] {
        let (status, answer) =
            send(&app, &importer, "POST", &format!("{item}{action}"), body).await;
        assert_eq!(status, StatusCode::OK, "{action}: {answer}");
        assert_eq!(answer, json!({}));
        let (_, body) = send(&app, &reader, "GET", &item, None).await;
        assert_eq!(body["active"], active, "{action}");
        assert_eq!(body["status"], state, "{action}");
    }
});
