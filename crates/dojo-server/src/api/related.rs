//! What a page of objects holds in other tables, loaded with one query per
//! table for the whole page.

use std::collections::HashMap;

use dojo_domain::entities::{Note, NoteHistory, NoteType, User};
use dojo_storage::bulk;
use dojo_storage::Conn;
use serde_json::Value;

use crate::api::shapes::notes;
use crate::error::ApiError;

/// Rows of `(owner id, value)` for a page of objects, grouped by owner; `sql`
/// holds `{ids}` where the id list goes.
pub async fn pairs<V>(
    conn: &mut Conn,
    ids: &[i64],
    sql: &str,
) -> Result<HashMap<i64, Vec<V>>, ApiError>
where
    (i64, V): bulk::Row,
{
    let rows: Vec<(i64, V)> =
        bulk::fetch_in(conn, &[], ids, |list| sql.replace("{ids}", list)).await?;
    let mut out: HashMap<i64, Vec<V>> = HashMap::new();
    for (id, value) in rows {
        out.entry(id).or_default().push(value);
    }
    Ok(out)
}

/// The notes of a page of objects, rendered, newest first as DefectDojo lists
/// them; `link` is the many-to-many table (`finding_notes`, `engagement_notes`…)
/// and `owner` its column naming the object.
pub async fn notes_of(
    conn: &mut Conn,
    link: &str,
    owner: &str,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<Value>>, ApiError> {
    let links: Vec<(i64, i64)> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("SELECT {owner}, notes_id FROM {link} WHERE {owner} IN ({list})")
    })
    .await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let note_ids: Vec<i64> = links.iter().map(|(_, n)| *n).collect();
    let rows: Vec<Note> = bulk::fetch_in(conn, &[], &note_ids, |list| {
        format!("SELECT * FROM notes WHERE id IN ({list}) ORDER BY date DESC, id DESC")
    })
    .await?;
    let mut rendered = render_notes(conn, &rows).await?;
    let owner: HashMap<i64, i64> = links.into_iter().map(|(o, n)| (n, o)).collect();
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    for note in &rows {
        if let (Some(object), Some(json)) = (owner.get(&note.id), rendered.remove(&note.id)) {
            out.entry(*object).or_default().push(json);
        }
    }
    Ok(out)
}

/// Notes rendered with their authors, editors, types and history, by note id,
/// with one query per table.
pub async fn render_notes(conn: &mut Conn, rows: &[Note]) -> Result<HashMap<i64, Value>, ApiError> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let note_ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let history: Vec<NoteHistory> = bulk::fetch_in(conn, &[], &note_ids, |list| {
        format!("SELECT * FROM note_history WHERE note_id IN ({list}) ORDER BY id")
    })
    .await?;
    let user_ids: Vec<i64> = rows
        .iter()
        .flat_map(|n| std::iter::once(n.author_id).chain(n.editor_id))
        .chain(history.iter().filter_map(|h| h.current_editor_id))
        .collect();
    let users: Vec<User> = bulk::fetch_in(conn, &[], &user_ids, |list| {
        format!("SELECT * FROM dojo_user WHERE id IN ({list})")
    })
    .await?;
    let users: HashMap<i64, User> = users.into_iter().map(|u| (u.id, u)).collect();
    let type_ids: Vec<i64> = rows
        .iter()
        .filter_map(|n| n.note_type_id)
        .chain(history.iter().filter_map(|h| h.note_type_id))
        .collect();
    let types: Vec<NoteType> = bulk::fetch_in(conn, &[], &type_ids, |list| {
        format!("SELECT * FROM note_type WHERE id IN ({list})")
    })
    .await?;
    let types: HashMap<i64, NoteType> = types.into_iter().map(|t| (t.id, t)).collect();
    let mut histories: HashMap<i64, Vec<Value>> = HashMap::new();
    for entry in &history {
        let editor = entry.current_editor_id.and_then(|id| users.get(&id));
        let note_type = entry.note_type_id.and_then(|id| types.get(&id));
        histories
            .entry(entry.note_id)
            .or_default()
            .push(notes::history_json(entry, editor, note_type));
    }
    let mut out = HashMap::new();
    for note in rows {
        let Some(author) = users.get(&note.author_id) else {
            continue;
        };
        let editor = note.editor_id.and_then(|id| users.get(&id));
        let note_type = note.note_type_id.and_then(|id| types.get(&id));
        let history = histories.remove(&note.id).unwrap_or_default();
        out.insert(
            note.id,
            notes::json(note, author, editor, note_type, &history),
        );
    }
    Ok(out)
}
