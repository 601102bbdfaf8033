//! Users' roles on products.

use dojo_domain::entities::ProductMember;

table! {
    entity: ProductMember,
    table: "product_member",
    columns: [
        product_id,
        user_id,
        role_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
