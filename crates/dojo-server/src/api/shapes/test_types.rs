//! Test types on the wire (api.md §3.4): `{id, name, static_tool, dynamic_tool,
//! active}`; `name` is set on create (`TestTypeCreateSerializer`) and read-only
//! afterwards (`TestTypeSerializer`). `dynamically_generated` is not shown.

use dojo_domain::entities::TestType;
use serde_json::{Map, Value};

use crate::api::fields::{FieldErrors, Fields, Mode};
use crate::api::RequestFields;

/// Nothing from other tables; kept for the shape functions' common signature.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestTypeExtra {}

/// No relations in other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestTypeInput {}

pub fn json(row: &TestType, _extra: &TestTypeExtra) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert("name".into(), row.name.clone().into());
    m.insert("static_tool".into(), row.static_tool.into());
    m.insert("dynamic_tool".into(), row.dynamic_tool.into());
    m.insert("active".into(), row.active.into());
    Value::Object(m)
}

/// Reads a create or update body. Uniqueness of `name` is the storage's to check.
pub fn read(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&TestType>,
) -> Result<(TestType, TestTypeInput), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    if mode == Mode::Create {
        if let Some(name) = f.required_text("name", 200) {
            row.name = name;
        }
    }
    for (field, slot) in [
        ("static_tool", &mut row.static_tool),
        ("dynamic_tool", &mut row.dynamic_tool),
        ("active", &mut row.active),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    f.finish()?;
    Ok((row, TestTypeInput {}))
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;
    use serde_json::json;

    fn sample() -> TestType {
        TestType {
            id: 12,
            name: "ZAP Scan".into(),
            dynamic_tool: true,
            dynamically_generated: true,
            ..TestType::default()
        }
    }

    #[test]
    fn json_has_every_field_of_the_spec() {
        assert_eq!(
            json(&sample(), &TestTypeExtra::default()),
            json!({
                "id": 12, "name": "ZAP Scan", "static_tool": false, "dynamic_tool": true,
                "active": true,
            })
        );
    }

    #[test]
    fn create_needs_a_name() {
        let errors = read(&body(json!({"active": false})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["name"], vec!["This field is required."]);
        let errors = read(
            &body(json!({"name": "n".repeat(201), "static_tool": "x"})),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["name"],
            vec!["Ensure this field has no more than 200 characters."]
        );
        assert_eq!(errors["static_tool"], vec!["Must be a valid boolean."]);
        let (row, _) = read(&body(json!({"name": "Custom"})), Mode::Create, None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.name, "Custom");
        assert!(row.active && !row.static_tool);
    }

    #[test]
    fn name_is_read_only_after_create() {
        let current = sample();
        for mode in [Mode::Update, Mode::Partial] {
            let (row, _) = read(
                &body(json!({"name": "Other", "active": false})),
                mode,
                Some(&current),
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(row.name, "ZAP Scan");
            assert!(!row.active && row.dynamic_tool);
        }
    }
}
