//! In-app alerts.

use dojo_domain::entities::Alert;

table! {
    entity: Alert,
    table: "alerts",
    columns: [
        title,
        description,
        url,
        source,
        icon,
        user_id,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
