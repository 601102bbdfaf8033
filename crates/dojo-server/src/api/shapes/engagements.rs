//! Engagements on the wire (api.md §3.3): `EngagementSerializer`, the model
//! without `inherited_tags`, with notes and files nested and read-only.

use dojo_domain::entities::Engagement;
use dojo_domain::ids::Id;
use dojo_domain::{CicdInfrastructureType, EngagementStatus, EngagementType};
use serde_json::{Map, Value};

use super::{date_value, datetime_value, opt, RefKind, Reference};
use crate::api::fields::{Blank, FieldErrors, Fields, Mode, Null};
use crate::api::RequestFields;

/// `EngagementSerializer.validate`, on POST only (api.md §3.3).
pub const DATES_REVERSED: &str = "Your target start date exceeds your target end date";

/// What the JSON needs from other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngagementExtra {
    pub tags: Vec<String>,
    /// Each note in `NoteSerializer`'s shape (shapes::notes).
    pub notes: Vec<Value>,
    /// Each file as `{id, title, file}`.
    pub files: Vec<Value>,
    pub risk_acceptance: Vec<Id>,
}

/// The relations a body set, which live in other tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngagementInput {
    pub tags: Option<Vec<String>>,
    pub references: Vec<Reference>,
}

pub fn json(row: &Engagement, extra: &EngagementExtra) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), row.id.into());
    m.insert("tags".into(), extra.tags.clone().into());
    m.insert("notes".into(), extra.notes.clone().into());
    m.insert("files".into(), extra.files.clone().into());
    m.insert("created".into(), datetime_value(&row.created));
    m.insert("updated".into(), datetime_value(&row.updated));
    m.insert("name".into(), opt(row.name.clone()));
    m.insert("description".into(), opt(row.description.clone()));
    m.insert("version".into(), opt(row.version.clone()));
    m.insert(
        "first_contacted".into(),
        row.first_contacted.as_ref().map_or(Value::Null, date_value),
    );
    m.insert("target_start".into(), date_value(&row.target_start));
    m.insert("target_end".into(), date_value(&row.target_end));
    m.insert("reason".into(), opt(row.reason.clone()));
    m.insert("active".into(), row.active.into());
    m.insert("tracker".into(), opt(row.tracker.clone()));
    m.insert("test_strategy".into(), opt(row.test_strategy.clone()));
    m.insert("threat_model".into(), row.threat_model.into());
    m.insert("api_test".into(), row.api_test.into());
    m.insert("pen_test".into(), row.pen_test.into());
    m.insert("check_list".into(), row.check_list.into());
    m.insert("status".into(), row.status.as_str().into());
    m.insert("progress".into(), row.progress.clone().into());
    m.insert("tmodel_path".into(), row.tmodel_path.clone().into());
    m.insert("done_testing".into(), row.done_testing.into());
    m.insert(
        "engagement_type".into(),
        row.engagement_type.as_str().into(),
    );
    m.insert("build_id".into(), opt(row.build_id.clone()));
    m.insert("commit_hash".into(), opt(row.commit_hash.clone()));
    m.insert("branch_tag".into(), opt(row.branch_tag.clone()));
    m.insert(
        "source_code_management_uri".into(),
        opt(row.source_code_management_uri.clone()),
    );
    m.insert(
        "deduplication_on_engagement".into(),
        row.deduplication_on_engagement.into(),
    );
    m.insert("lead".into(), opt(row.lead_id));
    m.insert("requester".into(), opt(row.requester_id));
    m.insert("preset".into(), opt(row.preset_id));
    m.insert("report_type".into(), opt(row.report_type_id));
    m.insert("product".into(), row.product_id.into());
    m.insert("cicd_scm_server".into(), opt(row.cicd_scm_server_id));
    m.insert("cicd_build_server".into(), opt(row.cicd_build_server_id));
    m.insert(
        "cicd_orchestration_engine".into(),
        opt(row.cicd_orchestration_engine_id),
    );
    m.insert(
        "risk_acceptance".into(),
        extra.risk_acceptance.clone().into(),
    );
    Value::Object(m)
}

