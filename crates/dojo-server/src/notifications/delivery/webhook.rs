//! Generic webhooks (domain §20): the payload POSTed as JSON with DefectDojo's
//! headers and the webhook's own header, and the webhook's status kept as
//! DefectDojo keeps it:
//!
//! * a 5xx, a 429, a timeout or a refused connection pauses it: status
//!   `inactive_tmp`, `first_error` set when the trouble starts, `last_error`
//!   and `note` every time; a minute later it is `active_tmp` and tried
//!   again (the message is retried with backoff); trouble lasting more than a
//!   day makes it `inactive_permanent`;
//! * any other answer (a 4xx) makes it `inactive_permanent` at once;
//! * an `active_tmp` webhook without errors for a day is `active` again.
//!
//! DefectDojo counts a refused connection as permanent; Dojo counts it as an
//! outage like a 5xx, since a receiver that is restarting refuses connections.

use chrono::{DateTime, Utc};
use dojo_domain::entities::NotificationWebhook;
use dojo_domain::WebhookStatus;
use dojo_storage::bulk;
use dojo_storage::repo::notification_webhooks;
use dojo_storage::{Conn, Db, StorageResult};

use super::{http_attempt, Attempt, DeliveryConfig, Message};
use crate::notifications::cut;

/// How long a paused webhook waits before it is tried again.
pub const PAUSE: chrono::Duration = chrono::Duration::minutes(1);
/// How long trouble may last before a webhook is switched off.
pub const OUTAGE_LIMIT: chrono::Duration = chrono::Duration::hours(24);
const NOTE_MAX: usize = 1000;

/// The status changes time alone makes: paused webhooks resume after
/// [`PAUSE`], recovered ones are `active` again after a quiet day.
pub async fn maintain(conn: &mut Conn, now: DateTime<Utc>) -> StorageResult<()> {
    bulk::execute(
        conn,
        "UPDATE notification_webhooks SET status = $1 WHERE status = $2 AND last_error <= $3",
        &[
            WebhookStatus::ActiveTmp.as_str().into(),
            WebhookStatus::InactiveTmp.as_str().into(),
            (now - PAUSE).into(),
        ],
    )
    .await?;
    bulk::execute(
        conn,
        "UPDATE notification_webhooks SET status = $1, first_error = NULL, last_error = NULL, \
         note = $2 WHERE status = $3 AND last_error < $4",
        &[
            WebhookStatus::Active.as_str().into(),
            "Reactivation from active_tmp".into(),
            WebhookStatus::ActiveTmp.as_str().into(),
            (now - OUTAGE_LIMIT).into(),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn send(
    http: &reqwest::Client,
    db: &Db,
    config: &DeliveryConfig,
    message: &Message<'_>,
    now: DateTime<Utc>,
) -> Attempt {
    let Ok(id) = message.row.destination.parse::<i64>() else {
        return Attempt::Fail("bad webhook id".to_owned());
    };
    let webhook = match db.conn().await {
        Ok(mut conn) => match notification_webhooks::find(&mut conn, id).await {
            Ok(Some(w)) => w,
            Ok(None) => return Attempt::Fail("the webhook was deleted".to_owned()),
            Err(e) => return Attempt::Retry(e.to_string()),
        },
        Err(e) => return Attempt::Retry(e.to_string()),
    };
    match webhook.status {
        WebhookStatus::Active | WebhookStatus::ActiveTmp => {}
        WebhookStatus::InactiveTmp => {
            let resume = webhook.last_error.unwrap_or(now) + PAUSE;
            return Attempt::Later(resume.max(now + chrono::Duration::seconds(1)));
        }
        WebhookStatus::InactivePermanent => {
            return Attempt::Fail("the webhook is inactive".to_owned())
        }
    }
    let timeout =
        u64::try_from(message.settings.webhooks_notifications_timeout.max(1)).unwrap_or(10);
    let mut request = http
        .post(&webhook.url)
        .timeout(std::time::Duration::from_secs(timeout))
        .header("X-DefectDojo-Event", message.row.event.as_str())
        .header(
            "X-DefectDojo-Instance",
            config.site_url.as_deref().unwrap_or(""),
        )
        .header("Accept", "application/json")
        .json(message.body);
    if let Some(name) = webhook.header_name.as_deref().filter(|n| !n.is_empty()) {
        request = request.header(name, webhook.header_value.as_deref().unwrap_or(""));
    }
    let attempt = match request.send().await {
        Ok(response) => http_attempt(response.status(), "the webhook"),
        Err(e) if e.is_builder() => Attempt::Fail(format!("the webhook: {e}")),
        Err(e) => Attempt::Retry(format!("the webhook: {e}")),
    };
    if let Err(e) = record(db, webhook, &attempt, now).await {
        tracing::warn!(error = %e, "cannot record the webhook's status");
    }
    attempt
}

/// Moves the webhook's status after an attempt.
async fn record(
    db: &Db,
    mut webhook: NotificationWebhook,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    match attempt {
        Attempt::Sent | Attempt::Later(_) => return Ok(()),
        Attempt::Retry(error) => {
            let outage_too_long = webhook
                .first_error
                .is_some_and(|first| now - first > OUTAGE_LIMIT);
            if outage_too_long {
                webhook.status = WebhookStatus::InactivePermanent;
            } else {
                if webhook.status == WebhookStatus::Active {
                    webhook.first_error = Some(now);
                }
                webhook.status = WebhookStatus::InactiveTmp;
            }
            webhook.note = Some(cut(error, NOTE_MAX));
        }
        Attempt::Fail(error) => {
            webhook.status = WebhookStatus::InactivePermanent;
            webhook.first_error = Some(now);
            webhook.note = Some(cut(error, NOTE_MAX));
        }
    }
    webhook.last_error = Some(now);
    let mut conn = db.conn().await?;
    notification_webhooks::update(&mut conn, &webhook).await?;
    Ok(())
}
