//! `test_imports` (api.md §3.4): the history of each import and reimport of a
//! test, with one action per finding it touched.

use dojo_domain::entities::{TestImport, TestImportFindingAction};
use serde_json::{json, Value};

use super::datetime_value;

/// A test import as DefectDojo renders it; `actions` are its own, by id.
pub fn json(row: &TestImport, actions: &[TestImportFindingAction]) -> Value {
    let mut affected: Vec<i64> = actions.iter().map(|a| a.finding_id).collect();
    affected.sort_unstable();
    affected.dedup();
    json!({
        "id": row.id,
        "created": datetime_value(&row.created),
        "modified": datetime_value(&row.modified),
        "type": row.import_type.as_str(),
        "version": row.version,
        "build_id": row.build_id,
        "commit_hash": row.commit_hash,
        "branch_tag": row.branch_tag,
        "test": row.test_id,
        "findings_affected": affected,
        "import_settings": row.import_settings.as_ref().and_then(|s| serde_json::to_value(s).ok()),
        "test_import_finding_action_set": actions.iter().map(action_json).collect::<Vec<_>>(),
    })
}

fn action_json(action: &TestImportFindingAction) -> Value {
    json!({
        "id": action.id,
        "created": datetime_value(&action.created),
        "modified": datetime_value(&action.modified),
        "action": action.action.as_str(),
        "test_import": action.test_import_id,
        "finding": action.finding_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use dojo_domain::{ImportAction, TestImportType};

    #[test]
    fn renders_defectdojos_fields_and_the_findings_affected() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
            .single()
            .expect("a valid instant");
        let row = TestImport {
            id: 9,
            test_id: 3,
            import_settings: serde_json::from_value(json!({"active": true})).ok(),
            import_type: TestImportType::Reimport,
            version: Some("1.2".into()),
            build_id: None,
            commit_hash: Some("abc".into()),
            branch_tag: None,
            created: at,
            modified: at,
        };
        let action = |id, finding_id, action| TestImportFindingAction {
            id,
            test_import_id: 9,
            finding_id,
            action,
            created: at,
            modified: at,
        };
        let body = json(
            &row,
            &[
                action(1, 20, ImportAction::Created),
                action(2, 10, ImportAction::Closed),
            ],
        );
        assert_eq!(body["type"], "reimport");
        assert_eq!(body["test"], 3);
        assert_eq!(body["findings_affected"], json!([10, 20]));
        assert_eq!(body["import_settings"], json!({"active": true}));
        assert_eq!(body["created"], "2026-03-04T05:06:07Z");
        assert_eq!(
            body["test_import_finding_action_set"][1],
            json!({"id": 2, "created": "2026-03-04T05:06:07Z", "modified": "2026-03-04T05:06:07Z",
                   "action": "C", "test_import": 9, "finding": 10})
        );
    }
}
