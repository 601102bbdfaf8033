//! Several servers starting together on one PostgreSQL database.

use dojo_server::accounts;
use dojo_storage::repo::users;
use dojo_storage::testing::{TestDb, POSTGRES_ENV};
use dojo_storage::{Db, DbConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_migrate_once_and_create_one_admin() {
    let Some(test_db) = TestDb::postgres_unmigrated().await else {
        eprintln!("skipped: {POSTGRES_ENV} is not set");
        return;
    };
    let config = DbConfig {
        database_url: Some(test_db.url()),
        data_dir: std::env::temp_dir(),
        max_connections: 2,
    };
    let starts = (0..4).map(|_| {
        let config = config.clone();
        tokio::spawn(async move {
            let db = Db::open(&config).await.expect("open and migrate");
            let password = accounts::ensure_admin(&db, None)
                .await
                .expect("ensure admin");
            (db, password)
        })
    });
    let mut generated = 0;
    let mut pools = Vec::new();
    for start in starts {
        let (db, password) = start.await.expect("start task");
        generated += usize::from(password.is_some());
        pools.push(db);
    }
    assert_eq!(
        generated, 1,
        "exactly one server reports the new admin's password"
    );
    let mut conn = pools[0].conn().await.expect("connection");
    assert_eq!(users::count(&mut conn).await.expect("count"), 1);
    assert_eq!(
        pools[0]
            .applied_migrations()
            .await
            .expect("migrations")
            .len(),
        migration_count(),
        "each migration applied once"
    );
    drop(conn);
    for db in &pools {
        db.close().await;
    }
    test_db.cleanup().await;
}

/// The migrations shipped (the same number for both databases).
fn migration_count() -> usize {
    let dir = format!(
        "{}/../dojo-storage/migrations/sqlite",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count()
}
