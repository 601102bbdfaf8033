//! Command-line interface. Configuration comes only from flags and `DOJO_*`
//! environment variables (see the README's table).

mod import;
pub mod logging;
mod parse;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use dojo_server::files::FileStore;
use dojo_server::notifications::delivery::DeliveryConfig;
use dojo_server::secret::ServerSecret;
use dojo_server::web::SessionConfig;
use dojo_server::{accounts, AppState};
use dojo_storage::{Db, DbConfig};

#[derive(Debug, Parser)]
#[command(
    name = "dojo",
    version,
    about = "Application-security vulnerability manager, API-compatible with DefectDojo"
)]
pub struct Cli {
    #[command(flatten)]
    pub log: logging::LogArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (creates and migrates the database on first start).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Parse a scanner report and print its findings (no database needed).
    Parse(parse::ParseArgs),
    /// Import a scanner report into a new test, as POST /api/v2/import-scan/ does.
    Import(import::ImportArgs),
    /// Reimport a scanner report into an existing test, as POST /api/v2/reimport-scan/ does.
    Reimport(import::ImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// PostgreSQL (postgres://…) or SQLite (sqlite://path) URL; default: SQLite in the data folder.
    #[arg(long, env = "DOJO_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Folder for the SQLite database, the secret key and uploaded files.
    #[arg(long, env = "DOJO_DATA_DIR", default_value = "./dojo-data")]
    pub data_dir: PathBuf,
    /// Largest number of database connections this process opens.
    #[arg(long, env = "DOJO_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub max_connections: u32,
    /// Folder of uploaded files and risk acceptance proofs (default: `uploads` in
    /// the data folder); servers sharing a PostgreSQL database must share it too.
    #[arg(long, env = "DOJO_FILES_DIR")]
    pub files_dir: Option<PathBuf>,
}

impl DbArgs {
    pub fn config(&self) -> DbConfig {
        DbConfig {
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            max_connections: self.max_connections,
        }
    }

    /// Opens and migrates the database.
    pub async fn open(&self) -> anyhow::Result<Db> {
        Ok(Db::open(&self.config()).await?)
    }

    /// Creates the data folder if needed and checks that it takes writes, so that a
    /// bad folder is reported once, up front, rather than by whatever touches it first.
    pub fn prepare_data_dir(&self) -> anyhow::Result<()> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        let probe = dir.join(format!(".write-test-{}", std::process::id()));
        std::fs::write(&probe, b"")
            .with_context(|| format!("data folder {} is not writable", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(())
    }

    /// Where uploaded files are kept.
    pub fn files_dir(&self) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("uploads"))
    }

    /// Creates the files folder if needed and checks that it takes writes.
    pub fn prepare_files_dir(&self) -> anyhow::Result<PathBuf> {
        let dir = self.files_dir();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create files folder {}", dir.display()))?;
        let probe = dir.join(format!(".write-test-{}", std::process::id()));
        std::fs::write(&probe, b"")
            .with_context(|| format!("files folder {} is not writable", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(dir)
    }

    /// The secret that API token keys derive from.
    pub fn secret(&self, explicit: Option<&str>) -> anyhow::Result<ServerSecret> {
        ServerSecret::load(explicit, &self.data_dir).map_err(anyhow::Error::msg)
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, env = "DOJO_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Password of the `admin` account created on first start (default: generated and logged once).
    #[arg(long, env = "DOJO_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Secret for API token keys (at least 32 characters); give every server sharing a database the same one.
    #[arg(long, env = "DOJO_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    #[command(flatten)]
    pub sessions: SessionArgs,
    #[command(flatten)]
    pub uploads: UploadArgs,
    #[command(flatten)]
    pub notifications: NotificationArgs,
}

/// What may be uploaded (files of findings, tests and engagements; proofs).
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// Allowed extensions of uploaded files, comma-separated (DefectDojo's
    /// DD_FILE_UPLOAD_TYPES; default: its list).
    #[arg(long, env = "DOJO_FILE_UPLOAD_TYPES", value_delimiter = ',')]
    pub file_upload_types: Option<Vec<String>>,
    /// Largest uploaded file, in MB.
    #[arg(long, env = "DOJO_FILE_UPLOAD_MAX_SIZE", default_value_t = 100)]
    pub file_upload_max_size: u64,
}

impl UploadArgs {
    pub fn store(&self, dir: PathBuf) -> FileStore {
        let store = FileStore::new(dir)
            .with_max_bytes(self.file_upload_max_size.saturating_mul(1024 * 1024));
        match &self.file_upload_types {
            Some(types) => store.with_allowed_types(types),
            None => store,
        }
    }
}

/// Where notifications go out (System Settings choose which channels are on).
#[derive(Debug, Clone, Args)]
pub struct NotificationArgs {
    /// SMTP relay for notification mail, e.g. smtp://mail:25,
    /// smtp://user:pass@mail:587?tls=required or smtps://user:pass@mail:465.
    #[arg(long, env = "DOJO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// This server's public URL, for links in notifications (DefectDojo's DD_SITE_URL).
    #[arg(long, env = "DOJO_SITE_URL")]
    pub site_url: Option<String>,
    /// Base URL of Slack's Web API (change only to go through a proxy or a test double).
    #[arg(
        long,
        env = "DOJO_SLACK_API_URL",
        default_value = "https://slack.com/api"
    )]
    pub slack_api_url: String,
}

