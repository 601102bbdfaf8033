//! Technologies (`App_Analysis`) on the wire (api.md §3.6).

use dojo_domain::entities::AppAnalysis;
use serde_json::{json, Value};

use super::{datetime_value, RefKind, Reference};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

/// What the JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TechnologyExtra {
    pub tags: Vec<String>,
}

/// The tags a body set and the ids it names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TechnologyInput {
    pub tags: Option<Vec<String>>,
    pub references: Vec<Reference>,
}

pub fn json(row: &AppAnalysis, extra: &TechnologyExtra) -> Value {
    json!({
        "id": row.id,
        "tags": extra.tags,
        "name": row.name,
        "confidence": row.confidence,
        "version": row.version,
        "icon": row.icon,
        "website": row.website,
        "website_found": row.website_found,
        "created": datetime_value(&row.created),
        "product": row.product_id,
        "user": row.user_id,
    })
}

pub fn read(
    body: &RequestFields,
    mode: Mode,
    current: Option<&AppAnalysis>,
) -> Result<(AppAnalysis, TechnologyInput), FieldErrors> {
    let mut f = Fields::new(body, mode);
    let mut row = current.cloned().unwrap_or_else(|| AppAnalysis {
        id: 0,
        product_id: 0,
        name: String::new(),
        user_id: 0,
        confidence: None,
        version: None,
        icon: None,
        website: None,
        website_found: None,
        created: chrono::Utc::now(),
    });
    let mut input = TechnologyInput::default();
    if let Some(name) = f.required_text("name", 200) {
        row.name = name;
    }
    for (field, slot) in [("product", &mut row.product_id), ("user", &mut row.user_id)] {
        f.required(field);
        if let Some(id) = f.pk(field, Null::Forbidden).flatten() {
            let kind = if field == "user" {
                RefKind::User
            } else {
                RefKind::Product
            };
            input.references.push(Reference::new(
                if field == "user" { "user" } else { "product" },
                kind,
                id,
            ));
            *slot = id;
        }
    }
    if let Some(confidence) = f.integer("confidence", None, Null::Allowed) {
        row.confidence = confidence;
    }
    for (field, slot) in [("version", &mut row.version), ("icon", &mut row.icon)] {
        if let Some(value) = f.text(field, 200, Blank::Allowed) {
            *slot = value;
        }
    }
    for (field, slot) in [
        ("website", &mut row.website),
        ("website_found", &mut row.website_found),
    ] {
        if let Some(value) = f.url(field, 400, Blank::Allowed) {
            *slot = value;
        }
    }
    input.tags = f.tags("tags");
    f.finish()?;
    Ok((row, input))
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;

    #[test]
    fn name_product_and_user_are_required() {
        let errors = read(&body(json!({"website": "nope"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        for key in ["name", "product", "user"] {
            assert_eq!(errors[key], vec!["This field is required."], "{key}");
        }
        assert_eq!(errors["website"], vec!["Enter a valid URL."]);
        let (row, input) = read(
            &body(
                json!({"name": "nginx", "product": 2, "user": 3, "version": "1.25",
                          "confidence": 90, "tags": ["Server"]}),
            ),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((row.product_id, row.user_id), (2, 3));
        assert_eq!(input.references.len(), 2);
        assert_eq!(json(&row, &TechnologyExtra::default())["version"], "1.25");
    }
}
