//! Users' roles on product types.

use dojo_domain::entities::ProductTypeMember;

table! {
    entity: ProductTypeMember,
    table: "product_type_member",
    columns: [
        product_type_id,
        user_id,
        role_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
