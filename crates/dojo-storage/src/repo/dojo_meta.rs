//! Custom fields on products, endpoints and findings.

use dojo_domain::entities::DojoMeta;

table! {
    entity: DojoMeta,
    table: "dojo_meta",
    columns: [
        product_id,
        endpoint_id,
        finding_id,
        name,
        value,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
