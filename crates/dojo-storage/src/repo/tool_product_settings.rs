//! Per-product tool settings.

use dojo_domain::entities::ToolProductSettings;

table! {
    entity: ToolProductSettings,
    table: "tool_product_settings",
    columns: [
        name,
        description,
        url,
        product_id,
        tool_configuration_id,
        tool_project_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
