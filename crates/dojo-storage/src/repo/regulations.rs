//! Regulations a product can be subject to.

use dojo_domain::entities::Regulation;

table! {
    entity: Regulation,
    table: "regulation",
    columns: [
        name,
        acronym,
        category,
        jurisdiction,
        description,
        reference,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
