//! Tracked files and folders of products.

use dojo_domain::entities::ObjectsProduct;

table! {
    entity: ObjectsProduct,
    table: "objects_product",
    columns: [
        product_id,
        name,
        path,
        folder,
        artifact,
        review_status_id,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