impl NotificationArgs {
    pub fn config(&self) -> DeliveryConfig {
        DeliveryConfig {
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            site_url: self.site_url.clone().filter(|u| !u.trim().is_empty()),
            slack_api_url: self.slack_api_url.clone(),
            ..DeliveryConfig::default()
        }
    }
}

/// Browser sessions (sign-in to the web pages, session authentication of the API).
#[derive(Debug, Clone, Args)]
pub struct SessionArgs {
    /// Seconds a browser session lasts from sign-in (DefectDojo's DD_SESSION_COOKIE_AGE).
    #[arg(long, env = "DOJO_SESSION_COOKIE_AGE", default_value_t = 1_209_600)]
    pub session_cookie_age: u32,
    /// Seconds of inactivity after which a session ends (default: no shorter than its age).
    #[arg(long, env = "DOJO_SESSION_IDLE_TIMEOUT")]
    pub session_idle_timeout: Option<u32>,
    /// Mark session and CSRF cookies Secure even on plain-HTTP requests.
    #[arg(long, env = "DOJO_SESSION_COOKIE_SECURE")]
    pub session_cookie_secure: bool,
    /// Behind a TLS-terminating proxy: believe its `X-Forwarded-Proto: https`.
    #[arg(long, env = "DOJO_SECURE_PROXY_SSL_HEADER")]
    pub secure_proxy_ssl_header: bool,
    /// Behind a proxy: the header holding the client address for the sign-in rate limit
    /// (e.g. X-Forwarded-For; its last address is used).
    #[arg(long, env = "DOJO_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
}

impl SessionArgs {
    pub fn config(&self) -> anyhow::Result<SessionConfig> {
        let lifetime = chrono::Duration::seconds(i64::from(self.session_cookie_age.max(60)));
        let idle_timeout = self.session_idle_timeout.map_or(lifetime, |s| {
            chrono::Duration::seconds(i64::from(s.max(60)))
        });
        let config = SessionConfig {
            lifetime,
            idle_timeout: idle_timeout.min(lifetime),
            cookie_secure: self.session_cookie_secure,
            trust_forwarded_proto: self.secure_proxy_ssl_header,
            ..SessionConfig::default()
        };
        match self.client_ip_header.as_deref().map(str::trim) {
            None | Some("") => Ok(config),
            Some(name) => config
                .with_client_ip_header(name)
                .map_err(|e| anyhow::anyhow!("DOJO_CLIENT_IP_HEADER: {e}")),
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            let db = args.open().await?;
            let applied = db.applied_migrations().await?;
            println!(
                "database is up to date ({} migrations applied)",
                applied.len()
            );
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::User(command) => user::run(command).await,
        Command::Parse(args) => parse::run(args),
        Command::Import(args) => import::run(args, false).await,
        Command::Reimport(args) => import::run(args, true).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    args.db.prepare_data_dir()?;
    let files = args.uploads.store(args.db.prepare_files_dir()?);
    let secret = args.db.secret(args.secret_key.as_deref())?;
    let sessions = args.sessions.config()?;
    let db = args.db.open().await?;
    if let Some(password) = accounts::ensure_admin(&db, args.admin_password.as_deref())
        .await
        .context("cannot create the admin account")?
    {
        tracing::warn!(
            username = "admin",
            password = %password,
            "created the first user; this password is shown only once"
        );
    }
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    tracing::info!(
        database = ?db.backend(),
        startup_ms = started.elapsed().as_millis() as u64,
        "ready"
    );
    let state = AppState::new(db, secret)
        .with_sessions(sessions)
        .with_files(files)
        .with_delivery(args.notifications.config());
    dojo_server::serve(listener, state).await?;
    Ok(ExitCode::SUCCESS)
}
