//! Lines of code per language in a product.

use dojo_domain::entities::Languages;

table! {
    entity: Languages,
    table: "languages",
    columns: [
        language_id,
        product_id,
        user_id,
        files,
        blank,
        comment,
        code,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
