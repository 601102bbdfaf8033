#![allow(
    clippy::unwrap_used,
    reason = "benchmark harness: a failed setup should stop the run loudly"
)]

//! The web pages over a product of 100,000 findings (issue 7's target: every
//! page under 200 ms), in a portfolio of 1,000,000 by default, as a superuser
//! with a browser session. Requests go through the router in-process; the
//! time includes rendering the HTML.
//!
//! `cargo bench -p dojo-server --bench pages [-- --big 100000 --others 900
//! --per-product 1000 --requests 30 --databases sqlite,postgres]`; PostgreSQL
//! runs when `DOJO_TEST_DATABASE_URL` is set. `DOJO_BENCH_ONLY=<page>,…` times
//! those pages, `DOJO_BENCH_LOG=sqlx=debug` logs each statement with its time.

mod seed;

use std::time::Instant;

use dojo_server::secret::ServerSecret;
use dojo_server::AppState;
use dojo_storage::bulk;
use dojo_storage::testing::TestDb;
use seed::{arg, seed, time_requests_with};

struct Shape {
    big: i64,
    others: usize,
    per_product: i64,
    requests: usize,
}

async fn run(database: &str, shape: &Shape) {
    let test_db = match database {
        "postgres" => match TestDb::postgres().await {
            Some(db) => db,
            None => return,
        },
        _ => TestDb::sqlite().await,
    };
    let db = test_db.db.clone();
    let started = Instant::now();
    let admin = dojo_server::accounts::create_user(
        &db,
        &dojo_server::accounts::NewUser {
            username: "admin".into(),
            is_superuser: true,
            ..Default::default()
        },
        "Correct-Horse-42",
    )
    .await
    .unwrap();
    let mut sizes = vec![shape.big];
    sizes.extend(std::iter::repeat_n(shape.per_product, shape.others));
    let total: i64 = sizes.iter().sum();
    let products = seed(&db, &sizes, admin.id).await;
    dojo_server::lifecycle::scheduler::compact_rollup(&db)
        .await
        .unwrap();
    {
        let mut conn = db.conn().await.unwrap();
        let analyze: &[&str] = match conn.backend() {
            dojo_storage::Backend::Postgres => &["VACUUM ANALYZE"],
            dojo_storage::Backend::Sqlite => &["ANALYZE"],
        };
        for sql in analyze {
            bulk::execute(&mut conn, sql, &[]).await.unwrap();
        }
    }
    let seeded = started.elapsed().as_secs_f64();
    let big = products[0];
    let (engagement, test, finding): (i64, i64, i64) = {
        let mut conn = db.conn().await.unwrap();
        let rows: Vec<(i64, i64, i64)> = bulk::fetch_all(
            &mut conn,
            "SELECT e.id, t.id, MAX(f.id) FROM engagement e JOIN test t ON t.engagement_id = e.id \
             JOIN finding f ON f.test_id = t.id WHERE e.product_id = $1 GROUP BY e.id, t.id",
            &[big.into()],
        )
        .await
        .unwrap();
        rows[0]
    };
    let state = AppState::new(db.clone(), ServerSecret::from_bytes(vec![7u8; 32]));
    let (key, _) = dojo_server::web::session::start(&state, &admin)
        .await
        .unwrap();
    let cookie = format!("sessionid={key}");
    let app = dojo_server::router(state);
    let cases: Vec<(String, String)> = vec![
        ("dashboard".into(), "/dashboard".into()),
        ("portfolio metrics".into(), "/metrics".into()),
        ("product metrics".into(), format!("/product/{big}/metrics")),
        ("import form".into(), "/import".into()),
        (
            "engagement import form".into(),
            format!("/engagement/{engagement}/import_scan_results"),
        ),
        (
            "test reimport form".into(),
            format!("/test/{test}/re_import_scan_results"),
        ),
        ("product types".into(), "/product/type".into()),
        ("products".into(), "/product".into()),
        ("product".into(), format!("/product/{big}")),
        ("engagements".into(), "/engagement".into()),
        ("engagement".into(), format!("/engagement/{engagement}")),
        ("test (findings page 1)".into(), format!("/test/{test}")),
        (
            "test (findings page 2000)".into(),
            format!("/test/{test}?page=2000"),
        ),
        ("findings".into(), "/finding".into()),
        (
            "findings of the product, High".into(),
            format!("/finding?test__engagement__product={big}&severity=High"),
        ),
        ("findings by product".into(), "/finding?o=product".into()),
        (
            "findings past their SLA".into(),
            "/finding?sla=breached".into(),
        ),
        ("findings, page 1000".into(), "/finding?page=1000".into()),
        ("finding".into(), format!("/finding/{finding}")),
        ("users".into(), "/user".into()),
        ("SLA configurations".into(), "/sla_config".into()),
    ];
    let only = std::env::var("DOJO_BENCH_ONLY").ok();
    for (name, path) in cases {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|o| o == name))
        {
            continue;
        }
        let paths = vec![path; shape.requests];
        time_requests_with(&app, ("Cookie", &cookie), &paths[..3.min(paths.len())]).await;
        let (p50, p99, max) = time_requests_with(&app, ("Cookie", &cookie), &paths).await;
        println!(
            "| {database} | {name} | {} | {p50:.1} | {p99:.1} | {max:.1} |",
            shape.requests
        );
    }
    eprintln!("{database}: seeded {total} findings in {seeded:.1} s");
    test_db.cleanup().await;
}

fn main() {
    // `DOJO_BENCH_LOG=sqlx=debug` logs every statement with its time;
    // `DOJO_BENCH_ONLY=<page>,…` times those pages only.
    if let Ok(filter) = std::env::var("DOJO_BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .init();
    }
    let args: Vec<String> = std::env::args().collect();
    let shape = Shape {
        big: arg(&args, "--big", "100000").parse().unwrap(),
        others: arg(&args, "--others", "900").parse().unwrap(),
        per_product: arg(&args, "--per-product", "1000").parse().unwrap(),
        requests: arg(&args, "--requests", "30").parse().unwrap(),
    };
    let databases = arg(&args, "--databases", "sqlite,postgres");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| database | page | requests | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for database in databases.split(',') {
        runtime.block_on(run(database, &shape));
    }
}
