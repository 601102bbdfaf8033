//! The router and the serving loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use dojo_storage::{Backend, Db};
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::files::FileStore;
use crate::notifications::delivery::{DeliveryConfig, Worker};
use crate::secret::ServerSecret;
use crate::web::SessionConfig;

/// What every request handler can reach. Cheap to clone: the pool is shared.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub secret: ServerSecret,
    /// Browser sessions and sign-in: lifetimes, cookie flags, the rate limit, the clock.
    pub sessions: Arc<SessionConfig>,
    /// Uploaded files and risk acceptance proofs on disk.
    pub files: FileStore,
    /// How the notification worker of `serve` delivers mail, Slack, Teams and webhooks.
    pub delivery: Arc<DeliveryConfig>,
}

impl AppState {
    /// A state with the default session settings and a file store in
    /// `./dojo-data/uploads` (`dojo serve`'s default; see [`AppState::with_files`]).
    pub fn new(db: Db, secret: ServerSecret) -> Self {
        AppState {
            db,
            secret,
            sessions: Arc::new(SessionConfig::default()),
            files: FileStore::new("dojo-data/uploads"),
            delivery: Arc::new(DeliveryConfig::default()),
        }
    }

    pub fn with_delivery(self, delivery: DeliveryConfig) -> Self {
        AppState {
            delivery: Arc::new(delivery),
            ..self
        }
    }

    pub fn with_files(self, files: FileStore) -> Self {
        AppState { files, ..self }
    }

    pub fn with_sessions(self, sessions: SessionConfig) -> Self {
        AppState {
            sessions: Arc::new(sessions),
            ..self
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(crate::api::routes())
        .merge(crate::web::routes())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// 200 when the database answers, 503 otherwise.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let database = match state.db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    };
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": database })),
        ),
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": database })),
            )
        }
    }
}

/// Serves until SIGINT or SIGTERM, then lets requests in flight finish.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let db = state.db.clone();
    let local: Option<SocketAddr> = listener.local_addr().ok();
    if let Some(addr) = local {
        tracing::info!(%addr, "dojo is listening");
    }
    let jobs = tokio::spawn(crate::lifecycle::scheduler::run(db.clone()));
    // Notifications leave through the outbox on their own task, never in a request.
    let delivery = tokio::spawn(Worker::new((*state.delivery).clone()).run(db.clone()));
    // The peer address reaches handlers (the sign-in rate limit counts per client).
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    jobs.abort();
    delivery.abort();
    // Give the pool a bounded moment to close cleanly (SQLite checkpoints its WAL).
    let _ = tokio::time::timeout(Duration::from_secs(5), db.close()).await;
    tracing::info!("dojo stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
