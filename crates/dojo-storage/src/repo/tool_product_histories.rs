//! Runs of a product's tool settings.

use dojo_domain::entities::ToolProductHistory;

table! {
    entity: ToolProductHistory,
    table: "tool_product_history",
    columns: [
        product_id,
        last_scan,
        succesfull,
        configuration_details,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
