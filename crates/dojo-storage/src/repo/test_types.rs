//! Test types; imports create them on demand.

use dojo_domain::entities::TestType;

table! {
    entity: TestType,
    table: "test_type",
    columns: [
        name,
        static_tool,
        dynamic_tool,
        active,
        dynamically_generated,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub(crate) delete_row,
}
