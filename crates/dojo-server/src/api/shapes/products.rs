//! Products on the wire (api.md §3.2): `ProductSerializer`, the model without
//! `tid`, `updated` and `async_updating`, plus active-finding counts and metadata.

use dojo_domain::entities::Product;
use dojo_domain::ids::Id;
use dojo_domain::{BusinessCriticality, Lifecycle, Origin, Platform};
use serde_json::{json, Map, Value};

use super::{datetime_value, opt, push_refs, RefKind, Reference};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

/// The `assets` alias's names for the v2 fields (api.md §3.2).
pub const ASSET_RENAMES: &[(&str, &str)] = &[
    ("prod_type", "organization"),
    ("prod_numeric_grade", "asset_numeric_grade"),
    (
        "enable_product_tag_inheritance",
        "enable_asset_tag_inheritance",
    ),
    ("product_manager", "asset_managers"),
    ("product_meta", "asset_meta"),
];

/// DefectDojo's refusal while SLA dates are recomputed (`ProductSerializer.validate`).
pub const SLA_LOCKED: &str = "Finding SLA expiration dates are currently being recalculated. \
     The SLA configuration for this product cannot be changed until the calculation is complete.";

/// What the JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductExtra {
    pub tags: Vec<String>,
    /// Active findings of the product.
    pub findings_count: i64,
    /// Ids of the active findings.
    pub findings_list: Vec<Id>,
    /// `(name, value)` of the product's custom fields.
    pub product_meta: Vec<(String, String)>,
    pub authorized_users: Vec<Id>,
    pub regulations: Vec<Id>,
}

/// The relations a body set, which live in other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductInput {
    pub tags: Option<Vec<String>>,
    pub regulations: Option<Vec<Id>>,
    /// Changing it needs staff (api.md §1.8): the handler checks.
    pub authorized_users: Option<Vec<Id>>,
    pub references: Vec<Reference>,
}

pub fn json(row: &Product, extra: &ProductExtra) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert("findings_count".into(), extra.findings_count.into());
    m.insert("findings_list".into(), extra.findings_list.clone().into());
    m.insert("tags".into(), extra.tags.clone().into());
    let meta: Vec<Value> = extra
        .product_meta
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    m.insert("product_meta".into(), meta.into());
    m.insert("name".into(), row.name.clone().into());
    m.insert("description".into(), row.description.clone().into());
    m.insert("created".into(), datetime_value(&row.created));
    m.insert("prod_numeric_grade".into(), opt(row.prod_numeric_grade));
    m.insert(
        "business_criticality".into(),
        opt(row.business_criticality.map(|c| c.as_str())),
    );
    m.insert("platform".into(), opt(row.platform.map(|p| p.as_str())));
    m.insert("lifecycle".into(), opt(row.lifecycle.map(|l| l.as_str())));
    m.insert("origin".into(), opt(row.origin.map(|o| o.as_str())));
    m.insert("user_records".into(), opt(row.user_records));
    // A decimal field: DRF sends it as a string with two places.
    m.insert("revenue".into(), opt(row.revenue()));
    for (key, value) in [
        ("external_audience", row.external_audience),
        ("internet_accessible", row.internet_accessible),
        (
            "enable_product_tag_inheritance",
            row.enable_product_tag_inheritance,
        ),
        (
            "enable_simple_risk_acceptance",
            row.enable_simple_risk_acceptance,
        ),
        (
            "enable_full_risk_acceptance",
            row.enable_full_risk_acceptance,
        ),
        (
            "disable_sla_breach_notifications",
            row.disable_sla_breach_notifications,
        ),
    ] {
        m.insert(key.into(), value.into());
    }
    m.insert("product_manager".into(), opt(row.product_manager_id));
    m.insert("technical_contact".into(), opt(row.technical_contact_id));
    m.insert("team_manager".into(), opt(row.team_manager_id));
    m.insert("prod_type".into(), row.prod_type_id.into());
    m.insert("sla_configuration".into(), row.sla_configuration_id.into());
    m.insert(
        "authorized_users".into(),
        extra.authorized_users.clone().into(),
    );
    m.insert("regulations".into(), extra.regulations.clone().into());
    Value::Object(m)
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

