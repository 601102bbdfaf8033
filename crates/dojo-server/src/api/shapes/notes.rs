//! Notes on the wire (api.md §3.9, §4.4): the nested `NoteSerializer` shape with its
//! `UserStub`s, note type and history, and the `{entry, private, note_type}` body of
//! the `…/notes/` POST actions.

use serde_json::{Map, Value};

use dojo_domain::entities::{Note, NoteHistory, NoteType, User};
use dojo_domain::ids::Id;

use super::datetime_value;
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null, UNBOUNDED};
use crate::api::RequestFields;

/// `UserStubSerializer`: `{id, username, first_name, last_name}`.
pub fn user_stub(user: &User) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), user.id.into());
    m.insert("username".into(), user.username.clone().into());
    m.insert("first_name".into(), user.first_name.clone().into());
    m.insert("last_name".into(), user.last_name.clone().into());
    Value::Object(m)
}

/// `NoteTypeSerializer` (all model fields).
pub fn note_type_json(note_type: &NoteType) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), note_type.id.into());
    m.insert("name".into(), note_type.name.clone().into());
    m.insert("description".into(), note_type.description.clone().into());
    m.insert("is_single".into(), note_type.is_single.into());
    m.insert("is_active".into(), note_type.is_active.into());
    m.insert("is_mandatory".into(), note_type.is_mandatory.into());
    Value::Object(m)
}

/// `NoteHistorySerializer`: `{id, current_editor, note_type, data, time}`; one entry of
/// the `history` list that [`json`] takes.
pub fn history_json(
    entry: &NoteHistory,
    current_editor: Option<&User>,
    note_type: Option<&NoteType>,
) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), entry.id.into());
    m.insert(
        "current_editor".into(),
        current_editor.map_or(Value::Null, user_stub),
    );
    m.insert(
        "note_type".into(),
        note_type.map_or(Value::Null, note_type_json),
    );
    m.insert("data".into(), entry.data.clone().into());
    m.insert("time".into(), datetime_value(&entry.time));
    Value::Object(m)
}

/// `NoteSerializer`: the nested Note of finding, test and engagement responses.
/// `history` holds entries rendered by [`history_json`].
pub fn json(
    note: &Note,
    author: &User,
    editor: Option<&User>,
    note_type: Option<&NoteType>,
    history: &[Value],
) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), note.id.into());
    m.insert("author".into(), user_stub(author));
    m.insert("editor".into(), editor.map_or(Value::Null, user_stub));
    m.insert("history".into(), Value::Array(history.to_vec()));
    m.insert(
        "note_type".into(),
        note_type.map_or(Value::Null, note_type_json),
    );
    m.insert("entry".into(), note.entry.clone().into());
    m.insert("date".into(), datetime_value(&note.date));
    m.insert("private".into(), note.private.into());
    m.insert("edited".into(), note.edited.into());
    m.insert(
        "edit_time".into(),
        note.edit_time.as_ref().map_or(Value::Null, datetime_value),
    );
    Value::Object(m)
}

/// The 201 answer of `POST …/{id}/notes/`: DefectDojo serialises a plain dict of the
/// author, entry and privacy, so only those keys (and a null editor) appear.
pub fn created_json(author: &User, entry: &str, private: bool) -> Value {
    let mut m = Map::new();
    m.insert("author".into(), user_stub(author));
    m.insert("editor".into(), Value::Null);
    m.insert("entry".into(), entry.into());
    m.insert("private".into(), private.into());
    Value::Object(m)
}

/// The body of `POST …/{id}/notes/` (`AddNewNoteOptionSerializer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    pub entry: String,
    pub private: bool,
    /// Must name an existing note type; whether it is single-use and already used on
    /// the object is the caller's check.
    pub note_type: Option<Id>,
}

/// Reads `{entry (required), private, note_type}`.
pub fn read_new(body: &RequestFields) -> Result<NewNote, FieldErrors> {
    let mut f = Fields::new(body, Mode::Create);
    let entry = f.required_text("entry", UNBOUNDED);
    let private = f.boolean("private").unwrap_or(false);
    let note_type = f.pk("note_type", Null::Allowed).flatten();
    f.finish()?;
    // `finish` succeeded, so the required entry was read.
    let entry = entry.unwrap_or_default();
    Ok(NewNote {
        entry,
        private,
        note_type,
    })
}

