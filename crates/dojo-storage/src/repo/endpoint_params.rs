//! Parameters of an endpoint.

use dojo_domain::entities::EndpointParams;

table! {
    entity: EndpointParams,
    table: "endpoint_params",
    columns: [
        endpoint_id,
        param,
        value,
        method,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