/// Reads a create or update body. Uniqueness of `name` and the existence of the
/// referenced rows are the caller's to check.
pub fn read(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&Product>,
) -> Result<(Product, ProductInput), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    let mut input = ProductInput::default();
    let mut refs = Vec::new();

    if let Some(name) = f.required_text("name", 255) {
        row.name = name;
    }
    if let Some(description) = f.required_text("description", 4000) {
        row.description = description;
    }
    f.required("prod_type");
    if let Some(id) = f.pk("prod_type", Null::Forbidden).flatten() {
        refs.push(Reference::new("prod_type", RefKind::ProductType, id));
        row.prod_type_id = id;
    }
    if let Some(id) = f.pk("sla_configuration", Null::Forbidden).flatten() {
        refs.push(Reference::new(
            "sla_configuration",
            RefKind::SlaConfiguration,
            id,
        ));
        row.sla_configuration_id = id;
    }
    for (field, slot) in [
        ("product_manager", &mut row.product_manager_id),
        ("technical_contact", &mut row.technical_contact_id),
        ("team_manager", &mut row.team_manager_id),
    ] {
        if let Some(id) = f.pk(field, Null::Allowed) {
            if let Some(id) = id {
                refs.push(Reference::new(field, RefKind::User, id));
            }
            *slot = id;
        }
    }
    read_choices(&mut f, &mut row);
    if let Some(v) = f.integer("prod_numeric_grade", None, Null::Allowed) {
        row.prod_numeric_grade = v;
    }
    if let Some(v) = f.integer("user_records", Some(0), Null::Allowed) {
        row.user_records = v;
    }
    if let Some(revenue) = f.decimal_string("revenue", 15, 2, true, Null::Allowed) {
        match revenue
            .map(|text| Product::parse_revenue(&text))
            .transpose()
        {
            Ok(cents) => row.revenue_cents = cents,
            Err(e) => f.error("revenue", e.message),
        }
    }
    for (field, slot) in [
        ("external_audience", &mut row.external_audience),
        ("internet_accessible", &mut row.internet_accessible),
        (
            "enable_product_tag_inheritance",
            &mut row.enable_product_tag_inheritance,
        ),
        (
            "enable_simple_risk_acceptance",
            &mut row.enable_simple_risk_acceptance,
        ),
        (
            "enable_full_risk_acceptance",
            &mut row.enable_full_risk_acceptance,
        ),
        (
            "disable_sla_breach_notifications",
            &mut row.disable_sla_breach_notifications,
        ),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    input.tags = f.tags("tags");
    if let Some(users) = f.pk_list("authorized_users") {
        push_refs(&mut refs, "authorized_users", RefKind::User, &users);
        input.authorized_users = Some(users);
    }
    if let Some(regulations) = f.pk_list("regulations") {
        push_refs(&mut refs, "regulations", RefKind::Regulation, &regulations);
        input.regulations = Some(regulations);
    }

    // DRF's object-level check runs only once every field is valid.
    if !f.has_errors() {
        if let Some(old) = current {
            if old.async_updating && old.sla_configuration_id != row.sla_configuration_id {
                f.non_field_error(SLA_LOCKED);
            }
        }
    }
    f.finish()?;
    input.references = refs;
    Ok((row, input))
}