/// Reads the body of `PUT/PATCH notes/{id}/`: only `entry` changes (DefectDojo's
/// `NoteSerializer.update`); `None` when a PATCH leaves it out.
pub fn read_edit(body: &RequestFields, mode: Mode) -> Result<Option<String>, FieldErrors> {
    let mut f = Fields::new(body, mode);
    f.required("entry");
    let entry = f.text("entry", UNBOUNDED, Blank::Forbidden).flatten();
    f.finish()?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use serde_json::json;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn user(id: Id, username: &str) -> User {
        User {
            id,
            username: username.into(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            password: "secret-hash".into(),
            ..User::default()
        }
    }

    fn note_type() -> NoteType {
        NoteType {
            id: 2,
            name: "Review".into(),
            description: "peer review".into(),
            is_single: true,
            ..NoteType::default()
        }
    }

    fn note() -> Note {
        Note {
            id: 9,
            note_type_id: Some(2),
            entry: "looks real".into(),
            date: at(1),
            author_id: 1,
            private: true,
            edited: true,
            editor_id: Some(3),
            edit_time: Some(at(2) + chrono::Duration::microseconds(250)),
        }
    }

    use crate::api::body::{test_form_body as form_body, test_json_body as json_body};

    fn sorted_keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn keys(names: &[&str]) -> Vec<String> {
        let mut keys: Vec<String> = names.iter().map(|k| (*k).to_owned()).collect();
        keys.sort();
        keys
    }

    #[test]
    fn user_stub_has_four_keys_and_no_secrets() {
        let stub = user_stub(&user(1, "ada"));
        assert_eq!(
            stub,
            json!({"id": 1, "username": "ada", "first_name": "Ada", "last_name": "Lovelace"})
        );
    }

    #[test]
    fn note_shape_has_every_key_with_its_type() {
        let history = NoteHistory {
            id: 4,
            note_id: 9,
            note_type_id: Some(2),
            data: "first draft".into(),
            time: at(2),
            current_editor_id: Some(3),
        };
        let editor = user(3, "bob");
        let rendered = history_json(&history, Some(&editor), Some(&note_type()));
        let value = json(
            &note(),
            &user(1, "ada"),
            Some(&editor),
            Some(&note_type()),
            std::slice::from_ref(&rendered),
        );
        assert_eq!(
            sorted_keys(&value),
            keys(&[
                "id",
                "author",
                "editor",
                "history",
                "note_type",
                "entry",
                "date",
                "private",
                "edited",
                "edit_time"
            ])
        );
        assert!(value["id"].is_i64());
        assert_eq!(value["author"]["username"], "ada");
        assert_eq!(value["editor"]["id"], 3);
        assert_eq!(value["entry"], "looks real");
        assert_eq!(value["date"], "2026-03-01T01:00:00Z");
        assert_eq!(value["edit_time"], "2026-03-01T02:00:00.000250Z");
        assert_eq!(value["private"], true);
        assert_eq!(value["edited"], true);
        assert_eq!(
            value["note_type"],
            json!({
                "id": 2, "name": "Review", "description": "peer review",
                "is_single": true, "is_active": true, "is_mandatory": true,
            })
        );
        let entry = &value["history"][0];
        assert_eq!(
            sorted_keys(entry),
            keys(&["id", "current_editor", "note_type", "data", "time"])
        );
        assert_eq!(entry["current_editor"]["username"], "bob");
        assert_eq!(entry["time"], "2026-03-01T02:00:00Z");
    }

    #[test]
    fn note_shape_nulls_when_absent() {
        let plain = Note {
            note_type_id: None,
            edited: false,
            editor_id: None,
            edit_time: None,
            ..note()
        };
        let value = json(&plain, &user(1, "ada"), None, None, &[]);
        assert_eq!(value["editor"], Value::Null);
        assert_eq!(value["note_type"], Value::Null);
        assert_eq!(value["edit_time"], Value::Null);
        assert_eq!(value["history"], json!([]));
        let history = NoteHistory {
            id: 1,
            note_id: 9,
            note_type_id: None,
            data: String::new(),
            time: at(3),
            current_editor_id: None,
        };
        let entry = history_json(&history, None, None);
        assert_eq!(entry["current_editor"], Value::Null);
        assert_eq!(entry["note_type"], Value::Null);
    }

    #[test]
    fn created_answer_has_defectdojos_four_keys() {
        assert_eq!(
            created_json(&user(1, "ada"), "hello", false),
            json!({
                "author": {"id": 1, "username": "ada", "first_name": "Ada", "last_name": "Lovelace"},
                "editor": null, "entry": "hello", "private": false,
            })
        );
    }

    #[test]
    fn new_note_reads_json_and_form() {
        let parsed = read_new(&json_body(
            json!({"entry": "x", "private": true, "note_type": 2}),
        ));
        assert_eq!(
            parsed,
            Ok(NewNote {
                entry: "x".into(),
                private: true,
                note_type: Some(2)
            })
        );
        let parsed = read_new(&form_body(&[("entry", "y"), ("private", "False")]));
        assert_eq!(
            parsed,
            Ok(NewNote {
                entry: "y".into(),
                private: false,
                note_type: None
            })
        );
        let parsed = read_new(&json_body(json!({"entry": "z", "note_type": null})));
        assert_eq!(parsed.map(|n| (n.private, n.note_type)), Ok((false, None)));
    }

    #[test]
    fn new_note_rejects_missing_blank_and_bad_values() {
        let e = read_new(&json_body(json!({}))).err().unwrap_or_default();
        assert_eq!(e["entry"], vec!["This field is required."]);
        let e = read_new(&form_body(&[("entry", "")]))
            .err()
            .unwrap_or_default();
        assert_eq!(e["entry"], vec!["This field may not be blank."]);
        let e = read_new(&json_body(
            json!({"entry": "x", "private": "maybe", "note_type": "t"}),
        ))
        .err()
        .unwrap_or_default();
        assert_eq!(e["private"], vec!["Must be a valid boolean."]);
        assert_eq!(
            e["note_type"],
            vec!["Incorrect type. Expected pk value, received str."]
        );
    }

    #[test]
    fn edit_reads_the_entry_only() {
        let body = json_body(json!({"entry": "new", "private": true}));
        assert_eq!(read_edit(&body, Mode::Update), Ok(Some("new".into())));
        assert_eq!(read_edit(&json_body(json!({})), Mode::Partial), Ok(None));
        let e = read_edit(&json_body(json!({})), Mode::Update)
            .err()
            .unwrap_or_default();
        assert_eq!(e["entry"], vec!["This field is required."]);
    }
}
