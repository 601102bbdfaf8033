//! A finding's status on one endpoint.

use dojo_domain::entities::EndpointStatus;

table! {
    entity: EndpointStatus,
    table: "endpoint_status",
    columns: [
        date,
        last_modified,
        mitigated,
        mitigated_time,
        mitigated_by_id,
        false_positive,
        out_of_scope,
        risk_accepted,
        endpoint_id,
        finding_id,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
