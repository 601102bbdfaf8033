//! Tool types.

use dojo_domain::entities::ToolType;

table! {
    entity: ToolType,
    table: "tool_type",
    columns: [
        name,
        description,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
