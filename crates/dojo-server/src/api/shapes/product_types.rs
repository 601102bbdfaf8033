//! Product types on the wire (api.md §3.1): `ProductTypeSerializer`, all model
//! fields plus `authorized_users`.

use dojo_domain::entities::ProductType;
use dojo_domain::ids::Id;
use serde_json::{Map, Value};

use super::{datetime_value, push_refs, RefKind, Reference};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode};
use crate::api::RequestFields;

/// The `organizations` alias's names for the v2 fields (api.md §3.1).
pub const ORGANIZATION_RENAMES: &[(&str, &str)] = &[
    ("critical_product", "critical_asset"),
    ("key_product", "key_asset"),
];

/// What the JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductTypeExtra {
    pub authorized_users: Vec<Id>,
}

/// The relations a body set, which live in other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductTypeInput {
    /// Changing it needs staff (api.md §1.8): the handler checks.
    pub authorized_users: Option<Vec<Id>>,
    pub references: Vec<Reference>,
}

pub fn json(row: &ProductType, extra: &ProductTypeExtra) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert("name".into(), row.name.clone().into());
    m.insert("description".into(), super::opt(row.description.clone()));
    m.insert("critical_product".into(), row.critical_product.into());
    m.insert("key_product".into(), row.key_product.into());
    m.insert("updated".into(), datetime_value(&row.updated));
    m.insert("created".into(), datetime_value(&row.created));
    m.insert(
        "authorized_users".into(),
        extra.authorized_users.clone().into(),
    );
    Value::Object(m)
}

/// Reads a create or update body. Uniqueness of `name` is the storage's to check.
pub fn read(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&ProductType>,
) -> Result<(ProductType, ProductTypeInput), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    let mut input = ProductTypeInput::default();

    if let Some(name) = f.required_text("name", 255) {
        row.name = name;
    }
    if let Some(description) = f.text("description", 4000, Blank::Allowed) {
        row.description = description;
    }
    if let Some(v) = f.boolean("critical_product") {
        row.critical_product = v;
    }
    if let Some(v) = f.boolean("key_product") {
        row.key_product = v;
    }
    if let Some(users) = f.pk_list("authorized_users") {
        push_refs(
            &mut input.references,
            "authorized_users",
            RefKind::User,
            &users,
        );
        input.authorized_users = Some(users);
    }
    f.finish()?;
    Ok((row, input))
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn sample() -> ProductType {
        ProductType {
            id: 3,
            name: "Web".into(),
            description: Some("apps".into()),
            critical_product: true,
            key_product: false,
            created: Utc
                .with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
                .single()
                .unwrap_or_default(),
            updated: Utc
                .with_ymd_and_hms(2024, 1, 3, 3, 4, 5)
                .single()
                .unwrap_or_default(),
        }
    }

    #[test]
    fn json_has_every_field_of_the_spec() {
        let extra = ProductTypeExtra {
            authorized_users: vec![4, 5],
        };
        let v = json(&sample(), &extra);
        assert_eq!(
            v,
            json!({
                "id": 3, "name": "Web", "description": "apps", "critical_product": true,
                "key_product": false, "updated": "2024-01-03T03:04:05Z",
                "created": "2024-01-02T03:04:05Z", "authorized_users": [4, 5],
            })
        );
        let renamed = super::super::rename_keys(v, ORGANIZATION_RENAMES);
        assert_eq!(renamed["critical_asset"], json!(true));
        assert!(renamed.get("critical_product").is_none());
    }

    #[test]
    fn create_needs_a_name_and_takes_defaults() {
        let errors = read(&body(json!({"description": "x"})), Mode::Create, None).err();
        assert_eq!(
            errors.map(|e| e["name"].clone()),
            Some(vec!["This field is required.".to_owned()])
        );
        let (row, input) = read(
            &body(json!({"name": "New", "authorized_users": [7]})),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.name, "New");
        assert!(!row.critical_product && !row.key_product);
        assert_eq!(input.authorized_users, Some(vec![7]));
        assert_eq!(
            input.references,
            vec![Reference::new("authorized_users", RefKind::User, 7)]
        );
    }

    #[test]
    fn validation_messages() {
        let long = "x".repeat(256);
        let errors = read(
            &body(json!({
                "name": long, "key_product": "maybe", "authorized_users": "1",
                "critical_product": true,
            })),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["name"],
            vec!["Ensure this field has no more than 255 characters."]
        );
        assert_eq!(errors["key_product"], vec!["Must be a valid boolean."]);
        assert_eq!(
            errors["authorized_users"],
            vec!["Expected a list of items but got type \"str\"."]
        );
    }

    #[test]
    fn patch_leaves_other_fields_and_put_needs_name() {
        let current = sample();
        let (row, input) = read(
            &body(json!({"key_product": true})),
            Mode::Partial,
            Some(&current),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.name, "Web");
        assert_eq!(row.description.as_deref(), Some("apps"));
        assert!(row.key_product && row.critical_product);
        assert_eq!(input.authorized_users, None);
        let errors = read(
            &body(json!({"key_product": true})),
            Mode::Update,
            Some(&current),
        )
        .err()
        .unwrap_or_default();
        assert!(errors.contains_key("name"));
    }
}
