//! Note types.

use dojo_domain::entities::NoteType;

table! {
    entity: NoteType,
    table: "note_type",
    columns: [
        name,
        description,
        is_single,
        is_active,
        is_mandatory,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
