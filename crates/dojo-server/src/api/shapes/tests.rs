//! Tests on the wire (api.md §3.4): `TestSerializer` for reads and updates,
//! `TestCreateSerializer` for the POST answer (model fields only, notes and
//! files as ids). `engagement` is set on create and read-only afterwards.

use dojo_domain::entities::{FindingGroup, Test};
use dojo_domain::ids::Id;
use serde_json::{Map, Value};

use super::{datetime_value, opt, push_refs, RefKind, Reference};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null, UNBOUNDED};
use crate::api::RequestFields;

/// What the JSON needs from other tables and from configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestExtra {
    pub tags: Vec<String>,
    pub test_type_name: String,
    /// The test's finding groups, each with its Jira issue in the finding
    /// shape's `jira_issue` form (or none).
    pub finding_groups: Vec<(FindingGroup, Option<Value>)>,
    /// `legacy`, `unique_id_from_tool`, `hash_code` or `unique_id_from_tool_or_hash_code`.
    pub deduplication_algorithm: String,
    pub hash_code_fields: Option<Vec<String>>,
    /// Each note in `NoteSerializer`'s shape (shapes::notes).
    pub notes: Vec<Value>,
    /// Each file as `{id, title, file}`.
    pub files: Vec<Value>,
}

/// The relations a body set, which live in other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestInput {
    pub tags: Option<Vec<String>>,
    /// Notes to attach, accepted on create only (`TestCreateSerializer`).
    pub notes: Option<Vec<Id>>,
    pub references: Vec<Reference>,
}

/// The model fields both shapes share.
fn model_fields(row: &Test, extra: &TestExtra, m: &mut Map<String, Value>) {
    m.insert("tags".into(), extra.tags.clone().into());
    m.insert("scan_type".into(), opt(row.scan_type.clone()));
    m.insert("title".into(), opt(row.title.clone()));
    m.insert("description".into(), opt(row.description.clone()));
    m.insert("target_start".into(), datetime_value(&row.target_start));
    m.insert("target_end".into(), datetime_value(&row.target_end));
    m.insert("percent_complete".into(), opt(row.percent_complete));
    m.insert("updated".into(), datetime_value(&row.updated));
    m.insert("created".into(), datetime_value(&row.created));
    m.insert("version".into(), opt(row.version.clone()));
    m.insert("build_id".into(), opt(row.build_id.clone()));
    m.insert("commit_hash".into(), opt(row.commit_hash.clone()));
    m.insert("branch_tag".into(), opt(row.branch_tag.clone()));
    m.insert("engagement".into(), row.engagement_id.into());
    m.insert("lead".into(), opt(row.lead_id));
    m.insert("test_type".into(), row.test_type_id.into());
    m.insert("environment".into(), opt(row.environment_id));
    m.insert(
        "api_scan_configuration".into(),
        opt(row.api_scan_configuration_id),
    );
}

/// The GET (and PUT/PATCH) shape.
pub fn json(row: &Test, extra: &TestExtra) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert("test_type_name".into(), extra.test_type_name.clone().into());
    let groups: Vec<Value> = extra
        .finding_groups
        .iter()
        .map(|(group, jira)| {
            let mut g = Map::new();
            g.insert("id".into(), group.id.into());
            g.insert("name".into(), group.name.clone().into());
            g.insert("test".into(), group.test_id.into());
            g.insert("jira_issue".into(), jira.clone().unwrap_or(Value::Null));
            Value::Object(g)
        })
        .collect();
    m.insert("finding_groups".into(), groups.into());
    m.insert(
        "deduplication_algorithm".into(),
        extra.deduplication_algorithm.clone().into(),
    );
    m.insert(
        "hash_code_fields".into(),
        opt(extra.hash_code_fields.clone()),
    );
    m.insert("notes".into(), extra.notes.clone().into());
    m.insert("files".into(), extra.files.clone().into());
    model_fields(row, extra, &mut m);
    Value::Object(m)
}

