//! The CWE catalogue.

use dojo_domain::entities::Cwe;

table! {
    entity: Cwe,
    table: "cwe",
    columns: [
        number,
        url,
        description,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
