//! Earlier versions of edited notes.

use dojo_domain::entities::NoteHistory;

table! {
    entity: NoteHistory,
    table: "note_history",
    columns: [
        note_id,
        note_type_id,
        data,
        current_editor_id,
    ],
    set_on_insert: [time],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}
