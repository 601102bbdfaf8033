//! Custom fields (`DojoMeta`) on the wire (api.md §3.8): `{id, product,
//! endpoint, location, finding, name, value}`, exactly one parent. Dojo keeps
//! legacy endpoints, so `location` is always null.

use dojo_domain::entities::DojoMeta;
use serde_json::{json, Value};

use crate::api::fields::{FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

/// The parents a custom field can hang off, by body field.
pub const PARENTS: [&str; 3] = ["product", "endpoint", "finding"];

pub const NO_PARENT: &str =
    "Metadata entries need either a product, endpoint, location or a finding";
pub const TWO_PARENTS: &str = "Metadata entries may not have more than one relation, either a \
     product, endpoint, location or a finding";

pub fn json(row: &DojoMeta) -> Value {
    json!({
        "id": row.id,
        "product": row.product_id,
        "endpoint": row.endpoint_id,
        "location": null,
        "finding": row.finding_id,
        "name": row.name,
        "value": row.value,
    })
}

/// The parent of a row: its field name and id.
pub fn parent(row: &DojoMeta) -> Option<(&'static str, i64)> {
    [
        ("product", row.product_id),
        ("endpoint", row.endpoint_id),
        ("finding", row.finding_id),
    ]
    .into_iter()
    .find_map(|(field, id)| id.map(|id| (field, id)))
}

/// DRF's message for a name taken under the same parent.
pub fn name_taken(parent: &str) -> String {
    format!("The fields {parent}, name must make a unique set.")
}

/// Reads a create or update body; the parents named are the handler's to
/// check (existence and permission) before.
pub fn read(
    body: &RequestFields,
    mode: Mode,
    current: Option<&DojoMeta>,
) -> Result<DojoMeta, FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_default();
    if let Some(name) = f.required_text("name", 120) {
        row.name = name;
    }
    if let Some(value) = f.required_text("value", 300) {
        row.value = value;
    }
    for (field, slot) in PARENTS.into_iter().zip([
        &mut row.product_id,
        &mut row.endpoint_id,
        &mut row.finding_id,
    ]) {
        if let Some(id) = f.pk(field, Null::Allowed) {
            *slot = id;
        }
    }
    if let Some(Some(_)) = f.pk("location", Null::Allowed) {
        // No locations in Dojo: nothing a custom field can hang off.
        f.error("location", "Invalid pk - locations are not served.");
    }
    if !f.has_errors() {
        let parents = [row.product_id, row.endpoint_id, row.finding_id]
            .iter()
            .filter(|p| p.is_some())
            .count();
        match parents {
            0 => f.non_field_error(NO_PARENT),
            1 => {}
            _ => f.non_field_error(TWO_PARENTS),
        }
    }
    f.finish()?;
    Ok(row)
}

/// The `metadata` list of a batch body: `(name, value)` pairs, each required,
/// non-blank and within the model's lengths.
pub fn read_batch(body: &RequestFields) -> Result<Vec<(String, String)>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let items = match body.values.get("metadata").and_then(|v| v.last()) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            _ => {
                errors.insert("metadata".into(), vec!["Expected a list of items.".into()]);
                return Err(errors);
            }
        },
        None | Some(Value::Null) => {
            errors.insert("metadata".into(), vec!["This field is required.".into()]);
            return Err(errors);
        }
        Some(_) => {
            errors.insert("metadata".into(), vec!["Expected a list of items.".into()]);
            return Err(errors);
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let text = |key: &str, max: usize| -> Result<String, String> {
            match item.get(key) {
                None | Some(Value::Null) => Err(format!("{key}: This field is required.")),
                Some(Value::String(s)) if s.trim().is_empty() => {
                    Err(format!("{key}: This field may not be blank."))
                }
                Some(Value::String(s)) if s.trim().chars().count() > max => Err(format!(
                    "{key}: Ensure this field has no more than {max} characters."
                )),
                Some(Value::String(s)) => Ok(s.trim().to_owned()),
                Some(other) => Ok(other.to_string()),
            }
        };
        match (text("name", 120), text("value", 300)) {
            (Ok(name), Ok(value)) => out.push((name, value)),
            (Err(e), _) | (_, Err(e)) => {
                errors.entry("metadata".into()).or_default().push(e);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A batch's answer: the parent and the fields it was sent.
pub fn batch_json(field: &str, parent: i64, entries: &[(String, String)]) -> Value {
    let mut body = json!({"product": null, "endpoint": null, "finding": null});
    body[field] = parent.into();
    body["metadata"] = entries
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect::<Vec<_>>()
        .into();
    body
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;

    #[test]
    fn exactly_one_parent() {
        let errors = read(
            &body(json!({"name": "env", "value": "prod"})),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors["non_field_errors"], vec![NO_PARENT]);
        let errors = read(
            &body(json!({"name": "env", "value": "prod", "product": 1, "finding": 2})),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors["non_field_errors"], vec![TWO_PARENTS]);
        let row = read(
            &body(json!({"name": "env", "value": "prod", "product": 1})),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parent(&row), Some(("product", 1)));
        assert_eq!(json(&row)["location"], Value::Null);
        let errors = read(&body(json!({"name": "", "product": 1})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        assert_eq!(errors["name"], vec!["This field may not be blank."]);
        assert_eq!(errors["value"], vec!["This field is required."]);
    }
}
