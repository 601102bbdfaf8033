#![allow(
    clippy::unwrap_used,
    reason = "benchmark harness: a failed setup should stop the run loudly"
)]

//! `GET /api/v2/metrics/` (issue 6's target: ≤ 100 ms): for one product of
//! 100,000 findings, and for the whole portfolio of 1,000,000 findings (that
//! product and 900 more of 1,000) as a superuser and as a member of 3
//! products. Requests go through the router in-process.
//!
//! `cargo bench -p dojo-server --bench metrics [-- --big 100000 --others 900
//! --per-product 1000 --requests 50 --databases sqlite,postgres]`; PostgreSQL
//! runs when `DOJO_TEST_DATABASE_URL` is set.

mod seed;

use std::time::Instant;

use dojo_domain::entities::ProductMember;
use dojo_domain::Role;
use dojo_server::secret::ServerSecret;
use dojo_server::AppState;
use dojo_storage::repo;
use dojo_storage::testing::TestDb;
use seed::{arg, seed, time_requests};

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
    let new_user = |name: &str, superuser: bool| dojo_server::accounts::NewUser {
        username: name.into(),
        is_superuser: superuser,
        ..Default::default()
    };
    let admin =
        dojo_server::accounts::create_user(&db, &new_user("admin", true), "Correct-Horse-42")
            .await
            .unwrap();
    let member =
        dojo_server::accounts::create_user(&db, &new_user("member", false), "Correct-Horse-42")
            .await
            .unwrap();
    let mut sizes = vec![shape.big];
    sizes.extend(std::iter::repeat_n(shape.per_product, shape.others));
    let total: i64 = sizes.iter().sum();
    let products = seed(&db, &sizes, admin.id).await;
    // A server's steady state: the rollup's deltas folded (the scheduler's
    // half-minute job), statistics gathered and, on PostgreSQL, the visibility
    // map set (autovacuum's work) so index-only scans stay so.
    dojo_server::lifecycle::scheduler::compact_rollup(&db)
        .await
        .unwrap();
    {
        let mut conn = db.conn().await.unwrap();
        let analyze: &[&str] = match conn.backend() {
            dojo_storage::Backend::Postgres => &[
                "VACUUM ANALYZE finding",
                "VACUUM ANALYZE metrics_found",
                "VACUUM ANALYZE metrics_mitigated",
            ],
            dojo_storage::Backend::Sqlite => &["ANALYZE"],
        };
        for sql in analyze {
            dojo_storage::bulk::execute(&mut conn, sql, &[])
                .await
                .unwrap();
        }
    }
    let seeded = started.elapsed().as_secs_f64();
    {
        let mut conn = db.conn().await.unwrap();
        for product_id in products.iter().skip(1).step_by(shape.others / 3).take(3) {
            repo::product_members::insert(
                &mut conn,
                &ProductMember {
                    id: 0,
                    product_id: *product_id,
                    user_id: member.id,
                    role_id: Role::Writer.id(),
                },
            )
            .await
            .unwrap();
        }
    }
    let state = AppState::new(db.clone(), ServerSecret::from_bytes(vec![7u8; 32]));
    let token = |id| {
        let (db, secret) = (db.clone(), state.secret.clone());
        async move {
            dojo_server::accounts::token_for(&db, &secret, id)
                .await
                .unwrap()
        }
    };
    let admin_token = token(admin.id).await;
    let member_token = token(member.id).await;
    let app = dojo_server::router(state);
    let cases = [
        (
            format!("product of {}", shape.big),
            &admin_token,
            format!("/api/v2/metrics/?product={}", products[0]),
        ),
        (
            format!("all {total}, superuser"),
            &admin_token,
            "/api/v2/metrics/".to_owned(),
        ),
        (
            format!("all {total}, member of 3 products"),
            &member_token,
            "/api/v2/metrics/".to_owned(),
        ),
        (
            format!("all {total}, weekly, superuser"),
            &admin_token,
            "/api/v2/metrics/?period=week".to_owned(),
        ),
    ];
    for (name, token, path) in cases {
        let paths = vec![path; shape.requests];
        time_requests(&app, token, &paths[..3.min(paths.len())]).await;
        let (p50, p99, max) = time_requests(&app, token, &paths).await;
        println!(
            "| {database} | {name} | {} | {p50:.1} | {p99:.1} | {max:.1} |",
            shape.requests
        );
    }
    eprintln!("{database}: seeded {total} findings in {seeded:.1} s");
    test_db.cleanup().await;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = Shape {
        big: arg(&args, "--big", "100000").parse().unwrap(),
        others: arg(&args, "--others", "900").parse().unwrap(),
        per_product: arg(&args, "--per-product", "1000").parse().unwrap(),
        requests: arg(&args, "--requests", "50").parse().unwrap(),
    };
    let databases = arg(&args, "--databases", "sqlite,postgres");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| database | scope | requests | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for database in databases.split(',') {
        runtime.block_on(run(database, &shape));
    }
}
