//! The wire shapes of API resources: pure functions from rows to DefectDojo's
//! JSON and from request bodies to rows, with no database access. Handlers load
//! what a shape needs from other tables into its `*Extra` struct, and check that
//! the ids a body references exist (see [`Reference`]) after `read`.

pub mod configuration;
pub mod endpoints;
pub mod engagements;
pub mod finding_templates;
pub mod findings;
pub mod members;
pub mod metadata;
pub mod notes;
pub mod notifications;
pub mod product_types;
pub mod products;
pub mod risk_acceptances;
pub mod technologies;
pub mod test_imports;
pub mod test_types;
pub mod tests;
pub mod users;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use dojo_domain::ids::Id;
use serde_json::{Map, Value};

use crate::api::fields::FieldErrors;

/// DRF's datetime output: UTC ISO-8601 with `Z`, microseconds only when non-zero.
pub fn datetime_value(at: &DateTime<Utc>) -> Value {
    // A leap second carries nanoseconds past one second; clamp rather than overflow.
    let micros = (at.nanosecond() / 1_000).min(999_999);
    let base = at.format("%Y-%m-%dT%H:%M:%S");
    Value::String(if micros == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{micros:06}Z")
    })
}

/// DRF's date output: `YYYY-MM-DD`.
pub fn date_value(day: &NaiveDate) -> Value {
    Value::String(day.format("%Y-%m-%d").to_string())
}

/// An optional value, `null` when absent.
pub fn opt<T: Into<Value>>(value: Option<T>) -> Value {
    value.map_or(Value::Null, Into::into)
}

/// The table a referenced id must be found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    ProductType,
    Product,
    Engagement,
    TestType,
    User,
    Regulation,
    SlaConfiguration,
    DevelopmentEnvironment,
    /// An engagement's requester.
    Contact,
    EngagementPreset,
    ReportType,
    /// A CI/CD infrastructure row of this type (DefectDojo's `limit_choices_to`:
    /// a row of another type "does not exist" for the field).
    Cicd(dojo_domain::CicdInfrastructureType),
    ApiScanConfiguration,
    Note,
    File,
    Endpoint,
    Finding,
}

/// An id a request body names, to be checked by the handler. Only supplied
/// fields are listed, as DRF validates only what it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub field: &'static str,
    pub kind: RefKind,
    pub id: Id,
}

impl Reference {
    pub fn new(field: &'static str, kind: RefKind, id: Id) -> Self {
        Self { field, kind, id }
    }

    /// DRF's 400 for an id that does not exist (or may not be used).
    pub fn missing(&self) -> FieldErrors {
        FieldErrors::from([(
            self.field.to_owned(),
            vec![format!(
                "Invalid pk \"{}\" - object does not exist.",
                self.id
            )],
        )])
    }
}

/// Renames the keys of a JSON object (for the `assets` / `organizations`
/// aliases); `renames` holds `(v2 name, alias name)` pairs.
pub fn rename_keys(value: Value, renames: &[(&str, &str)]) -> Value {
    let Value::Object(map) = value else {
        return value;
    };
    let renamed: Map<String, Value> = map
        .into_iter()
        .map(|(key, v)| {
            let key = renames
                .iter()
                .find(|(from, _)| *from == key)
                .map_or(key, |(_, to)| (*to).to_owned());
            (key, v)
        })
        .collect();
    Value::Object(renamed)
}

/// The inverse of [`rename_keys`] for a request body: alias names become the
/// v2 names `read` understands.
pub fn rename_fields(body: &mut crate::api::RequestFields, renames: &[(&str, &str)]) {
    for (v2, alias) in renames {
        if let Some(values) = body.values.remove(*alias) {
            body.values.insert((*v2).to_owned(), values);
        }
    }
}

/// Adds the references of supplied optional ids.
fn push_refs(refs: &mut Vec<Reference>, field: &'static str, kind: RefKind, ids: &[Id]) {
    refs.extend(ids.iter().map(|id| Reference::new(field, kind, *id)));
}

#[cfg(test)]
mod unit {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn datetimes_show_microseconds_only_when_set() {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 10, 20, 30).single();
        let at = at.unwrap_or_default();
        assert_eq!(datetime_value(&at), json!("2024-05-01T10:20:30Z"));
        let later = at + chrono::Duration::microseconds(1500);
        assert_eq!(datetime_value(&later), json!("2024-05-01T10:20:30.001500Z"));
    }

    #[test]
    fn aliases_rename_both_ways() {
        let out = rename_keys(
            json!({"prod_type": 1, "name": "x"}),
            &[("prod_type", "organization")],
        );
        assert_eq!(out, json!({"organization": 1, "name": "x"}));
        let mut body = crate::api::RequestFields::default();
        body.values.insert("organization".into(), vec![json!(2)]);
        rename_fields(&mut body, &[("prod_type", "organization")]);
        assert_eq!(body.values.get("prod_type"), Some(&vec![json!(2)]));
    }

    #[test]
    fn missing_reference_message() {
        let r = Reference::new("lead", RefKind::User, 9);
        assert_eq!(
            r.missing()["lead"],
            vec!["Invalid pk \"9\" - object does not exist."]
        );
    }
}
