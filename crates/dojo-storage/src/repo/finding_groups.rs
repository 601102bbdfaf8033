//! Finding groups within a test.

use dojo_domain::entities::FindingGroup;

table! {
    entity: FindingGroup,
    table: "finding_group",
    columns: [
        name,
        test_id,
        creator_id,
    ],
    set_on_insert: [created],
    set_on_write: [modified],
    update: pub update,
    delete: pub delete,
}