/// Reads a create or update body. `active`, `progress`, `tmodel_path`,
/// `done_testing`, notes, files and risk acceptances are read-only (changed by
/// the close/reopen actions and their own routes); 2.x CI/CD field names are
/// ignored like any unknown field.
pub fn read(
    fields: &RequestFields,
    mode: Mode,
    current: Option<&Engagement>,
) -> Result<(Engagement, EngagementInput), FieldErrors> {
    let mut f = Fields::new(fields, mode);
    let mut row = current.cloned().unwrap_or_default();
    let mut input = EngagementInput::default();
    let mut refs = Vec::new();

    read_texts(&mut f, &mut row);
    if let Some(v) = f.date("first_contacted", Null::Allowed) {
        row.first_contacted = v;
    }
    f.required("target_start");
    if let Some(v) = f.date("target_start", Null::Forbidden).flatten() {
        row.target_start = v;
    }
    f.required("target_end");
    if let Some(v) = f.date("target_end", Null::Forbidden).flatten() {
        row.target_end = v;
    }
    for (field, slot) in [
        ("threat_model", &mut row.threat_model),
        ("api_test", &mut row.api_test),
        ("pen_test", &mut row.pen_test),
        ("check_list", &mut row.check_list),
        (
            "deduplication_on_engagement",
            &mut row.deduplication_on_engagement,
        ),
    ] {
        if let Some(v) = f.boolean(field) {
            *slot = v;
        }
    }
    let statuses: Vec<&str> = EngagementStatus::ALL.iter().map(|s| s.as_str()).collect();
    if let Some(v) = f.choice("status", &statuses, Blank::NullOnly) {
        // The column is nullable in DefectDojo, which heals an empty status to
        // the default on save; Dojo stores the default straight away.
        row.status = v.and_then(|s| s.parse().ok()).unwrap_or_default();
    }
    let types: Vec<&str> = EngagementType::ALL.iter().map(|t| t.as_str()).collect();
    if let Some(v) = f.choice("engagement_type", &types, Blank::NullOnly) {
        // Null is stored as the default: the row keeps a type.
        row.engagement_type = v.and_then(|s| s.parse().ok()).unwrap_or_default();
    }

    f.required("product");
    if let Some(id) = f.pk("product", Null::Forbidden).flatten() {
        refs.push(Reference::new("product", RefKind::Product, id));
        row.product_id = id;
    }
    for (field, kind, slot) in [
        ("lead", RefKind::User, &mut row.lead_id),
        ("requester", RefKind::Contact, &mut row.requester_id),
        ("preset", RefKind::EngagementPreset, &mut row.preset_id),
        ("report_type", RefKind::ReportType, &mut row.report_type_id),
        (
            "cicd_scm_server",
            RefKind::Cicd(CicdInfrastructureType::ScmServer),
            &mut row.cicd_scm_server_id,
        ),
        (
            "cicd_build_server",
            RefKind::Cicd(CicdInfrastructureType::BuildServer),
            &mut row.cicd_build_server_id,
        ),
        (
            "cicd_orchestration_engine",
            RefKind::Cicd(CicdInfrastructureType::Orchestration),
            &mut row.cicd_orchestration_engine_id,
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

    // DRF's object-level check: after the fields, and on POST only.
    if mode == Mode::Create && !f.has_errors() && row.target_start > row.target_end {
        f.non_field_error(DATES_REVERSED);
    }
    f.finish()?;
    input.references = refs;
    Ok((row, input))
}

/// The free-text and URL fields, all optional and clearable.
fn read_texts(f: &mut Fields<'_>, row: &mut Engagement) {
    for (field, max, slot) in [
        ("name", 300, &mut row.name),
        ("description", 2000, &mut row.description),
        ("version", 100, &mut row.version),
        ("reason", 2000, &mut row.reason),
        ("build_id", 150, &mut row.build_id),
        ("commit_hash", 150, &mut row.commit_hash),
        ("branch_tag", 150, &mut row.branch_tag),
    ] {
        if let Some(v) = f.text(field, max, Blank::Allowed) {
            *slot = v;
        }
    }
    for (field, max, slot) in [
        ("tracker", 200, &mut row.tracker),
        ("test_strategy", 200, &mut row.test_strategy),
        (
            "source_code_management_uri",
            600,
            &mut row.source_code_management_uri,
        ),
    ] {
        if let Some(v) = f.url(field, max, Blank::Allowed) {
            *slot = v;
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::api::body::test_json_body as body;
    use chrono::{NaiveDate, TimeZone, Utc};
    use serde_json::json;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn sample() -> Engagement {
        Engagement {
            id: 4,
            name: Some("Q1".into()),
            target_start: day(2024, 1, 1),
            target_end: day(2024, 1, 31),
            product_id: 2,
            lead_id: Some(1),
            created: Utc
                .with_ymd_and_hms(2024, 1, 1, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            updated: Utc
                .with_ymd_and_hms(2024, 1, 2, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            ..Engagement::default()
        }
    }

    #[test]
    fn json_has_every_field_of_the_spec() {
        let extra = EngagementExtra {
            tags: vec!["ci".into()],
            notes: vec![json!({"id": 1})],
            files: vec![],
            risk_acceptance: vec![6],
        };
        let v = json(&sample(), &extra);
        let expect = json!({
            "id": 4, "tags": ["ci"], "notes": [{"id": 1}], "files": [],
            "created": "2024-01-01T08:00:00Z", "updated": "2024-01-02T08:00:00Z",
            "name": "Q1", "description": null, "version": null, "first_contacted": null,
            "target_start": "2024-01-01", "target_end": "2024-01-31", "reason": null,
            "active": true, "tracker": null, "test_strategy": null, "threat_model": true,
            "api_test": true, "pen_test": true, "check_list": true, "status": "Not Started",
            "progress": "threat_model", "tmodel_path": "none", "done_testing": false,
            "engagement_type": "Interactive", "build_id": null, "commit_hash": null,
            "branch_tag": null, "source_code_management_uri": null,
            "deduplication_on_engagement": false, "lead": 1, "requester": null,
            "preset": null, "report_type": null, "product": 2, "cicd_scm_server": null,
            "cicd_build_server": null, "cicd_orchestration_engine": null,
            "risk_acceptance": [6],
        });
        assert_eq!(v, expect);
        assert!(v.get("prefetch").is_none() && v.get("inherited_tags").is_none());
    }

    #[test]
    fn create_requires_dates_and_product() {
        let errors = read(&body(json!({"name": "x"})), Mode::Create, None)
            .err()
            .unwrap_or_default();
        for key in ["target_start", "target_end", "product"] {
            assert_eq!(errors[key], vec!["This field is required."], "{key}");
        }
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn create_reads_values_and_references() {
        let (row, input) = read(
            &body(json!({
                "product": 2, "target_start": "2024-05-01", "target_end": "2024-05-02",
                "engagement_type": "CI/CD", "status": "In Progress", "lead": "3",
                "cicd_build_server": 9, "tags": "[\"Tag\"]", "active": false,
                "source_code_management_uri": "https://git.example.com/repo",
                "build_server": 5,
            })),
            Mode::Create,
            None,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.engagement_type, EngagementType::CiCd);
        assert_eq!(row.status, EngagementStatus::InProgress);
        assert!(row.active, "active is read-only");
        assert_eq!(row.lead_id, Some(3));
        assert_eq!(input.tags, Some(vec!["tag".into()]));
        assert_eq!(
            input.references,
            vec![
                Reference::new("product", RefKind::Product, 2),
                Reference::new("lead", RefKind::User, 3),
                Reference::new(
                    "cicd_build_server",
                    RefKind::Cicd(CicdInfrastructureType::BuildServer),
                    9
                ),
            ]
        );
    }

    #[test]
    fn reversed_dates_are_refused_on_create_only() {
        let b = body(json!({
            "product": 2, "target_start": "2024-05-03", "target_end": "2024-05-02",
        }));
        let errors = read(&b, Mode::Create, None).err().unwrap_or_default();
        assert_eq!(errors["non_field_errors"], vec![DATES_REVERSED]);
        assert!(read(&b, Mode::Update, Some(&sample())).is_ok());
    }

    #[test]
    fn bad_values_give_drf_messages() {
        let errors = read(
            &body(json!({
                "product": 2, "target_start": "01/05/2024", "target_end": "2024-05-02",
                "status": "Done", "version": "v".repeat(101), "tracker": "not a url",
                "lead": [1], "engagement_type": "",
            })),
            Mode::Create,
            None,
        )
        .err()
        .unwrap_or_default();
        assert_eq!(
            errors["target_start"],
            vec!["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
        );
        assert_eq!(errors["status"], vec!["\"Done\" is not a valid choice."]);
        assert_eq!(
            errors["version"],
            vec!["Ensure this field has no more than 100 characters."]
        );
        assert_eq!(errors["tracker"], vec!["Enter a valid URL."]);
        assert_eq!(
            errors["lead"],
            vec!["Incorrect type. Expected pk value, received list."]
        );
        assert_eq!(
            errors["engagement_type"],
            vec!["\"\" is not a valid choice."]
        );
        assert!(!errors.contains_key("non_field_errors"));
    }

    #[test]
    fn patch_leaves_other_fields_untouched() {
        let current = sample();
        let (row, input) = read(
            &body(json!({"status": null, "lead": null, "description": "new"})),
            Mode::Partial,
            Some(&current),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(row.description.as_deref(), Some("new"));
        assert_eq!(row.lead_id, None);
        assert_eq!(row.status, EngagementStatus::NotStarted);
        assert_eq!(row.name.as_deref(), Some("Q1"));
        assert_eq!(row.target_end, day(2024, 1, 31));
        assert_eq!(input, EngagementInput::default());
    }
}
