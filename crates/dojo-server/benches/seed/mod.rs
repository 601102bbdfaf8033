//! What the server benchmarks share: a seeded database and a timer.

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use chrono::{Days, Utc};
use dojo_domain::entities::{Engagement, Finding, Product, ProductType, Test, TestType};
use dojo_domain::Severity;
use dojo_storage::bulk;
use dojo_storage::repo;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub fn arg(args: &[String], flag: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_owned())
}

/// Products with one engagement and test each, and `sizes[p]` findings in
/// product `p`, written with the bulk insert the importer uses. The findings
/// spread over the last 400 days; one in three is mitigated (with its SLA met
/// or missed), one in two of the rest is active, one in four verified.
pub async fn seed(db: &dojo_storage::Db, sizes: &[i64], reporter_id: i64) -> Vec<i64> {
    let mut conn = db.conn().await.unwrap();
    let product_type = repo::product_types::insert(
        &mut conn,
        &ProductType {
            name: "Bench".into(),
            ..ProductType::default()
        },
    )
    .await
    .unwrap();
    let test_type = repo::test_types::insert(
        &mut conn,
        &TestType {
            name: "Bench Scan".into(),
            ..TestType::default()
        },
    )
    .await
    .unwrap();
    drop(conn);
    let severities = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let now = Utc::now();
    let today = now.date_naive();
    let mut product_ids = Vec::new();
    for (p, &size) in sizes.iter().enumerate() {
        let mut tx = db.begin().await.unwrap();
        let product = repo::products::insert(
            &mut tx,
            &Product {
                name: format!("Product {p}"),
                description: "bench".into(),
                prod_type_id: product_type.id,
                ..Product::default()
            },
        )
        .await
        .unwrap();
        let engagement = repo::engagements::insert(
            &mut tx,
            &Engagement {
                name: Some("CI".into()),
                product_id: product.id,
                ..Engagement::default()
            },
        )
        .await
        .unwrap();
        let test = repo::tests::insert(
            &mut tx,
            &Test {
                engagement_id: engagement.id,
                test_type_id: test_type.id,
                target_start: now,
                target_end: now,
                ..Test::default()
            },
        )
        .await
        .unwrap();
        let ids = bulk::allocate_ids(&mut tx, repo::findings::TABLE, size as usize)
            .await
            .unwrap();
        let rows: Vec<Finding> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| {
                let severity = severities[n % severities.len()];
                let date = today - Days::new((n * 7919 % 400) as u64);
                let mitigated = (n % 3 == 0).then(|| {
                    (date + Days::new((n % 60) as u64))
                        .and_hms_opt(12, 0, 0)
                        .unwrap()
                        .and_utc()
                });
                Finding {
                    id: *id,
                    title: format!("Finding {n} of product {p}"),
                    severity,
                    numerical_severity: severity.numerical().to_owned(),
                    description: "A benchmark finding with a description of ordinary length."
                        .into(),
                    active: mitigated.is_none() && n % 2 == 0,
                    verified: n % 4 == 0,
                    is_mitigated: mitigated.is_some(),
                    mitigated,
                    test_id: test.id,
                    product_id: product.id,
                    reporter_id,
                    date,
                    sla_expiration_date: Some(date + Days::new(30)),
                    hash_code: Some(format!("{p:04}{n:08}")),
                    ..Finding::default()
                }
            })
            .collect();
        repo::findings::insert_many(&mut tx, &rows).await.unwrap();
        tx.commit().await.unwrap();
        product_ids.push(product.id);
    }
    product_ids
}

/// Sends each GET with the token; p50, p99 and max in milliseconds.
#[allow(dead_code, reason = "each bench binary uses the part it needs")]
pub async fn time_requests(app: &axum::Router, token: &str, paths: &[String]) -> (f64, f64, f64) {
    time_requests_with(app, ("Authorization", &format!("Token {token}")), paths).await
}

/// Sends each GET with the header (a token, a session cookie); p50, p99 and
/// max in milliseconds.
#[allow(dead_code, reason = "each bench binary uses the part it needs")]
pub async fn time_requests_with(
    app: &axum::Router,
    (name, value): (&str, &str),
    paths: &[String],
) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(paths.len());
    for path in paths {
        let request = Request::get(path.as_str())
            .header(name, value)
            .header("Host", "bench")
            .body(Body::empty())
            .unwrap();
        let start = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(body.len() > 100, "{path} answered {} bytes", body.len());
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    (at(0.5), at(0.99), times[times.len() - 1])
}