/// The four choice fields; each accepts `""` and null as "unset".
fn read_choices(f: &mut Fields<'_>, row: &mut Product) {
    let criticality = names(BusinessCriticality::ALL, BusinessCriticality::as_str);
    if let Some(v) = f.choice("business_criticality", &criticality, Blank::Allowed) {
        row.business_criticality = v.and_then(|s| s.parse().ok());
    }
    let platforms = names(Platform::ALL, Platform::as_str);
    if let Some(v) = f.choice("platform", &platforms, Blank::Allowed) {
        row.platform = v.and_then(|s| s.parse().ok());
    }
    let lifecycles = names(Lifecycle::ALL, Lifecycle::as_str);
    if let Some(v) = f.choice("lifecycle", &lifecycles, Blank::Allowed) {
        row.lifecycle = v.and_then(|s| s.parse().ok());
    }
    let origins = names(Origin::ALL, Origin::as_str);
    if let Some(v) = f.choice("origin", &origins, Blank::Allowed) {
        row.origin = v.and_then(|s| s.parse().ok());
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::{test_form_body as form, test_json_body as body};
    use chrono::{TimeZone, Utc};

    fn sample() -> Product {
        Product {
            id: 8,
            name: "Shop".into(),
            description: "The shop".into(),
            prod_type_id: 2,
            business_criticality: Some(BusinessCriticality::High),
            platform: Some(Platform::WebService),
            revenue_cents: Some(123_450),
            user_records: Some(10),
            created: Utc
                .with_ymd_and_hms(2024, 2, 3, 4, 5, 6)
                .single()
                .unwrap_or_default(),
            ..Product::default()
        }
    }

    #[test]
    fn json_has_every_field_of_the_spec() {
        let extra = ProductExtra {
            tags: vec!["pci".into()],
            findings_count: 2,
            findings_list: vec![11, 12],
            product_meta: vec![("env".into(), "prod".into())],
            authorized_users: vec![5],
            regulations: vec![1],
        };
        let v = json(&sample(), &extra);
        let expect = json!({
            "id": 8, "findings_count": 2, "findings_list": [11, 12], "tags": ["pci"],
            "product_meta": [{"name": "env", "value": "prod"}], "name": "Shop",
            "description": "The shop", "created": "2024-02-03T04:05:06Z",
            "prod_numeric_grade": null, "business_criticality": "high",
            "platform": "web service", "lifecycle": null, "origin": null, "user_records": 10,
            "revenue": "1234.50", "external_audience": false, "internet_accessible": false,
            "enable_product_tag_inheritance": false, "enable_simple_risk_acceptance": false,
            "enable_full_risk_acceptance": true, "disable_sla_breach_notifications": false,
            "product_manager": null, "technical_contact": null, "team_manager": null,
            "prod_type": 2, "sla_configuration": 1, "authorized_users": [5], "regulations": [1],
        });
        assert_eq!(v, expect);
        assert!(v.get("updated").is_none() && v.get("tid").is_none());
        let asset = super::super::rename_keys(v, ASSET_RENAMES);
        assert_eq!(asset["organization"], json!(2));
        assert_eq!(asset["asset_meta"][0]["name"], json!("env"));
    }

    #[test]
    fn create_requires_name_description_and_type() {
        let errors = read(&body(json!({"revenue": "1"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        for key in ["name", "description", "prod_type"] {
            assert_eq!(errors[key], vec!["This field is required."], "{key}");
        }
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn create_applies_values_and_lists_references() {
        let (row, input) = read(
            &body(json!({
                "name": "App", "description": "d", "prod_type": 1, "revenue": 99.5,
                "platform": "mobile", "business_criticality": "", "user_records": "7",
                "product_manager": 4, "tags": ["A", "b"], "regulations": [2, 3],
                "enable_full_risk_acceptance": false, "findings_count": 99,
            })),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.revenue(), Some("99.50".into()));
        assert_eq!(row.platform, Some(Platform::Mobile));
        assert_eq!(row.business_criticality, None);
        assert_eq!(row.user_records, Some(7));
        assert_eq!(row.product_manager_id, Some(4));
        assert_eq!(row.sla_configuration_id, 1);
        assert!(!row.enable_full_risk_acceptance);
        assert_eq!(input.tags, Some(vec!["a".into(), "b".into()]));
        assert_eq!(input.regulations, Some(vec![2, 3]));
        assert_eq!(input.authorized_users, None);
        assert_eq!(
            input.references,
            vec![
                Reference::new("prod_type", RefKind::ProductType, 1),
                Reference::new("product_manager", RefKind::User, 4),
                Reference::new("regulations", RefKind::Regulation, 2),
                Reference::new("regulations", RefKind::Regulation, 3),
            ]
        );
    }

    #[test]
    fn bad_values_give_drf_messages() {
        let errors = read(
            &body(json!({
                "name": "x".repeat(256), "description": "", "prod_type": "abc",
                "platform": "Web", "user_records": -1, "revenue": "-5",
                "prod_numeric_grade": "A", "internet_accessible": "sometimes",
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
        assert_eq!(errors["description"], vec!["This field may not be blank."]);
        assert_eq!(
            errors["prod_type"],
            vec!["Incorrect type. Expected pk value, received str."]
        );
        assert_eq!(errors["platform"], vec!["\"Web\" is not a valid choice."]);
        assert_eq!(
            errors["user_records"],
            vec!["Ensure this value is greater than or equal to 0."]
        );
        assert_eq!(
            errors["revenue"],
            vec!["Ensure this value is greater than or equal to 0.00."]
        );
        assert_eq!(
            errors["prod_numeric_grade"],
            vec!["A valid integer is required."]
        );
        assert_eq!(
            errors["internet_accessible"],
            vec!["Must be a valid boolean."]
        );
    }

    #[test]
    fn patch_leaves_other_fields_untouched() {
        let current = sample();
        let (row, input) = read(
            &form(&[("internet_accessible", "True"), ("lifecycle", "")]),
            Mode::Partial,
            Some(&current),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(row.internet_accessible);
        assert_eq!(row.name, "Shop");
        assert_eq!(row.revenue_cents, Some(123_450));
        assert_eq!(row.platform, Some(Platform::WebService));
        assert_eq!(input, ProductInput::default());
        // Null clears a nullable field.
        let (row, _) = read(
            &body(json!({"revenue": null, "platform": null})),
            Mode::Partial,
            Some(&current),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((row.revenue_cents, row.platform), (None, None));
    }

    #[test]
    fn sla_change_is_refused_while_recalculating() {
        let mut current = sample();
        current.async_updating = true;
        let errors = read(
            &body(json!({"sla_configuration": 2})),
            Mode::Partial,
            Some(&current),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errors["non_field_errors"], vec![SLA_LOCKED]);
        assert!(read(
            &body(json!({"sla_configuration": 1})),
            Mode::Partial,
            Some(&current)
        )
        .is_ok());
    }
}
