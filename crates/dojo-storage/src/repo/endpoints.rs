//! Legacy endpoints of a product.

use dojo_domain::entities::Endpoint;

table! {
    entity: Endpoint,
    table: "endpoint",
    columns: [
        protocol,
        userinfo,
        host,
        port,
        path,
        query,
        fragment,
        product_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
