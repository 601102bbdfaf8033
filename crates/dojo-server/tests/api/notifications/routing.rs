//! Who gets what (workflows §g.2), with events raised through the API.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use dojo_domain::entities::{ProductMember, RiskAcceptance, User};
use dojo_domain::Role;
use dojo_server::accounts::{self, NewUser};
use dojo_server::lifecycle::risk_acceptance;
use dojo_storage::links::{self, Link};
use dojo_storage::{bulk, db_test, repo, Db};
use serde_json::json;

use super::*;
use crate::import::{generic, generic_form, send, App};

/// A user with an e-mail address, a member of `product` with `role` if given.
async fn person(db: &Db, name: &str, product: Option<i64>, role: Role) -> User {
    let user = accounts::create_user(
        db,
        &NewUser {
            username: name.to_owned(),
            email: format!("{name}@example.com"),
            ..NewUser::default()
        },
        "Correct-Horse-42",
    )
    .await
    .expect("user");
    if let Some(product_id) = product {
        let mut conn = db.conn().await.expect("connection");
        repo::product_members::insert(
            &mut conn,
            &ProductMember {
                id: 0,
                product_id,
                user_id: user.id,
                role_id: role.id(),
            },
        )
        .await
        .expect("membership");
    }
    user
}

fn mail_to(rows: &[OutboxRow]) -> Vec<String> {
    let mut to: Vec<String> = rows
        .iter()
        .filter(|r| r.channel == "mail")
        .map(|r| r.destination.clone())
        .collect();
    to.sort();
    to
}

db_test!(recipients_follow_settings_and_access, |db| {
    let app = App::new(&db).await;
    let shop = app.engagement("Shop", "Seed", false).await.product_id;
    let reader = person(&db, "reader", Some(shop), Role::Reader).await;
    let outsider = person(&db, "outsider", None, Role::Reader).await;
    let mixed = person(&db, "mixed", Some(shop), Role::Writer).await;
    let lazy = person(&db, "lazy", Some(shop), Role::Owner).await;
    subscribe(&db, None, None, "alert,mail").await;
    subscribe(&db, Some(reader.id), None, "alert").await;
    subscribe(&db, Some(outsider.id), None, "alert,mail").await;
    subscribe(&db, Some(mixed.id), None, "alert").await;
    subscribe(&db, Some(mixed.id), Some(shop), "mail").await;

    let engagement = |name: &str| {
        json!({"name": name, "product": shop, "target_start": "2026-11-01",
               "target_end": "2026-12-01"})
    };
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(engagement("One")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Alerts: the superuser (through the system row), the members who
    // subscribed; not the user who cannot see the product, nor the member
    // without settings. Mail is off, so nothing is queued.
    for (user, expected) in [
        (app.user.id, 1),
        (reader.id, 1),
        (mixed.id, 1),
        (outsider.id, 0),
        (lazy.id, 0),
    ] {
        assert_eq!(
            alerts_of(&db, user).await.len(),
            expected,
            "alerts of user {user}"
        );
    }
    let alert = &alerts_of(&db, reader.id).await[0];
    assert_eq!(alert.title, "Engagement created for Shop: One");
    assert_eq!(alert.source, "Engagement Added");
    assert!(outbox(&db).await.is_empty());

    configure(&db, |s| {
        s.enable_mail_notifications = true;
        s.mail_notifications_to = "ops@example.com".into();
    })
    .await;
    let mut conn = db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "UPDATE dojo_user SET email = 'admin@example.com' WHERE id = $1",
        &[app.user.id.into()],
    )
    .await
    .expect("admin email");
    drop(conn);
    let (status, _) = send(
        &app,
        &app.token,
        "POST",
        "/api/v2/engagements/",
        Some(engagement("Two")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // The system address, the superuser (system row), and the member whose
    // per-product row adds mail to their global alert.
    assert_eq!(
        mail_to(&outbox(&db).await),
        ["admin@example.com", "mixed@example.com", "ops@example.com"]
    );
    assert_eq!(alerts_of(&db, mixed.id).await.len(), 2);
});

db_test!(import_notifies_and_survives_a_dead_webhook, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    configure(&db, |s| s.enable_webhooks_notifications = true).await;
    subscribe(&db, None, None, "alert,webhooks").await;
    let mut conn = db.conn().await.expect("connection");
    bulk::execute(
        &mut conn,
        "INSERT INTO notification_webhooks (name, url) VALUES ('down', 'http://127.0.0.1:9/hook')",
        &[],
    )
    .await
    .expect("webhook");
    drop(conn);

    let report = generic(&[("SQLi", "High"), ("XSS", "Low")]);
    let body = app.import(generic_form(engagement.id, &report)).await;
    let test_id = body["test"].as_i64().expect("test");
    let titles: Vec<String> = alerts_of(&db, app.user.id)
        .await
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert!(
        titles.contains(
            &"Created/Updated 2 findings for Shop: CI: Generic Findings Import".to_owned()
        ),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Test created for Shop: CI")),
        "{titles:?}"
    );
    let queued = outbox(&db).await;
    let scan = queued
        .iter()
        .find(|r| r.event == "scan_added")
        .expect("scan_added queued");
    assert_eq!(scan.channel, "webhooks");
    let payload: serde_json::Value = serde_json::from_str(&scan.payload).expect("payload");
    assert_eq!(payload["finding_count"], 2);
    assert_eq!(payload["findings"]["new"].as_array().map(Vec::len), Some(2));
    assert_eq!(payload["test"]["id"], test_id);

    // The receiver is down: the first message fails and will be retried, the
    // webhook pauses, and the others wait for it without an attempt.
    assert_eq!(queued.len(), 2, "test_added and scan_added");
    let pass = worker(None, None)
        .run_once(&db, Utc::now())
        .await
        .expect("pass");
    assert_eq!(
        (pass.claimed, pass.sent, pass.retried, pass.failed),
        (2, 0, 1, 0)
    );
    let left = outbox(&db).await;
    assert_eq!(left.len(), 2);
    assert!(left
        .iter()
        .all(|r| r.claimed_until.is_none() && r.gave_up.is_none()));
    assert_eq!(
        left.iter()
            .filter(|r| r.attempts == 1 && r.last_error.is_some())
            .count(),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notification_webhooks WHERE status = 'inactive_tmp'"
        )
        .await,
        1
    );

    // A reimport that changes nothing is scan_added_empty, which the system
    // row's defaults do not send anywhere.
    let form = crate::support::Form::new()
        .text("scan_type", crate::import::GENERIC)
        .text("test", &test_id.to_string())
        .file("file", "report.json", &report);
    app.reimport(form).await;
    assert_eq!(
        outbox(&db)
            .await
            .iter()
            .filter(|r| r.event == "scan_added_empty")
            .count(),
        1
    );
});

