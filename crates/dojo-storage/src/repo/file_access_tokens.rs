//! Tokens that let report renderers fetch a file.

use dojo_domain::entities::FileAccessToken;

table! {
    entity: FileAccessToken,
    table: "file_access_token",
    columns: [
        user_id,
        file_id,
        token,
        size,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