/// The POST answer: model fields only, `notes`/`files` as id lists.
pub fn create_json(row: &Test, extra: &TestExtra) -> Value {
    let ids = |items: &[Value]| -> Vec<Value> {
        items
            .iter()
            .filter_map(|item| item.get("id").cloned())
            .collect()
    };
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert("notes".into(), ids(&extra.notes).into());
    m.insert("files".into(), ids(&extra.files).into());
    model_fields(row, extra, &mut m);
    Value::Object(m)
}

/// Reads a create or update body. On update `engagement` is ignored (re-parenting
/// a test is not possible through the API).
pub fn read(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&Test>,
) -> Result<(Test, TestInput), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    let mut input = TestInput::default();
    let mut refs = Vec::new();

    if mode == Mode::Create {
        f.required("engagement");
        if let Some(id) = f.pk("engagement", Null::Forbidden).flatten() {
            refs.push(Reference::new("engagement", RefKind::Engagement, id));
            row.engagement_id = id;
        }
    }
    f.required("test_type");
    if let Some(id) = f.pk("test_type", Null::Forbidden).flatten() {
        refs.push(Reference::new("test_type", RefKind::TestType, id));
        row.test_type_id = id;
    }
    for (field, max, slot) in [
        ("scan_type", UNBOUNDED, &mut row.scan_type),
        ("title", 255, &mut row.title),
        ("description", UNBOUNDED, &mut row.description),
        ("version", 100, &mut row.version),
        ("build_id", 150, &mut row.build_id),
        ("commit_hash", 150, &mut row.commit_hash),
        ("branch_tag", 150, &mut row.branch_tag),
    ] {
        if let Some(v) = f.text(field, max, Blank::Allowed) {
            *slot = v;
        }
    }
    for (field, slot) in [
        ("target_start", &mut row.target_start),
        ("target_end", &mut row.target_end),
    ] {
        f.required(field);
        if let Some(v) = f.datetime(field, Null::Forbidden).flatten() {
            *slot = v;
        }
    }
    if let Some(v) = f.integer("percent_complete", None, Null::Allowed) {
        row.percent_complete = v;
    }
    for (field, kind, slot) in [
        ("lead", RefKind::User, &mut row.lead_id),
        (
            "environment",
            RefKind::DevelopmentEnvironment,
            &mut row.environment_id,
        ),
        (
            "api_scan_configuration",
            RefKind::ApiScanConfiguration,
            &mut row.api_scan_configuration_id,
        ),
    ] {
        if let Some(id) = f.pk(field, Null::Allowed) {
            if let Some(id) = id {
                refs.push(Reference::new(field, kind, id));
            }
            *slot = id;
        }
    }
    input.tags = f.tags("tags");
    if mode == Mode::Create {
        if let Some(notes) = f.pk_list("notes") {
            push_refs(&mut refs, "notes", RefKind::Note, &notes);
            input.notes = Some(notes);
        }
    }
    f.finish()?;
    input.references = refs;
    Ok((row, input))
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::{test_form_body as form, test_json_body as body};
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn sample() -> Test {
        Test {
            id: 9,
            engagement_id: 4,
            test_type_id: 12,
            scan_type: Some("ZAP Scan".into()),
            title: Some("Nightly".into()),
            target_start: at(2024, 5, 1, 0),
            target_end: at(2024, 5, 2, 0),
            percent_complete: Some(100),
            created: at(2024, 5, 1, 1) + chrono::Duration::microseconds(250),
            updated: at(2024, 5, 1, 2),
            ..Test::default()
        }
    }

    fn extra() -> TestExtra {
        TestExtra {
            tags: vec!["nightly".into()],
            test_type_name: "ZAP Scan".into(),
            finding_groups: vec![(
                FindingGroup {
                    id: 3,
                    name: "lib".into(),
                    test_id: 9,
                    creator_id: 1,
                    created: at(2024, 5, 1, 0),
                    modified: at(2024, 5, 1, 0),
                },
                None,
            )],
            deduplication_algorithm: "hash_code".into(),
            hash_code_fields: Some(vec!["title".into(), "cwe".into()]),
            notes: vec![json!({"id": 21, "entry": "x"})],
            files: vec![json!({"id": 31, "title": "t", "file": "u"})],
        }
    }

    #[test]
    fn json_has_every_field_of_the_spec() {
        let v = json(&sample(), &extra());
        let expect = json!({
            "id": 9, "tags": ["nightly"], "test_type_name": "ZAP Scan",
            "finding_groups": [{"id": 3, "name": "lib", "test": 9, "jira_issue": null}],
            "deduplication_algorithm": "hash_code", "hash_code_fields": ["title", "cwe"],
            "notes": [{"id": 21, "entry": "x"}], "files": [{"id": 31, "title": "t", "file": "u"}],
            "scan_type": "ZAP Scan", "title": "Nightly", "description": null,
            "target_start": "2024-05-01T00:00:00Z", "target_end": "2024-05-02T00:00:00Z",
            "percent_complete": 100, "updated": "2024-05-01T02:00:00Z",
            "created": "2024-05-01T01:00:00.000250Z", "version": null, "build_id": null,
            "commit_hash": null, "branch_tag": null, "engagement": 4, "lead": null,
            "test_type": 12, "environment": null, "api_scan_configuration": null,
        });
        assert_eq!(v, expect);
    }

    #[test]
    fn create_shape_has_model_fields_and_ids() {
        let v = create_json(&sample(), &extra());
        assert_eq!(v["notes"], json!([21]));
        assert_eq!(v["files"], json!([31]));
        for computed in [
            "test_type_name",
            "finding_groups",
            "deduplication_algorithm",
            "hash_code_fields",
        ] {
            assert!(v.get(computed).is_none(), "{computed}");
        }
        assert_eq!(v["engagement"], json!(4));
        assert_eq!(v["tags"], json!(["nightly"]));
    }

    #[test]
    fn dd_import_create_body_is_accepted() {
        let (row, input) = read(
            &form(&[
                ("title", "Import"),
                ("engagement", "4"),
                ("target_start", "2024-05-01T00:00:00"),
                ("target_end", "2999-12-31T00:00:00"),
                ("test_type", "12"),
                ("environment", ""),
            ]),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.engagement_id, 4);
        assert_eq!(row.target_end, at(2999, 12, 31, 0));
        assert_eq!(row.environment_id, None);
        assert_eq!(
            input.references,
            vec![
                Reference::new("engagement", RefKind::Engagement, 4),
                Reference::new("test_type", RefKind::TestType, 12),
            ]
        );
    }

    #[test]
    fn create_requires_engagement_type_and_dates() {
        let errors = read(&body(json!({"title": "x"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        for key in ["engagement", "test_type", "target_start", "target_end"] {
            assert_eq!(errors[key], vec!["This field is required."], "{key}");
        }
        assert_eq!(errors.len(), 4);
    }

    #[test]
    fn bad_values_give_drf_messages() {
        let errors = read(
            &body(json!({
                "engagement": 4, "test_type": 12, "target_start": "tomorrow",
                "target_end": "2024-05-02", "title": "t".repeat(256),
                "percent_complete": "half", "lead": "me",
            })),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["target_start"],
            vec![
                "Datetime has wrong format. Use one of these formats instead: \
                 YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            ]
        );
        assert_eq!(
            errors["title"],
            vec!["Ensure this field has no more than 255 characters."]
        );
        assert_eq!(
            errors["percent_complete"],
            vec!["A valid integer is required."]
        );
        assert_eq!(
            errors["lead"],
            vec!["Incorrect type. Expected pk value, received str."]
        );
        assert_eq!(errors.len(), 4);
    }

    #[test]
    fn engagement_is_read_only_after_create() {
        let current = sample();
        let (row, input) = read(
            &body(json!({"engagement": 99, "title": "Renamed"})),
            Mode::Partial,
            Some(&current),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.engagement_id, 4);
        assert_eq!(row.title.as_deref(), Some("Renamed"));
        assert_eq!(row.scan_type.as_deref(), Some("ZAP Scan"));
        assert_eq!(row.percent_complete, Some(100));
        assert!(input.references.is_empty());
        // PUT needs test_type and the dates, but not engagement.
        let errors = read(&body(json!({"title": "x"})), Mode::Update, Some(&current))
            .err()
            .unwrap_or_default();
        assert!(!errors.contains_key("engagement"));
        assert!(errors.contains_key("test_type"));
    }
}
