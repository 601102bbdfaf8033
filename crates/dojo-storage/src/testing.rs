//! Databases for tests: each test gets its own, so tests run in parallel.
//!
//! SQLite: a file in a fresh temporary folder. PostgreSQL (only when
//! `DOJO_TEST_DATABASE_URL` is set): a fresh schema in that database, migrated, and
//! dropped at the end. (A database per test cloned from a template was tried and was
//! slower: every DROP DATABASE forces a checkpoint.)
//! [`db_test!`](crate::db_test) writes one test per database from one body.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::{Db, DbConfig};

/// The environment variable naming the PostgreSQL database tests may use.
pub const POSTGRES_ENV: &str = "DOJO_TEST_DATABASE_URL";

enum Place {
    Sqlite(tempfile::TempDir),
    /// (server URL, schema created for the test)
    PostgresSchema(String, String),
}

pub struct TestDb {
    pub db: Db,
    place: Place,
}

fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

async fn admin_connection(url: &str) -> PgConnection {
    PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL refuses: {e}"))
}

impl TestDb {
    /// A migrated SQLite database in a temporary folder.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder for the test database");
        let db = Db::open(&DbConfig::sqlite_in(dir.path()))
            .await
            .expect("open the SQLite test database");
        TestDb {
            db,
            place: Place::Sqlite(dir),
        }
    }

    /// A migrated PostgreSQL schema of its own, or `None` when no server is configured.
    /// A configured server that cannot be reached fails the test.
    pub async fn postgres() -> Option<TestDb> {
        let test_db = TestDb::postgres_unmigrated().await?;
        test_db
            .db
            .migrate_unlocked()
            .await
            .expect("migrate the test schema");
        Some(test_db)
    }

    /// An empty PostgreSQL schema of its own (for tests of migrating itself).
    pub async fn postgres_unmigrated() -> Option<TestDb> {
        let url = postgres_url()?;
        let schema = format!("dojo_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = admin_connection(&url).await;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        let _ = admin.close().await;
        let options = PgConnectOptions::from_str(&url)
            .expect("a valid PostgreSQL URL in DOJO_TEST_DATABASE_URL")
            .options([("search_path", schema.as_str())]);
        let db = Db::connect_postgres(options, 4)
            .await
            .expect("connect to the test schema");
        Some(TestDb {
            db,
            place: Place::PostgresSchema(url, schema),
        })
    }

    /// A `DOJO_DATABASE_URL` for this database, for handing to a `dojo` process: the
    /// SQLite file, or the PostgreSQL URL with the schema as search path.
    pub fn url(&self) -> String {
        match &self.place {
            Place::PostgresSchema(url, schema) => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}options=-c%20search_path%3D{schema}")
            }
            Place::Sqlite(dir) => format!("sqlite://{}", dir.path().join("dojo.db").display()),
        }
    }

    /// Closes the pool and drops the PostgreSQL schema (SQLite's folder goes on drop).
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Place::PostgresSchema(url, schema) = &self.place {
            if let Ok(mut admin) = PgConnection::connect(url).await {
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut admin)
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// Runs `body` with the database of `test_db`, cleans up, then re-raises a panic.
pub async fn run<F, Fut>(test_db: TestDb, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(body(test_db.db.clone())).await;
    test_db.cleanup().await;
    if let Err(error) = outcome {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        panic!("test task failed: {error}");
    }
}

/// Declares a module `$name` with two tests, `sqlite` and `postgres`, running the same
/// body on a fresh database of each kind. The PostgreSQL one passes without running
/// when `DOJO_TEST_DATABASE_URL` is unset, and says so on stderr.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test_db = $crate::testing::TestDb::sqlite().await;
                $crate::testing::run(test_db, |$db: $crate::Db| async move { $body }).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(test_db) = $crate::testing::TestDb::postgres().await else {
                    eprintln!("skipped: {} is not set", $crate::testing::POSTGRES_ENV);
                    return;
                };
                $crate::testing::run(test_db, |$db: $crate::Db| async move { $body }).await;
            }
        }
    };
}
