//! Request/response pairs attached to findings.

use dojo_domain::entities::BurpRawRequestResponse;

table! {
    entity: BurpRawRequestResponse,
    table: "burp_raw_request_response",
    columns: [
        finding_id,
        burp_request_base64,
        burp_response_base64,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
