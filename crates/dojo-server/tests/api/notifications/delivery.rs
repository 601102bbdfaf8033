//! The delivery worker against real receivers: SMTP, webhooks, Slack, Teams,
//! and two workers racing over one outbox.

use std::collections::BTreeMap;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use dojo_server::notifications::delivery::{DeliveryConfig, Worker};
use dojo_storage::repo::notification_outbox::{self, NewMessage};
use dojo_storage::{bulk, db_test, repo};
use mailin_embedded::{Handler, Response, Server, SslConfig};
use serde_json::{json, Value};

use super::*;
use crate::import::{send, App};

/// One message the SMTP server received.
#[derive(Debug, Clone, Default)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

#[derive(Clone, Default)]
struct Inbox {
    mails: Arc<Mutex<Vec<Mail>>>,
    current: Mail,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Mail {
            from: from.to_owned(),
            to: to.to_vec(),
            data: String::new(),
        };
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.mails
            .lock()
            .expect("inbox")
            .push(std::mem::take(&mut self.current));
        mailin_embedded::response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on 127.0.0.1 (mailin), on its own threads.
fn smtp_server() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP");
    let port = listener.local_addr().expect("SMTP address").port();
    let inbox = Inbox::default();
    let mails = inbox.mails.clone();
    let mut server = Server::new(inbox);
    server
        .with_name("smtp.test")
        .with_ssl(SslConfig::None)
        .expect("no TLS")
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, mails)
}

