//! `POST /api/v2/api-token-auth/` and the token / basic authentication of requests.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use dojo_server::accounts::{self, NewUser};
use dojo_server::auth::AuthUser;
use dojo_storage::db_test;
use dojo_storage::repo::users;
use serde_json::{json, Value};

use crate::support::*;

const PASSWORD: &str = "Correct-Horse-42";

async fn alice(db: &dojo_storage::Db) -> dojo_domain::entities::User {
    accounts::create_user(
        db,
        &NewUser {
            username: "alice".into(),
            ..NewUser::default()
        },
        PASSWORD,
    )
    .await
    .expect("create alice")
}

/// The API router plus one route that needs authentication and echoes the caller.
fn app_with_probe(db: &dojo_storage::Db) -> Router {
    let probe =
        Router::new()
            .route(
                "/probe",
                get(|AuthUser(user): AuthUser| async move {
                    Json(json!({ "username": user.username }))
                }),
            )
            .with_state(state(db));
    dojo_server::router(state(db)).merge(probe)
}

fn get_with(auth: &str) -> Request<Body> {
    Request::get("/probe")
        .header("authorization", auth)
        .body(Body::empty())
        .expect("request")
}

db_test!(token_is_issued_for_form_and_json_and_stays_the_same, |db| {
    alice(&db).await;
    let app = dojo_server::router(state(&db));
    let (status, body) = call(
        &app,
        post_form(
            "/api/v2/api-token-auth/",
            &format!("username=alice&password={PASSWORD}"),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().expect("token string").to_owned();
    assert_eq!(token.len(), 40);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));

    let (status, again) = call(
        &app,
        post_json(
            "/api/v2/api-token-auth/",
            &json!({ "username": "alice", "password": PASSWORD }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["token"], Value::String(token.clone()));

    // Slash-less path, as some clients send it.
    let (status, third) = call(
        &app,
        post_json(
            "/api/v2/api-token-auth",
            &json!({ "username": "alice", "password": PASSWORD }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(third["token"], Value::String(token.clone()));

    // Only a hash is stored.
    let mut conn = db.conn().await.expect("connection");
    let user = users::find_by_username(&mut conn, "alice")
        .await
        .expect("query")
        .expect("alice");
    let stored = dojo_storage::repo::api_tokens::find_for_user(&mut conn, user.id)
        .await
        .expect("query")
        .expect("token row");
    assert_ne!(stored.key_hash, token);
    assert_eq!(stored.key_hash, accounts::hash_key(&token));
    assert!(user.last_login.is_some());
});

db_test!(bad_credentials_get_defectdojo_errors, |db| {
    let alice = alice(&db).await;
    let app = dojo_server::router(state(&db));
    let unable = json!({ "non_field_errors": ["Unable to log in with provided credentials."] });

    let (status, body) = call(
        &app,
        post_form("/api/v2/api-token-auth/", "username=alice&password=wrong"),
    )
    .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unable.clone()));

    let (status, body) = call(
        &app,
        post_form("/api/v2/api-token-auth/", "username=nobody&password=x"),
    )
    .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unable.clone()));

    let (status, body) = call(&app, post_json("/api/v2/api-token-auth/", &json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({ "username": ["This field is required."], "password": ["This field is required."] })
    );

    let (status, body) = call(
        &app,
        post_form("/api/v2/api-token-auth/", "username=&password=x"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({ "username": ["This field may not be blank."] })
    );

    let malformed = Request::post("/api/v2/api-token-auth/")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .expect("request");
    let (status, body) = call(&app, malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({ "message": "JSON request content is malformed" })
    );

    let xml = Request::post("/api/v2/api-token-auth/")
        .header("content-type", "application/xml")
        .body(Body::from("<a/>"))
        .expect("request");
    let (status, _) = call(&app, xml).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // An inactive user cannot log in, even with the right password.
    let mut conn = db.conn().await.expect("connection");
    users::update(
        &mut conn,
        &dojo_domain::entities::User {
            is_active: false,
            ..alice
        },
    )
    .await
    .expect("deactivate");
    let (status, body) = call(
        &app,
        post_form(
            "/api/v2/api-token-auth/",
            &format!("username=alice&password={PASSWORD}"),
        ),
    )
    .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unable));
});

db_test!(
    requests_authenticate_with_token_or_basic_and_fail_with_403,
    |db| {
        let alice = alice(&db).await;
        let app = app_with_probe(&db);
        let st = state(&db);
        let token = accounts::token_for(&st.db, &st.secret, alice.id)
            .await
            .expect("token");

        let (status, body) = call(&app, get_with(&format!("Token {token}"))).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "username": "alice" }))
        );

        let basic = base64::engine::general_purpose::STANDARD.encode(format!("alice:{PASSWORD}"));
        let (status, body) = call(&app, get_with(&format!("Basic {basic}"))).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "username": "alice" }))
        );

        let (status, body) = call(
            &app,
            Request::get("/probe").body(Body::empty()).expect("request"),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            body,
            json!({ "detail": "Authentication credentials were not provided." })
        );

        let (status, body) = call(&app, get_with(&format!("Token {}", "0".repeat(40)))).await;
        assert_eq!(
            (status, body),
            (StatusCode::FORBIDDEN, json!({ "detail": "Invalid token." }))
        );

        let wrong = base64::engine::general_purpose::STANDARD.encode("alice:nope");
        let (status, body) = call(&app, get_with(&format!("Basic {wrong}"))).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::FORBIDDEN,
                json!({ "detail": "Invalid username/password." })
            )
        );

        // A reset token replaces the old one.
        let fresh = accounts::reset_token(&st.db, &st.secret, alice.id)
            .await
            .expect("reset");
        assert_ne!(fresh, token);
        let (status, _) = call(&app, get_with(&format!("Token {token}"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = call(&app, get_with(&format!("Token {fresh}"))).await;
        assert_eq!(status, StatusCode::OK);

        let mut conn = db.conn().await.expect("connection");
        users::update(
            &mut conn,
            &dojo_domain::entities::User {
                is_active: false,
                ..alice
            },
        )
        .await
        .expect("deactivate");
        let (status, body) = call(&app, get_with(&format!("Token {fresh}"))).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::FORBIDDEN,
                json!({ "detail": "User inactive or deleted." })
            )
        );
    }
);

