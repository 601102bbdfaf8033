//! Notifications (issue 6): the settings API, routing, and delivery to real
//! receivers on 127.0.0.1 (an SMTP server, an HTTP server standing in for
//! webhooks, Slack and Teams). Shared fixtures live here.

mod api;
mod delivery;
mod routing;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::any;
use axum::Router;
use dojo_domain::entities::{Alert, Notifications, SystemSettings};
use dojo_server::notifications::delivery::{DeliveryConfig, Worker};
use dojo_storage::repo::notification_outbox::{self, OutboxRow};
use dojo_storage::{bulk, repo, settings, Db};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

/// An HTTP server on 127.0.0.1 that records every request and answers 500 to
/// the first `fail_first` of them, then 200 (`{"ok": true}`, as Slack does);
/// paths ending in `/gone` get 410.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    failures_left: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr: SocketAddr = listener.local_addr().expect("receiver address");
        let receiver = Receiver {
            url: format!("http://{addr}"),
            hits: Arc::default(),
            failures_left: Arc::new(AtomicUsize::new(fail_first)),
        };
        let app = Router::new()
            .fallback(any(record))
            .with_state(receiver.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        receiver
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits").clone()
    }

    /// The requests answered 200.
    pub fn delivered(&self) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.status == 200)
            .collect()
    }
}

async fn record(
    State(receiver): State<Receiver>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let fail = receiver
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if uri.path().ends_with("/gone") {
        StatusCode::GONE
    } else if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    receiver.hits.lock().expect("hits").push(Hit {
        path: uri.path().to_owned(),
        headers,
        body,
        status: status.as_u16(),
    });
    (status, r#"{"ok": true}"#.to_owned())
}

/// A worker delivering to these receivers.
pub fn worker(smtp_port: Option<u16>, slack: Option<&Receiver>) -> Worker {
    Worker::new(DeliveryConfig {
        smtp_url: smtp_port.map(|p| format!("smtp://127.0.0.1:{p}")),
        slack_api_url: slack.map_or_else(|| "http://127.0.0.1:9".to_owned(), |r| r.url.clone()),
        site_url: Some("https://dojo.example".to_owned()),
        ..DeliveryConfig::default()
    })
}

/// Changes System Settings.
pub async fn configure(db: &Db, change: impl FnOnce(&mut SystemSettings)) {
    let mut conn = db.conn().await.expect("connection");
    let mut system = settings::load(&mut conn).await.expect("settings");
    change(&mut system);
    settings::save(&mut conn, &system)
        .await
        .expect("save settings");
}

/// A notifications row (the system row when `user` and `product` are None)
/// with `channels` on every event.
pub async fn subscribe(db: &Db, user: Option<i64>, product: Option<i64>, channels: &str) {
    let mut conn = db.conn().await.expect("connection");
    let all = channels.to_owned();
    repo::notifications::insert(
        &mut conn,
        &Notifications {
            user_id: user,
            product_id: product,
            product_type_added: all.clone(),
            product_added: all.clone(),
            engagement_added: all.clone(),
            test_added: all.clone(),
            scan_added: all.clone(),
            scan_added_empty: all.clone(),
            close_engagement: all.clone(),
            user_mentioned: all.clone(),
            other: all.clone(),
            risk_acceptance_expiration: all,
            ..Notifications::default()
        },
    )
    .await
    .expect("notifications row");
}

pub async fn alerts_of(db: &Db, user: i64) -> Vec<Alert> {
    let mut conn = db.conn().await.expect("connection");
    repo::alerts::list_for_user(&mut conn, user, 100, 0)
        .await
        .expect("alerts")
}

pub async fn outbox(db: &Db) -> Vec<OutboxRow> {
    let mut conn = db.conn().await.expect("connection");
    notification_outbox::list(&mut conn).await.expect("outbox")
}

pub async fn count(db: &Db, sql: &str) -> i64 {
    let mut conn = db.conn().await.expect("connection");
    let rows: Vec<(i64,)> = bulk::fetch_all(&mut conn, sql, &[]).await.expect("count");
    rows.first().map_or(0, |r| r.0)
}
