//! Who receives a notification, and by which channels (workflows §g.2).
//!
//! * The system row of `notifications` (no user, no product, not a
//!   template) sends to the system destinations: the Slack channel,
//!   `mail_notifications_to`, the Teams URL and the webhooks without an owner.
//! * Unless the event is for the system only, every active user with a
//!   personal row (global, or for the event's product) and every superuser
//!   receives the union of their rows' channels (superusers also the system
//!   row's), if they may view the event's product (or product type; with
//!   neither, only superusers).
//! * Events with named recipients go to those active users only, by their
//!   personal global row (the model's defaults when they have none); for
//!   `user_mentioned` and `review_requested` the system row is merged in
//!   (DefectDojo's `NOTIFICATIONS_SYSTEM_LEVEL_TRUMP`).
//! * Mail, Slack, Teams and webhooks are used only when System Settings
//!   enable them; alerts always.

use std::collections::{BTreeMap, BTreeSet};

use dojo_domain::entities::{parse_channels, Notifications, SystemSettings};
use dojo_domain::NotificationChannel;
use dojo_storage::authz::{user_may_view_product_sql, user_may_view_product_type_sql};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{Conn, StorageResult};

use super::events::{Audience, Event};

/// Events whose named recipients also get the system row's channels.
const SYSTEM_LEVEL_TRUMP: &[&str] = &["user_mentioned", "review_requested"];

/// A user who may receive the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub is_superuser: bool,
    pub slack_user_id: Option<String>,
}

/// Where one notification goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The system row's channels (external channels only: an alert needs a user).
    pub system: BTreeSet<NotificationChannel>,
    /// Each recipient with their channels.
    pub users: Vec<(Recipient, BTreeSet<NotificationChannel>)>,
}

/// The channels of `row` for `column`.
pub fn channels_of(row: &Notifications, column: &str) -> Vec<NotificationChannel> {
    let stored = match column {
        "product_type_added" => &row.product_type_added,
        "product_added" => &row.product_added,
        "engagement_added" => &row.engagement_added,
        "test_added" => &row.test_added,
        "scan_added" => &row.scan_added,
        "scan_added_empty" => &row.scan_added_empty,
        "jira_update" => &row.jira_update,
        "upcoming_engagement" => &row.upcoming_engagement,
        "stale_engagement" => &row.stale_engagement,
        "auto_close_engagement" => &row.auto_close_engagement,
        "close_engagement" => &row.close_engagement,
        "user_mentioned" => &row.user_mentioned,
        "code_review" => &row.code_review,
        "review_requested" => &row.review_requested,
        "sla_breach" => &row.sla_breach,
        "sla_breach_combined" => &row.sla_breach_combined,
        "risk_acceptance_expiration" => &row.risk_acceptance_expiration,
        _ => &row.other,
    };
    parse_channels(stored)
}

/// Keeps the channels System Settings allow (alerts always), and only alerts
/// for alert-only events.
fn allowed(
    channels: impl IntoIterator<Item = NotificationChannel>,
    settings: &SystemSettings,
    alert_only: bool,
) -> BTreeSet<NotificationChannel> {
    channels
        .into_iter()
        .filter(|c| match c {
            NotificationChannel::Alert => true,
            _ if alert_only => false,
            NotificationChannel::Mail => settings.enable_mail_notifications,
            NotificationChannel::Slack => settings.enable_slack_notifications,
            NotificationChannel::MsTeams => settings.enable_msteams_notifications,
            NotificationChannel::Webhooks => settings.enable_webhooks_notifications,
        })
        .collect()
}

/// The system row, or the model's defaults when there is none.
async fn system_row(conn: &mut Conn) -> StorageResult<Notifications> {
    let rows: Vec<Notifications> = bulk::fetch_all(
        conn,
        "SELECT * FROM notifications WHERE user_id IS NULL AND product_id IS NULL \
         AND template = FALSE ORDER BY id LIMIT 1",
        &[],
    )
    .await?;
    Ok(rows.into_iter().next().unwrap_or_default())
}

const RECIPIENT_COLUMNS: &str = "u.id, u.username, u.email, u.is_superuser, c.slack_user_id";

/// A row of [`RECIPIENT_COLUMNS`].
type RecipientRow = (i64, String, String, bool, Option<String>);

fn recipients(rows: Vec<RecipientRow>) -> Vec<Recipient> {
    rows.into_iter()
        .map(
            |(id, username, email, is_superuser, slack_user_id)| Recipient {
                id,
                username,
                email,
                is_superuser,
                slack_user_id,
            },
        )
        .collect()
}

