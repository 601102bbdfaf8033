//! Outgoing notification webhooks.

use dojo_domain::entities::NotificationWebhook;

table! {
    entity: NotificationWebhook,
    table: "notification_webhooks",
    columns: [
        name,
        url,
        header_name,
        header_value,
        status,
        first_error,
        last_error,
        note,
        owner_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