async fn new_product_type(app: &App, name: &str) -> i64 {
    let (status, body) = send(
        app,
        &app.token,
        "POST",
        "/api/v2/product_types/",
        Some(json!({"name": name})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("id")
}

db_test!(mail_goes_through_a_real_smtp_server, |db| {
    let (port, mails) = smtp_server();
    let app = App::new(&db).await;
    configure(&db, |s| {
        s.enable_mail_notifications = true;
        s.mail_notifications_to = "ops@example.com".into();
        s.email_from = "dojo@example.com".into();
        s.team_name = "AppSec".into();
    })
    .await;
    subscribe(&db, None, None, "mail").await;
    let id = new_product_type(&app, "Payments").await;
    let queued = outbox(&db).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(
        (queued[0].channel.as_str(), queued[0].destination.as_str()),
        ("mail", "ops@example.com")
    );

    let pass = worker(Some(port), None)
        .run_once(&db, Utc::now())
        .await
        .expect("pass");
    assert_eq!(pass.sent, 1, "{:?}", outbox(&db).await);
    assert!(outbox(&db).await.is_empty());
    let mails = mails.lock().expect("inbox").clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "dojo@example.com");
    assert_eq!(mail.to, ["ops@example.com"]);
    assert!(
        mail.data.contains("Subject: AppSec notification: Payments"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("To: ops@example.com"), "{}", mail.data);
    assert!(
        mail.data
            .contains("Product Type Payments has been created successfully."),
        "{}",
        mail.data
    );
    assert!(
        mail.data
            .contains(&format!("https://dojo.example/product/type/{id}")),
        "{}",
        mail.data
    );
});

db_test!(webhooks_retry_after_5xx_and_track_status, |db| {
    let receiver = Receiver::start(1).await;
    let app = App::new(&db).await;
    configure(&db, |s| s.enable_webhooks_notifications = true).await;
    subscribe(&db, None, None, "webhooks").await;
    let mut conn = db.conn().await.expect("connection");
    for (name, path) in [("main", "/hook"), ("gone", "/gone")] {
        bulk::execute(
            &mut conn,
            "INSERT INTO notification_webhooks (name, url, header_name, header_value) VALUES ($1, $2, 'X-Token', 's3cret')",
            &[name.into(), format!("{}{path}", receiver.url).into()],
        )
        .await
        .expect("webhook");
    }
    drop(conn);
    let id = new_product_type(&app, "Payments").await;
    assert_eq!(outbox(&db).await.len(), 2);
    let worker = worker(None, None);
    let t0 = Utc::now();

    // 500 for "main" (paused, retried later); 410 for "gone" (switched off).
    let pass = worker.run_once(&db, t0).await.expect("first pass");
    assert_eq!((pass.sent, pass.retried, pass.failed), (0, 1, 1));
    let hooks: BTreeMap<String, dojo_domain::entities::NotificationWebhook> = {
        let mut conn = db.conn().await.expect("connection");
        repo::notification_webhooks::list(&mut conn)
            .await
            .expect("webhooks")
            .into_iter()
            .map(|w| (w.name.clone(), w))
            .collect()
    };
    assert_eq!(hooks["main"].status.as_str(), "inactive_tmp");
    assert!(hooks["main"].first_error.is_some() && hooks["main"].last_error.is_some());
    assert!(hooks["main"]
        .note
        .as_deref()
        .unwrap_or_default()
        .contains("500"));
    assert_eq!(hooks["gone"].status.as_str(), "inactive_permanent");
    let left = outbox(&db).await;
    assert_eq!(left.iter().filter(|r| r.gave_up.is_some()).count(), 1);
    assert_eq!(
        left.iter()
            .filter(|r| r.gave_up.is_none() && r.attempts == 1)
            .count(),
        1
    );

    // Not due yet; a minute later the webhook resumes and the message goes.
    assert_eq!(
        worker
            .run_once(&db, t0 + Duration::seconds(30))
            .await
            .expect("early")
            .claimed,
        0
    );
    let pass = worker
        .run_once(&db, t0 + Duration::seconds(61))
        .await
        .expect("retry");
    assert_eq!(pass.sent, 1);
    let delivered = receiver.delivered();
    assert_eq!(delivered.len(), 1);
    let hit = &delivered[0];
    assert_eq!(hit.path, "/hook");
    assert_eq!(hit.headers["x-token"], "s3cret");
    assert_eq!(hit.headers["x-defectdojo-event"], "product_type_added");
    let body: Value = serde_json::from_str(&hit.body).expect("JSON body");
    assert_eq!(body["title"], "Payments");
    assert_eq!(
        body["description"],
        "Product Type Payments has been created successfully."
    );
    assert_eq!(
        body["url_ui"],
        format!("https://dojo.example/product/type/{id}")
    );
    assert_eq!(body["product_type"]["id"], id);
    assert_eq!(body["user"], Value::Null);
    let status = |db: Db| async move {
        let mut conn = db.conn().await.expect("connection");
        let rows: Vec<(String,)> = bulk::fetch_all(
            &mut conn,
            "SELECT status FROM notification_webhooks WHERE name = 'main'",
            &[],
        )
        .await
        .expect("status");
        rows[0].0.clone()
    };
    assert_eq!(status(db.clone()).await, "active_tmp");
    // A quiet day later it is plainly active again.
    worker
        .run_once(&db, t0 + Duration::hours(25))
        .await
        .expect("later");
    assert_eq!(status(db.clone()).await, "active");
});

db_test!(slack_and_teams_get_their_shapes, |db| {
    let receiver = Receiver::start(0).await;
    let app = App::new(&db).await;
    let teams = format!("{}/teams", receiver.url);
    configure(&db, |s| {
        s.enable_slack_notifications = true;
        s.slack_channel = "#alerts".into();
        s.slack_token = "xoxb-test".into();
        s.slack_username = "dojo".into();
        s.enable_msteams_notifications = true;
        s.msteams_url = teams.clone();
    })
    .await;
    subscribe(&db, None, None, "slack,msteams").await;
    let mut conn = db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "INSERT INTO user_contact_info (user_id, slack_user_id) VALUES ($1, 'U123')",
        &[app.user.id.into()],
    )
    .await
    .expect("contact info");
    drop(conn);
    new_product_type(&app, "Payments").await;
    let pass = worker(None, Some(&receiver))
        .run_once(&db, Utc::now())
        .await
        .expect("pass");
    assert_eq!(pass.sent, 3, "{:?}", outbox(&db).await);
    let hits = receiver.delivered();
    let mut channels: Vec<String> = hits
        .iter()
        .filter(|h| h.path == "/chat.postMessage")
        .map(|h| {
            let form: BTreeMap<String, String> = url::form_urlencoded::parse(h.body.as_bytes())
                .into_owned()
                .collect();
            assert_eq!(form["token"], "xoxb-test");
            assert_eq!(form["username"], "dojo");
            assert!(
                form["text"].starts_with("Payments\n\nProduct Type Payments has been created"),
                "{}",
                form["text"]
            );
            form["channel"].clone()
        })
        .collect();
    channels.sort();
    assert_eq!(channels, ["#alerts", "@U123"]);
    let card = hits
        .iter()
        .find(|h| h.path == "/teams")
        .expect("Teams card");
    let card: Value = serde_json::from_str(&card.body).expect("card JSON");
    assert_eq!(card["@type"], "MessageCard");
    assert_eq!(card["title"], "Payments");
    assert!(card["potentialAction"][0]["targets"][0]["uri"]
        .as_str()
        .unwrap_or_default()
        .starts_with("https://dojo.example/product/type/"));
});

db_test!(racing_workers_deliver_each_message_once, |db| {
    let receiver = Receiver::start(0).await;
    let now = Utc::now();
    let messages: Vec<NewMessage> = (0..40)
        .map(|i| NewMessage {
            channel: "msteams".into(),
            destination: format!("{}/teams", receiver.url),
            event: "other".into(),
            payload: json!({"title": format!("m{i}"), "description": "d"}).to_string(),
        })
        .collect();
    let mut conn = db.conn().await.expect("connection");
    notification_outbox::enqueue(&mut conn, &messages, now)
        .await
        .expect("enqueue");
    drop(conn);
    let config = DeliveryConfig {
        batch: 3,
        ..DeliveryConfig::default()
    };
    let drain = |worker: Worker, db: Db| async move {
        let mut sent = 0;
        loop {
            let pass = worker.run_once(&db, now).await.expect("pass");
            if pass.claimed == 0 {
                return sent;
            }
            sent += pass.sent;
        }
    };
    let (a, b) = tokio::join!(
        drain(Worker::new(config.clone()), db.clone()),
        drain(Worker::new(config.clone()), db.clone())
    );
    assert_eq!(a + b, 40);
    let mut titles: Vec<String> = receiver
        .delivered()
        .iter()
        .map(|h| {
            serde_json::from_str::<Value>(&h.body).expect("card")["title"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 40);
    assert_eq!(receiver.hits().len(), 40);
    assert!(outbox(&db).await.is_empty());
});
