//! Notifications (workflows §g): who hears about what, and how.
//!
//! [`notify`] is called inside the transaction of the change an event is
//! about. It works out the recipients ([`routing`]), writes the in-app alerts
//! straight into `alerts`, and queues one outbox row per external message
//! (mail, Slack, Microsoft Teams, webhooks) — a few INSERTs, no network. The
//! [`delivery`] worker of every `dojo serve` sends the outbox later, so a slow
//! or absent receiver never slows or fails the change, and a rolled-back change
//! notifies nobody.
//!
//! Callers build an [`Event`] with its constructors (or [`Event::new`] and
//! [`Event::about_finding`] for the finding transitions) and hand it over:
//!
//! ```ignore
//! let event = Event::about_finding(&mut tx, "finding_closed", &finding, title).await?;
//! notifications::notify(&mut tx, &event).await?;
//! ```

pub mod delivery;
pub mod emit;
pub mod events;
pub mod mentions;
pub mod payload;
pub mod routing;
pub mod scans;
pub mod sla_breach;

use chrono::{DateTime, Utc};
use dojo_domain::entities::Alert;
use dojo_domain::{NotificationChannel, WebhookStatus};
use dojo_storage::bulk;
use dojo_storage::repo::{alerts, notification_outbox as outbox};
use dojo_storage::{settings, Conn, StorageResult};

pub use events::{Audience, Event, FindingRef, Ref, ScanCounts, ScanFindings, Scope};

/// DefectDojo's column lengths of an alert.
const ALERT_TITLE_MAX: usize = 250;
const ALERT_DESCRIPTION_MAX: usize = 2000;
const ALERT_SOURCE_MAX: usize = 100;
const ALERT_ICON_MAX: usize = 25;

/// What [`notify`] recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    pub alerts: usize,
    pub messages: usize,
}

/// Records `event` for its recipients in the caller's transaction.
pub async fn notify(conn: &mut Conn, event: &Event) -> StorageResult<Recorded> {
    notify_at(conn, event, Utc::now()).await
}

/// [`notify`] at a given time.
pub async fn notify_at(
    conn: &mut Conn,
    event: &Event,
    now: DateTime<Utc>,
) -> StorageResult<Recorded> {
    let settings = settings::load(conn).await?;
    let plan = routing::plan(conn, event, &settings).await?;
    let mut new_alerts: Vec<Alert> = Vec::new();
    let mut messages: Vec<outbox::NewMessage> = Vec::new();

    let system_payload = payload::of(event, None);
    for channel in &plan.system {
        match channel {
            NotificationChannel::Mail => {
                for address in settings
                    .mail_notifications_to
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                {
                    messages.push(message(*channel, address, event, &system_payload));
                }
            }
            NotificationChannel::Slack if !settings.slack_channel.trim().is_empty() => {
                messages.push(message(
                    *channel,
                    settings.slack_channel.trim(),
                    event,
                    &system_payload,
                ));
            }
            NotificationChannel::MsTeams if !settings.msteams_url.trim().is_empty() => {
                messages.push(message(
                    *channel,
                    settings.msteams_url.trim(),
                    event,
                    &system_payload,
                ));
            }
            NotificationChannel::Webhooks => {
                for id in webhooks_of(conn, None).await? {
                    messages.push(message(*channel, &id.to_string(), event, &system_payload));
                }
            }
            _ => {}
        }
    }

    for (user, channels) in &plan.users {
        let user_payload = payload::of(event, Some(&user.username));
        for channel in channels {
            match channel {
                NotificationChannel::Alert => new_alerts.push(alert_for(event, user.id)),
                NotificationChannel::Mail if !user.email.trim().is_empty() => {
                    messages.push(message(*channel, user.email.trim(), event, &user_payload));
                }
                // A direct message needs the user's Slack id (user contact info).
                NotificationChannel::Slack => {
                    if let Some(id) = user.slack_user_id.as_deref().filter(|s| !s.is_empty()) {
                        messages.push(message(*channel, &format!("@{id}"), event, &user_payload));
                    }
                }
                NotificationChannel::Webhooks => {
                    for id in webhooks_of(conn, Some(user.id)).await? {
                        messages.push(message(*channel, &id.to_string(), event, &user_payload));
                    }
                }
                // Teams has no direct messages: personal Teams settings send nothing.
                _ => {}
            }
        }
    }

    alerts::insert_batch(conn, &new_alerts, now).await?;
    outbox::enqueue(conn, &messages, now).await?;
    Ok(Recorded {
        alerts: new_alerts.len(),
        messages: messages.len(),
    })
}

fn message(
    channel: NotificationChannel,
    destination: &str,
    event: &Event,
    payload: &str,
) -> outbox::NewMessage {
    outbox::NewMessage {
        channel: channel.as_str().to_owned(),
        destination: destination.to_owned(),
        event: event.name.to_owned(),
        payload: payload.to_owned(),
    }
}

/// The in-app alert of `event` for one user.
fn alert_for(event: &Event, user_id: i64) -> Alert {
    Alert {
        id: 0,
        title: cut(&event.title, ALERT_TITLE_MAX),
        description: Some(cut(&event.description_text(), ALERT_DESCRIPTION_MAX)),
        url: Some(event.url.clone().unwrap_or_else(|| "/alerts".to_owned())),
        source: cut(&events::source_of(event.name), ALERT_SOURCE_MAX),
        icon: cut(event.icon, ALERT_ICON_MAX),
        user_id: Some(user_id),
        created: Utc::now(),
    }
}

/// The first `max` characters of `text`.
pub fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The webhooks of `owner` (`None`: the system's) that are not switched off for good.
async fn webhooks_of(conn: &mut Conn, owner: Option<i64>) -> StorageResult<Vec<i64>> {
    let inactive = WebhookStatus::InactivePermanent.as_str();
    let rows: Vec<(i64,)> = match owner {
        Some(user) => {
            bulk::fetch_all(
                conn,
                "SELECT id FROM notification_webhooks WHERE owner_id = $1 AND status <> $2 ORDER BY id",
                &[user.into(), inactive.into()],
            )
            .await?
        }
        None => {
            bulk::fetch_all(
                conn,
                "SELECT id FROM notification_webhooks WHERE owner_id IS NULL AND status <> $1 ORDER BY id",
                &[inactive.into()],
            )
            .await?
        }
    };
    Ok(rows.into_iter().map(|r| r.0).collect())
}
