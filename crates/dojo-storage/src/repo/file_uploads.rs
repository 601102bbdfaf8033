//! Metadata of uploaded files.

use dojo_domain::entities::FileUpload;

table! {
    entity: FileUpload,
    table: "file_upload",
    columns: [
        title,
        file,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
