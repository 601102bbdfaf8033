//! Notes on engagements, tests, findings and risk acceptances.

use dojo_domain::entities::Note;

table! {
    entity: Note,
    table: "notes",
    columns: [
        note_type_id,
        entry,
        author_id,
        private,
        edited,
        editor_id,
        edit_time,
    ],
    set_on_insert: [date],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
