//! Programming languages known to Dojo.

use dojo_domain::entities::LanguageType;

table! {
    entity: LanguageType,
    table: "language_type",
    columns: [
        language,
        color,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