db_test!(mentions_notify_the_named_users, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let bob = person(&db, "bob", None, Role::Reader).await;
    let path = format!("/api/v2/engagements/{}/notes/", engagement.id);
    let (status, body) = send(
        &app,
        &app.token,
        "POST",
        &path,
        Some(json!({"entry": "Please look, @Bob."})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let alerts = alerts_of(&db, bob.id).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].title, "admin jotted a note");
    assert_eq!(
        alerts[0].url.as_deref(),
        Some(format!("/engagement/{}", engagement.id).as_str())
    );
});

db_test!(risk_acceptance_heads_up_once, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let now = Utc::now();
    let mut conn = db.conn().await.expect("connection");
    let ra = repo::risk_acceptances::insert(
        &mut conn,
        &RiskAcceptance {
            name: "Accepted".into(),
            owner_id: app.user.id,
            expiration_date: Some(now + Duration::days(3)),
            ..RiskAcceptance::default()
        },
    )
    .await
    .expect("risk acceptance");
    links::add(
        &mut conn,
        Link::EngagementRiskAcceptance,
        engagement.id,
        ra.id,
    )
    .await
    .expect("link");
    drop(conn);
    configure(&db, |s| {
        s.risk_acceptance_notify_before_expiration = Some(2)
    })
    .await;
    assert!(risk_acceptance::warn_expiring(&db, now)
        .await
        .expect("heads-up")
        .is_empty());
    configure(&db, |s| {
        s.risk_acceptance_notify_before_expiration = Some(3)
    })
    .await;
    let (first, second) = tokio::join!(
        risk_acceptance::warn_expiring(&db, now),
        risk_acceptance::warn_expiring(&db, now)
    );
    let warned = first.expect("first").len() + second.expect("second").len();
    assert_eq!(warned, 1);
    let alerts = alerts_of(&db, app.user.id).await;
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0]
            .title
            .starts_with("Risk acceptance with 0 accepted findings will expire on"),
        "{}",
        alerts[0].title
    );
    let mut conn = db.conn().await.expect("connection");
    let stored = repo::risk_acceptances::get(&mut conn, ra.id)
        .await
        .expect("ra");
    assert!(stored.expiration_date_warned.is_some());
    // Expiry notifies too.
    let expired = risk_acceptance::expire_due(&db, now + Duration::days(4))
        .await
        .expect("expiry");
    assert_eq!(expired.len(), 1);
    assert_eq!(
        alerts_of(&db, app.user.id).await[0].title,
        "Risk acceptance with 0 accepted findings has expired"
    );
});