/// Works out who receives `event` and how.
pub async fn plan(
    conn: &mut Conn,
    event: &Event,
    settings: &SystemSettings,
) -> StorageResult<Plan> {
    let column = event.column();
    let system = system_row(conn).await?;
    let system_channels = channels_of(&system, column);
    let mut plan = Plan::default();
    match &event.audience {
        Audience::Users(ids) => {
            let trump = SYSTEM_LEVEL_TRUMP.contains(&event.name);
            let recipients = named_users(conn, ids).await?;
            let rows = personal_rows(conn, &recipients, None).await?;
            for user in recipients {
                let mut channels: Vec<NotificationChannel> = match rows.get(&user.id) {
                    Some(own) => own.iter().flat_map(|r| channels_of(r, column)).collect(),
                    None => channels_of(&Notifications::default(), column),
                };
                if trump {
                    channels.extend(system_channels.iter().copied());
                }
                plan.users
                    .push((user, allowed(channels, settings, event.alert_only)));
            }
        }
        Audience::Subscribers | Audience::SystemOnly => {
            plan.system = allowed(system_channels.iter().copied(), settings, event.alert_only);
            plan.system.remove(&NotificationChannel::Alert);
            if event.audience == Audience::Subscribers {
                let recipients = subscribers(conn, event).await?;
                let rows = personal_rows(conn, &recipients, event.product_id()).await?;
                for user in recipients {
                    let mut channels: Vec<NotificationChannel> = rows
                        .get(&user.id)
                        .into_iter()
                        .flatten()
                        .flat_map(|r| channels_of(r, column))
                        .collect();
                    if user.is_superuser {
                        channels.extend(system_channels.iter().copied());
                    }
                    plan.users
                        .push((user, allowed(channels, settings, event.alert_only)));
                }
            }
        }
    }
    plan.users.retain(|(_, channels)| !channels.is_empty());
    Ok(plan)
}

/// The active users among `ids`.
async fn named_users(conn: &mut Conn, ids: &[i64]) -> StorageResult<Vec<Recipient>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let fixed: Vec<Param> = Vec::new();
    let rows: Vec<RecipientRow> = bulk::fetch_in(conn, &fixed, ids, |list| {
        format!(
            "SELECT {RECIPIENT_COLUMNS} FROM dojo_user u \
             LEFT JOIN user_contact_info c ON c.user_id = u.id \
             WHERE u.is_active = TRUE AND u.id IN ({list}) ORDER BY u.id"
        )
    })
    .await?;
    Ok(recipients(rows))
}

/// Active users with a personal row that applies (global, or for the event's
/// product) and superusers, who may view the event's product or product type;
/// only superusers when the event has neither.
async fn subscribers(conn: &mut Conn, event: &Event) -> StorageResult<Vec<Recipient>> {
    let mut params: Vec<Param> = Vec::new();
    let applies = match event.product_id() {
        Some(product) => {
            params.push(product.into());
            "(n.product_id IS NULL OR n.product_id = $1)"
        }
        None => "n.product_id IS NULL",
    };
    let access = match (event.product_id(), event.product_type_id()) {
        (Some(_), _) => user_may_view_product_sql("u.id", "u.is_superuser", 1),
        (None, Some(product_type)) => {
            params.push(product_type.into());
            user_may_view_product_type_sql("u.id", "u.is_superuser", params.len())
        }
        (None, None) => "u.is_superuser = TRUE".to_owned(),
    };
    let sql = format!(
        "SELECT {RECIPIENT_COLUMNS} FROM dojo_user u \
         LEFT JOIN user_contact_info c ON c.user_id = u.id \
         WHERE u.is_active = TRUE \
         AND (u.is_superuser = TRUE OR EXISTS (SELECT 1 FROM notifications n \
              WHERE n.user_id = u.id AND n.template = FALSE AND {applies})) \
         AND {access} ORDER BY u.id"
    );
    Ok(recipients(bulk::fetch_all(conn, &sql, &params).await?))
}

/// The personal rows of `users` that apply: global ones, and with a product
/// also those for it.
async fn personal_rows(
    conn: &mut Conn,
    users: &[Recipient],
    product: Option<i64>,
) -> StorageResult<BTreeMap<i64, Vec<Notifications>>> {
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let (fixed, applies): (Vec<Param>, &str) = match product {
        Some(p) => (vec![p.into()], "(product_id IS NULL OR product_id = $1)"),
        None => (Vec::new(), "product_id IS NULL"),
    };
    let rows: Vec<Notifications> = bulk::fetch_in(conn, &fixed, &ids, |list| {
        format!(
            "SELECT * FROM notifications WHERE template = FALSE AND {applies} \
             AND user_id IN ({list}) ORDER BY id"
        )
    })
    .await?;
    let mut by_user: BTreeMap<i64, Vec<Notifications>> = BTreeMap::new();
    for row in rows {
        if let Some(user) = row.user_id {
            by_user.entry(user).or_default().push(row);
        }
    }
    Ok(by_user)
}
