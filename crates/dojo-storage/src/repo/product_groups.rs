//! Groups' roles on products.

use dojo_domain::entities::ProductGroup;

table! {
    entity: ProductGroup,
    table: "product_group",
    columns: [
        product_id,
        group_id,
        role_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
