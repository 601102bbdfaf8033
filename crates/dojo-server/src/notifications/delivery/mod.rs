//! The delivery worker: sends the outbox (migration 0006) from inside every
//! `dojo serve`, on its own task, so requests never wait for a receiver.
//!
//! A pass reactivates paused webhooks, claims due rows with one UPDATE that
//! sets a lease ([`outbox::claim`]), sends each, and then deletes it
//! (sent), gives it up (permanent failure or attempts exhausted; the row stays
//! with its last error), or schedules a retry with exponential backoff. Rows
//! whose server died mid-send are claimed again when their lease runs out.
//! The clock is a parameter, so tests can run passes "later".

mod mail;
mod msteams;
mod slack;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dojo_domain::entities::SystemSettings;
use dojo_storage::repo::notification_outbox::{self as outbox, OutboxRow};
use dojo_storage::{settings, Db, StorageResult};
use serde_json::Value;

use super::payload::{self, Summary};

/// Where and how the worker delivers.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The SMTP relay for mail (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`); mail waits (and finally fails) without one.
    pub smtp_url: Option<String>,
    /// Slack's Web API base (`https://slack.com/api`), replaceable for tests.
    pub slack_api_url: String,
    /// This server's public address, for absolute links in messages.
    pub site_url: Option<String>,
    /// Time between passes.
    pub poll: Duration,
    /// Rows claimed per pass.
    pub batch: i64,
    /// How long a claim holds a row.
    pub lease: chrono::Duration,
    /// Attempts before a message is given up.
    pub max_attempts: i64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            smtp_url: None,
            slack_api_url: "https://slack.com/api".to_owned(),
            site_url: None,
            poll: Duration::from_secs(5),
            batch: 50,
            lease: chrono::Duration::minutes(5),
            max_attempts: 10,
        }
    }
}

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// Worth trying again (a 5xx, a timeout, a refused connection).
    Retry(String),
    /// Never going to work (a 4xx, a bad address); the row is given up.
    Fail(String),
    /// Not attempted: due again at this time (a paused webhook).
    Later(DateTime<Utc>),
}

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// One worker: the configuration and an HTTP client reused across passes.
#[derive(Debug, Clone)]
pub struct Worker {
    config: Arc<DeliveryConfig>,
    http: reqwest::Client,
}

/// The delay before retry number `attempts + 1`: one minute, doubling, at most an hour.
pub fn backoff(attempts: i64) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(0, 6)).unwrap_or(6);
    chrono::Duration::seconds((60_i64 << exponent).min(3600))
}

impl Worker {
    pub fn new(config: DeliveryConfig) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("Dojo/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Worker {
            config: Arc::new(config),
            http,
        }
    }

    pub fn config(&self) -> &DeliveryConfig {
        &self.config
    }

    /// Runs passes until the task is dropped (the server stops).
    pub async fn run(self, db: Db) {
        loop {
            match self.run_once(&db, Utc::now()).await {
                Ok(pass) if pass.claimed > 0 => tracing::debug!(?pass, "notifications delivered"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "notification delivery pass failed"),
            }
            tokio::time::sleep(self.config.poll).await;
        }
    }

    /// One pass at `now`.
    pub async fn run_once(&self, db: &Db, now: DateTime<Utc>) -> StorageResult<Pass> {
        let mut conn = db.conn().await?;
        webhook::maintain(&mut conn, now).await?;
        let rows =
            outbox::claim(&mut conn, now, now + self.config.lease, self.config.batch).await?;
        let mut pass = Pass {
            claimed: rows.len(),
            ..Pass::default()
        };
        if rows.is_empty() {
            return Ok(pass);
        }
        let settings = settings::load(&mut conn).await?;
        drop(conn);
        for row in rows {
            let attempt = self.attempt(db, &settings, &row, now).await;
            let mut conn = db.conn().await?;
            match attempt {
                Attempt::Sent => {
                    outbox::delivered(&mut conn, &row).await?;
                    pass.sent += 1;
                }
                Attempt::Later(at) => outbox::postpone(&mut conn, &row, at).await?,
                Attempt::Retry(error) if row.attempts + 1 < self.config.max_attempts => {
                    tracing::info!(id = row.id, channel = %row.channel, %error, "notification will be retried");
                    outbox::retry_at(&mut conn, &row, now + backoff(row.attempts), &error).await?;
                    pass.retried += 1;
                }
                Attempt::Retry(error) | Attempt::Fail(error) => {
                    tracing::warn!(id = row.id, channel = %row.channel, %error, "notification given up");
                    outbox::give_up(&mut conn, &row, now, &error).await?;
                    pass.failed += 1;
                }
            }
        }
        Ok(pass)
    }

    async fn attempt(
        &self,
        db: &Db,
        settings: &SystemSettings,
        row: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Attempt {
        let mut body: Value = match serde_json::from_str(&row.payload) {
            Ok(v) => v,
            Err(e) => return Attempt::Fail(format!("unreadable payload: {e}")),
        };
        payload::absolutize(&mut body, self.config.site_url.as_deref());
        let summary: Summary = serde_json::from_value(body.clone()).unwrap_or_default();
        let message = Message {
            row,
            body: &body,
            summary: &summary,
            settings,
        };
        match row.channel.as_str() {
            "mail" => mail::send(&self.config, &message).await,
            "slack" => slack::send(&self.http, &self.config, &message).await,
            "msteams" => msteams::send(&self.http, &message).await,
            "webhooks" => webhook::send(&self.http, db, &self.config, &message, now).await,
            other => Attempt::Fail(format!("unknown channel {other}")),
        }
    }
}

/// One outbox row being sent, with what rendering needs.
pub(crate) struct Message<'m> {
    pub row: &'m OutboxRow,
    pub body: &'m Value,
    pub summary: &'m Summary,
    pub settings: &'m SystemSettings,
}

impl Message<'_> {
    /// The plain-text rendering the text channels share: title, description,
    /// link, and the instance's disclaimer.
    pub fn text(&self) -> String {
        let mut text = self.summary.title.clone();
        if !self.summary.description.is_empty() && self.summary.description != self.summary.title {
            text.push_str("\n\n");
            text.push_str(&self.summary.description);
        }
        if let Some(url) = &self.summary.url_ui {
            text.push_str("\n\n");
            text.push_str(url);
        }
        let disclaimer = self.settings.disclaimer_notifications.trim();
        if !disclaimer.is_empty() {
            text.push_str("\n\n");
            text.push_str(disclaimer);
        }
        text
    }
}

/// How an HTTP answer counts: 2xx sent; 5xx and 429 worth a retry; the rest not.
pub(crate) fn http_attempt(status: reqwest::StatusCode, what: &str) -> Attempt {
    if status.is_success() {
        Attempt::Sent
    } else if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Attempt::Retry(format!("{what} answered {status}"))
    } else {
        Attempt::Fail(format!("{what} answered {status}"))
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), chrono::Duration::seconds(60));
        assert_eq!(backoff(1), chrono::Duration::seconds(120));
        assert_eq!(backoff(5), chrono::Duration::seconds(1920));
        assert_eq!(backoff(9), chrono::Duration::seconds(3600));
    }
}
