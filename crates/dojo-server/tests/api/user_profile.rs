//! `GET /api/v2/user_profile/`: the caller and their contact information.

use axum::http::StatusCode;
use chrono::{TimeZone, Utc};
use dojo_domain::entities::UserContactInfo;
use dojo_domain::DeduplicationExecutionMode;
use dojo_storage::db_test;
use dojo_storage::repo::user_contact_infos;
use serde_json::{json, Value};

use crate::import::*;

db_test!(the_profile_is_the_callers_own, |db| {
    let app = App::new(&db).await;
    let (user, token) = user_with_token(&db, "alice", false).await;
    let (status, body) = send(&app, &token, "GET", "/api/v2/user_profile/", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], user.id);
    assert_eq!(body["user"]["username"], "alice");
    assert_eq!(body["user"]["is_superuser"], false);
    assert_eq!(body["user"]["token_last_reset"], Value::Null);
    assert_eq!(body["user"]["configuration_permissions"], json!([]));
    assert!(body["user"].get("password").is_none(), "{body}");
    assert_eq!(body["user_contact_info"], Value::Null);

    let reset = Utc
        .with_ymd_and_hms(2026, 5, 6, 7, 8, 9)
        .single()
        .expect("instant");
    let mut conn = app.db.conn().await.expect("connection");
    user_contact_infos::insert(
        &mut conn,
        &UserContactInfo {
            id: 0,
            user_id: user.id,
            title: Some("AppSec lead".into()),
            phone_number: None,
            cell_number: None,
            twitter_username: None,
            github_username: Some("alice-gh".into()),
            slack_username: None,
            slack_user_id: None,
            block_execution: true,
            deduplication_execution_mode: Some(DeduplicationExecutionMode::Sync),
            force_password_reset: false,
            ui_use_tailwind: false,
            token_last_reset: Some(reset),
            password_last_reset: None,
            user_state_details: None,
        },
    )
    .await
    .expect("contact info");
    drop(conn);
    let (_, body) = send(&app, &token, "GET", "/api/v2/user_profile/", None).await;
    let contact = &body["user_contact_info"];
    assert_eq!(contact["user"], user.id);
    assert_eq!(contact["title"], "AppSec lead");
    assert_eq!(contact["github_username"], "alice-gh");
    assert_eq!(contact["block_execution"], true);
    assert_eq!(contact["deduplication_execution_mode"], "sync");
    assert_eq!(contact["user_profile"]["username"], "alice");
    assert_eq!(contact["token_last_reset"], "2026-05-06T07:08:09Z");
    assert_eq!(body["user"]["token_last_reset"], "2026-05-06T07:08:09Z");

    // The superuser sees their own profile, not Alice's.
    let (_, body) = send(&app, &app.token, "GET", "/api/v2/user_profile/", None).await;
    assert_eq!(body["user"]["is_superuser"], true);
    assert_eq!(body["user_contact_info"], Value::Null);
});
