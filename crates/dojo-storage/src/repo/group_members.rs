//! Members of a group, each with a role.

use dojo_domain::entities::GroupMember;

table! {
    entity: GroupMember,
    table: "dojo_group_member",
    columns: [
        group_id,
        user_id,
        role_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
