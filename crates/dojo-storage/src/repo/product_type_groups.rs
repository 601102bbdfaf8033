//! Groups' roles on product types.

use dojo_domain::entities::ProductTypeGroup;

table! {
    entity: ProductTypeGroup,
    table: "product_type_group",
    columns: [
        product_type_id,
        group_id,
        role_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
