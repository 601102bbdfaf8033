//! `notifications` and `notification_webhooks` on the wire (api.md §3.11):
//! each event column as a list of channels, the webhooks with their status
//! fields read-only.

use dojo_domain::entities::{parse_channels, NotificationWebhook, Notifications};
use dojo_domain::NotificationChannel;
use serde_json::{json, Map, Value};

use super::{datetime_value, opt};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;
use crate::notifications::events::COLUMNS;

/// The channels in DefectDojo's order of choices.
pub const CHANNELS: [&str; 5] = ["slack", "msteams", "mail", "webhooks", "alert"];

/// A column's stored value, as a list.
fn channels_json(stored: &str) -> Value {
    let set = parse_channels(stored);
    let ordered: Vec<&str> = CHANNELS
        .iter()
        .copied()
        .filter(|c| set.iter().any(|s: &NotificationChannel| s.as_str() == *c))
        .collect();
    json!(ordered)
}

/// The stored value of a list of channels: comma-separated, in choice order.
fn stored(channels: &[String]) -> String {
    CHANNELS
        .iter()
        .filter(|c| channels.iter().any(|s| s == *c))
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

/// The field of `row` holding `column`.
fn column_mut<'r>(row: &'r mut Notifications, column: &str) -> Option<&'r mut String> {
    Some(match column {
        "product_type_added" => &mut row.product_type_added,
        "product_added" => &mut row.product_added,
        "engagement_added" => &mut row.engagement_added,
        "test_added" => &mut row.test_added,
        "scan_added" => &mut row.scan_added,
        "scan_added_empty" => &mut row.scan_added_empty,
        "jira_update" => &mut row.jira_update,
        "upcoming_engagement" => &mut row.upcoming_engagement,
        "stale_engagement" => &mut row.stale_engagement,
        "auto_close_engagement" => &mut row.auto_close_engagement,
        "close_engagement" => &mut row.close_engagement,
        "user_mentioned" => &mut row.user_mentioned,
        "code_review" => &mut row.code_review,
        "review_requested" => &mut row.review_requested,
        "other" => &mut row.other,
        "sla_breach" => &mut row.sla_breach,
        "sla_breach_combined" => &mut row.sla_breach_combined,
        "risk_acceptance_expiration" => &mut row.risk_acceptance_expiration,
        _ => return None,
    })
}

pub fn notifications_json(row: &Notifications) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(row.id));
    out.insert("product".into(), opt(row.product_id));
    out.insert("user".into(), opt(row.user_id));
    let mut copy = row.clone();
    for column in COLUMNS {
        if let Some(value) = column_mut(&mut copy, column) {
            out.insert((*column).into(), channels_json(value));
        }
    }
    out.insert("template".into(), json!(row.template));
    Value::Object(out)
}

/// Reads a body over `current` (or the model's defaults).
pub fn read_notifications(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&Notifications>,
) -> Result<Notifications, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(user) = f.pk("user", Null::Allowed) {
        row.user_id = user;
    }
    if let Some(product) = f.pk("product", Null::Allowed) {
        row.product_id = product;
    }
    if let Some(template) = f.boolean("template") {
        row.template = template;
    }
    for column in COLUMNS {
        if let Some(channels) = f.multiple_choice(column, &CHANNELS) {
            if let Some(value) = column_mut(&mut row, column) {
                *value = stored(&channels);
            }
        }
    }
    f.finish()?;
    Ok(row)
}

pub fn webhook_json(row: &NotificationWebhook) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "url": row.url,
        "header_name": row.header_name,
        "header_value": row.header_value,
        "status": row.status.as_str(),
        "first_error": row.first_error.as_ref().map_or(Value::Null, datetime_value),
        "last_error": row.last_error.as_ref().map_or(Value::Null, datetime_value),
        "note": row.note,
        "owner": opt(row.owner_id),
    })
}

/// Reads a body over `current`; `status`, `first_error`, `last_error` and
/// `note` are the worker's and ignored here.
pub fn read_webhook(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&NotificationWebhook>,
) -> Result<NotificationWebhook, FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(name) = f.required_text("name", 100) {
        row.name = name;
    }
    f.required("url");
    if let Some(Some(url)) = f.url("url", 200, Blank::Forbidden) {
        row.url = url;
    }
    if let Some(value) = f.text("header_name", 100, Blank::Allowed) {
        row.header_name = value;
    }
    if let Some(value) = f.text("header_value", 100, Blank::Allowed) {
        row.header_value = value;
    }
    if let Some(owner) = f.pk("owner", Null::Allowed) {
        row.owner_id = owner;
    }
    f.finish()?;
    Ok(row)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn channel_lists_round_trip_in_choice_order() {
        let stored_value = stored(&["alert".to_owned(), "mail".to_owned()]);
        assert_eq!(stored_value, "mail,alert");
        assert_eq!(channels_json(&stored_value), json!(["mail", "alert"]));
        assert_eq!(channels_json(""), json!([]));
        let defaults = notifications_json(&Notifications::default());
        assert_eq!(defaults["product_added"], json!(["alert"]));
        assert_eq!(defaults["scan_added_empty"], json!([]));
    }
}
