//! Roles held over everything, by a user or a group.

use dojo_domain::entities::GlobalRole;

table! {
    entity: GlobalRole,
    table: "global_role",
    columns: [
        user_id,
        group_id,
        role_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
