//! Product types ("Organizations").

use dojo_domain::entities::ProductType;

table! {
    entity: ProductType,
    table: "product_type",
    columns: [
        name,
        description,
        critical_product,
        key_product,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub update,
    delete: pub(crate) delete_row,
}
