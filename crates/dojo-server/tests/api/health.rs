use axum::body::Body;
use axum::http::{Request, StatusCode};
use dojo_storage::db_test;

use crate::support::*;

db_test!(health_reports_a_reachable_database, |db| {
    let app = dojo_server::router(state(&db));
    let (status, body) = call(
        &app,
        Request::get("/health")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let expected = match db.backend() {
        dojo_storage::Backend::Sqlite => "sqlite",
        dojo_storage::Backend::Postgres => "postgresql",
    };
    assert_eq!(body["database"], expected);

    db.close().await;
    let (status, body) = call(
        &app,
        Request::get("/health")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unavailable");
});