db_test!(tokens_survive_a_restart_but_not_a_new_secret, |db| {
    let alice = alice(&db).await;
    let first = state(&db);
    let token = accounts::token_for(&first.db, &first.secret, alice.id)
        .await
        .expect("token");
    // A second server with the same secret hands out the same key.
    let same = dojo_server::secret::ServerSecret::from_bytes(vec![42u8; 32]);
    assert_eq!(
        accounts::token_for(&db, &same, alice.id)
            .await
            .expect("again"),
        token
    );
    // With another secret the stored key cannot be re-derived, so a new one is issued.
    let other = dojo_server::secret::ServerSecret::from_bytes(vec![1u8; 32]);
    let replaced = accounts::token_for(&db, &other, alice.id)
        .await
        .expect("replaced");
    assert_ne!(replaced, token);
    assert!(matches!(
        accounts::check_token(&db, &token).await.expect("check"),
        accounts::TokenCheck::Invalid
    ));
});

db_test!(first_start_creates_one_admin, |db| {
    let generated = accounts::ensure_admin(&db, None).await.expect("admin");
    let password = generated.expect("a generated password on an empty database");
    assert!(accounts::authenticate(&db, "admin", &password)
        .await
        .expect("auth")
        .is_some());
    assert_eq!(
        accounts::ensure_admin(&db, None).await.expect("again"),
        None
    );
    let mut conn = db.conn().await.expect("connection");
    let admin = users::find_by_username(&mut conn, "admin")
        .await
        .expect("query")
        .expect("admin");
    assert!(admin.is_superuser && admin.is_staff && admin.is_active);
    assert_eq!(users::count(&mut conn).await.expect("count"), 1);
});

db_test!(
    admin_password_from_environment_must_follow_the_policy,
    |db| {
        let weak = accounts::ensure_admin(&db, Some("admin")).await;
        assert!(
            matches!(weak, Err(accounts::AccountError::WeakPassword(_))),
            "{weak:?}"
        );
        assert_eq!(
            accounts::ensure_admin(&db, Some(PASSWORD))
                .await
                .expect("admin"),
            None
        );
        assert!(accounts::authenticate(&db, "admin", PASSWORD)
            .await
            .expect("auth")
            .is_some());
    }
);

db_test!(account_rules_are_enforced, |db| {
    alice(&db).await;
    let again = accounts::create_user(
        &db,
        &NewUser {
            username: "alice".into(),
            ..NewUser::default()
        },
        PASSWORD,
    )
    .await;
    assert!(
        matches!(again, Err(accounts::AccountError::UsernameTaken(_))),
        "{again:?}"
    );
    let weak = accounts::create_user(
        &db,
        &NewUser {
            username: "bob".into(),
            ..NewUser::default()
        },
        "password",
    )
    .await;
    let Err(accounts::AccountError::WeakPassword(problems)) = weak else {
        panic!("weak password accepted: {weak:?}");
    };
    assert!(problems.iter().any(|p| p.contains("too common")));
    let bad_name = accounts::create_user(
        &db,
        &NewUser {
            username: "bad name".into(),
            ..NewUser::default()
        },
        PASSWORD,
    )
    .await;
    assert!(matches!(
        bad_name,
        Err(accounts::AccountError::InvalidUsername)
    ));
    accounts::set_password(&db, "alice", "Another-Horse-43")
        .await
        .expect("change");
    assert!(accounts::authenticate(&db, "alice", PASSWORD)
        .await
        .expect("auth")
        .is_none());
    assert!(accounts::authenticate(&db, "alice", "Another-Horse-43")
        .await
        .expect("auth")
        .is_some());
    let unknown = accounts::set_password(&db, "nobody", "Another-Horse-43").await;
    assert!(matches!(
        unknown,
        Err(accounts::AccountError::UnknownUser(_))
    ));
});