db_test!(alerts_are_capped_per_user, |db| {
    let app = App::new(&db).await;
    let mut conn = db.conn().await.expect("connection");
    let alerts: Vec<dojo_domain::entities::Alert> = (0..5)
        .map(|i| dojo_domain::entities::Alert {
            id: 0,
            title: format!("a{i}"),
            description: None,
            url: None,
            source: "Generic".into(),
            icon: "info-circle".into(),
            user_id: Some(app.user.id),
            created: Utc::now(),
        })
        .collect();
    for alert in &alerts {
        repo::alerts::insert_batch(&mut conn, std::slice::from_ref(alert), Utc::now())
            .await
            .expect("alert");
    }
    assert_eq!(
        repo::alerts::count_for_user(&mut conn, app.user.id)
            .await
            .expect("count"),
        5
    );
    assert_eq!(
        repo::alerts::trim_per_user(&mut conn, 3)
            .await
            .expect("trim"),
        2
    );
    let left: Vec<String> = repo::alerts::list_for_user(&mut conn, app.user.id, 10, 0)
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(left, ["a4", "a3", "a2"]);
    let newest = repo::alerts::list_for_user(&mut conn, app.user.id, 1, 0)
        .await
        .expect("list")[0]
        .id;
    assert!(
        repo::alerts::delete_for_user(&mut conn, app.user.id, newest)
            .await
            .expect("delete")
    );
    assert!(
        !repo::alerts::delete_for_user(&mut conn, app.user.id + 1, newest)
            .await
            .expect("delete")
    );
    assert_eq!(
        repo::alerts::delete_all_for_user(&mut conn, app.user.id)
            .await
            .expect("delete all"),
        2
    );
});

db_test!(sla_breach_notifications_once_a_day, |db| {
    let app = App::new(&db).await;
    let engagement = app.engagement("Shop", "CI", false).await;
    let report = generic(&[
        ("Late", "High"),
        ("Soon", "Medium"),
        ("Today", "Low"),
        ("Ancient", "High"),
        ("Trivia", "Info"),
    ]);
    app.import(generic_form(engagement.id, &report)).await;
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .expect("time")
        .and_utc();
    let today = now.date_naive();
    let mut conn = db.conn().await.expect("connection");
    for (title, days) in [
        ("Late", -2),
        ("Soon", 2),
        ("Today", 0),
        ("Ancient", -10),
        ("Trivia", 0),
    ] {
        bulk::execute(
            &mut conn,
            "UPDATE finding SET sla_expiration_date = $1 WHERE title = $2",
            &[(today + Duration::days(days)).into(), title.into()],
        )
        .await
        .expect("expiration");
    }
    drop(conn);
    let job = dojo_server::notifications::sla_breach::notify_due;
    // Off until System Settings ask for it; not before 07:30.
    assert_eq!(job(&db, now).await.expect("off"), 0);
    configure(&db, |s| s.enable_notify_sla_active = true).await;
    assert_eq!(job(&db, now - Duration::hours(1)).await.expect("early"), 0);
    let (first, second) = tokio::join!(job(&db, now), job(&db, now));
    assert_eq!(first.expect("first") + second.expect("second"), 3);
    let alerts = alerts_of(&db, app.user.id).await;
    let mut breaches: Vec<String> = alerts
        .iter()
        .filter(|a| a.source == "Sla Breach")
        .map(|a| a.title.split(" - ").nth(1).unwrap_or_default().to_owned())
        .collect();
    breaches.sort();
    assert_eq!(
        breaches,
        [
            "SLA breached by 2 day(s)! Overdue notice",
            "SLA is breaching today",
            "SLA pre-breach warning"
        ]
    );
    let combined: Vec<&str> = alerts
        .iter()
        .filter(|a| a.source == "Sla Breach (Combined)")
        .map(|a| a.title.as_str())
        .collect();
    assert_eq!(combined.len(), 3, "{combined:?}");
    assert!(combined.contains(&"Shop: 1 finding(s) breached"));
    // Once a day.
    assert_eq!(job(&db, now + Duration::hours(3)).await.expect("again"), 0);
});
