//! Review states of tracked files.

use dojo_domain::entities::ObjectsReview;

table! {
    entity: ObjectsReview,
    table: "objects_review",
    columns: [
        name,
    ],
    set_on_insert: [created],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
