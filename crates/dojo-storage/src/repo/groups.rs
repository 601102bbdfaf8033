//! User groups.

use dojo_domain::entities::Group;

table! {
    entity: Group,
    table: "dojo_group",
    columns: [
        name,
        description,
        social_provider,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
