//! Connecting, migrating, and the connection types every query runs on.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{
    Connection, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
};

use crate::error::{StorageError, StorageResult};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives: a PostgreSQL URL, an SQLite URL, or (neither given) the
/// file `dojo.db` in the data folder.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub max_connections: u32,
}

impl DbConfig {
    pub fn sqlite_in(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            database_url: None,
            data_dir: data_dir.into(),
            max_connections: 8,
        }
    }
}

/// A pool on one of the two databases.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Hides the password of a database URL for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

impl Db {
    /// Opens the database the configuration names, creating the SQLite file and its
    /// folder when needed, and applies pending migrations.
    pub async fn open(config: &DbConfig) -> StorageResult<Db> {
        let db = Db::connect(config).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating.
    pub async fn connect(config: &DbConfig) -> StorageResult<Db> {
        match config.database_url.as_deref().map(str::trim) {
            None | Some("") => {
                let path = config.data_dir.join("dojo.db");
                Db::connect_sqlite_file(&path, config.max_connections).await
            }
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let options = PgConnectOptions::from_str(url).map_err(|e| {
                    StorageError::Config(format!(
                        "DOJO_DATABASE_URL {} is not a valid PostgreSQL URL: {e}",
                        redact_url(url)
                    ))
                })?;
                Db::connect_postgres(options.application_name("dojo"), config.max_connections).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url
                    .trim_start_matches("sqlite:")
                    .trim_start_matches("//")
                    .split('?')
                    .next()
                    .unwrap_or_default();
                if path.is_empty() || path == ":memory:" {
                    return Err(StorageError::Config(
                        "DOJO_DATABASE_URL must name an SQLite file (an in-memory database would lose every write)".into(),
                    ));
                }
                Db::connect_sqlite_file(Path::new(path), config.max_connections).await
            }
            Some(url) => Err(StorageError::Config(format!(
                "DOJO_DATABASE_URL {} is not supported: use postgres://… or sqlite://…",
                redact_url(url)
            ))),
        }
    }

    async fn connect_sqlite_file(path: &Path, max_connections: u32) -> StorageResult<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StorageError::Config(format!("cannot create data folder {}: {e}", dir.display()))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            // Checkpoints run after each committed transaction, in the background
            // (see `Tx::commit`), instead of inside the commit that crosses the
            // threshold: a 10,000-finding import spent 180 of its 250 ms of commit
            // copying the WAL back into the database file.
            .pragma("wal_autocheckpoint", "0");
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| {
                StorageError::Config(format!(
                    "cannot open SQLite database {}: {}",
                    path.display(),
                    root_cause(&e)
                ))
            })?;
        Ok(Db::Sqlite(pool))
    }

    /// Connects to PostgreSQL with explicit options (tests use this to pick a schema).
    pub async fn connect_postgres(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> StorageResult<Db> {
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        );
        // One direct connection first: a pool would only report a time-out, while the
        // connection says why (refused, unknown database, authentication…).
        let probe = PgConnection::connect_with(&options).await.map_err(|e| {
            StorageError::Config(format!(
                "cannot connect to PostgreSQL at {target}: {}",
                root_cause(&e)
            ))
        })?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations. On PostgreSQL an advisory lock makes this safe
    /// when several `dojo serve` processes start together.
    pub async fn migrate(&self) -> StorageResult<()> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Migrates without the advisory lock: for test schemas that nobody else uses.
    pub async fn migrate_unlocked(&self) -> StorageResult<()> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => {
                let migrator = sqlx::migrate::Migrator {
                    migrations: POSTGRES_MIGRATIONS.migrations.clone(),
                    locking: false,
                    ..sqlx::migrate::Migrator::DEFAULT
                };
                migrator.run(pool).await?
            }
        }
        Ok(())
    }

    /// Names of the migrations applied, in order.
    pub async fn applied_migrations(&self) -> StorageResult<Vec<i64>> {
        let mut conn = self.conn().await?;
        let versions = dispatch!(conn, c => {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&mut *c)
                .await?
        });
        Ok(versions)
    }

    /// A connection from the pool.
    pub async fn conn(&self) -> StorageResult<Conn> {
        Ok(match self {
            Db::Sqlite(pool) => Conn::SqlitePooled(pool.acquire().await?),
            Db::Postgres(pool) => Conn::PostgresPooled(pool.acquire().await?),
        })
    }

    /// A transaction: everything done through it lands together on `commit`, or not
    /// at all when it is dropped.
    pub async fn begin(&self) -> StorageResult<Tx> {
        Ok(Tx(
            match self {
                // IMMEDIATE takes SQLite's write lock up front, so two writers queue on the
                // busy timeout instead of failing with SQLITE_BUSY when they upgrade.
                Db::Sqlite(pool) => Conn::SqliteTx(pool.begin_with("BEGIN IMMEDIATE").await?),
                Db::Postgres(pool) => Conn::PostgresTx(pool.begin().await?),
            },
            self.clone(),
        ))
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> StorageResult<()> {
        let mut conn = self.conn().await?;
        dispatch!(conn, c => {
            sqlx::query("SELECT 1").execute(&mut *c).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

fn root_cause(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// A connection or an open transaction on either database. Every repository
/// function takes `&mut Conn`, so the same code runs inside and outside transactions.
pub enum Conn {
    SqlitePooled(PoolConnection<Sqlite>),
    PostgresPooled(PoolConnection<Postgres>),
    SqliteTx(Transaction<'static, Sqlite>),
    PostgresTx(Transaction<'static, Postgres>),
}

/// The driver connection behind a [`Conn`], for [`dispatch!`].
pub enum RawConn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn {
    pub fn raw(&mut self) -> RawConn<'_> {
        match self {
            Conn::SqlitePooled(c) => RawConn::Sqlite(c),
            Conn::SqliteTx(t) => RawConn::Sqlite(t),
            Conn::PostgresPooled(c) => RawConn::Postgres(c),
            Conn::PostgresTx(t) => RawConn::Postgres(t),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Conn::SqlitePooled(_) | Conn::SqliteTx(_) => Backend::Sqlite,
            Conn::PostgresPooled(_) | Conn::PostgresTx(_) => Backend::Postgres,
        }
    }
}

/// A transaction; derefs to [`Conn`] so repository functions accept it.
pub struct Tx(Conn, Db);

impl Tx {
    pub async fn commit(self) -> StorageResult<()> {
        match self.0 {
            Conn::SqliteTx(t) => {
                t.commit().await?;
                if let Db::Sqlite(pool) = self.1 {
                    tokio::spawn(checkpoint(pool));
                }
            }
            Conn::PostgresTx(t) => t.commit().await?,
            Conn::SqlitePooled(_) | Conn::PostgresPooled(_) => {}
        }
        Ok(())
    }
}

/// Copies what the WAL holds back into the database file without blocking
/// readers or writers (a PASSIVE checkpoint); what it cannot copy now the next
/// one will.
async fn checkpoint(pool: sqlx::SqlitePool) {
    if pool.is_closed() {
        return;
    }
    if let Ok(mut conn) = pool.acquire().await {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut *conn)
            .await
        {
            tracing::debug!(error = %e, "WAL checkpoint failed");
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}
