//! Whether the ids a request body refers to exist (DRF's "Invalid pk").

use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;

use crate::api::shapes::{RefKind, Reference};
use crate::api::RequestFields;
use crate::error::ApiError;

/// The table a reference points into, and an extra condition on its rows.
fn target(kind: RefKind) -> (&'static str, Option<(&'static str, &'static str)>) {
    match kind {
        RefKind::ProductType => ("product_type", None),
        RefKind::Product => ("product", None),
        RefKind::Engagement => ("engagement", None),
        RefKind::TestType => ("test_type", None),
        RefKind::User => ("dojo_user", None),
        RefKind::Regulation => ("regulation", None),
        RefKind::SlaConfiguration => ("sla_configuration", None),
        RefKind::DevelopmentEnvironment => ("development_environment", None),
        RefKind::Contact => ("contact", None),
        RefKind::EngagementPreset => ("engagement_presets", None),
        RefKind::ReportType => ("report_type", None),
        RefKind::Cicd(kind) => (
            "cicd_infrastructure",
            Some(("infrastructure_type", kind.as_str())),
        ),
        RefKind::ApiScanConfiguration => ("product_api_scan_configuration", None),
        RefKind::Note => ("notes", None),
        RefKind::File => ("file_upload", None),
        RefKind::Endpoint => ("endpoint", None),
        RefKind::Finding => ("finding", None),
    }
}

/// 400 `{"field": ["Invalid pk \"9\" - object does not exist."]}` for the first
/// reference that points nowhere.
pub async fn check(conn: &mut Conn, references: &[Reference]) -> Result<(), ApiError> {
    for reference in references {
        let (table, condition) = target(reference.kind);
        let mut params: Vec<Param> = vec![reference.id.into()];
        let mut sql = format!("SELECT id FROM {table} WHERE id = $1");
        if let Some((column, value)) = condition {
            params.push(value.into());
            sql.push_str(&format!(" AND {column} = $2"));
        }
        let found: Vec<(i64,)> = bulk::fetch_all(conn, &sql, &params).await?;
        if found.is_empty() {
            return Err(ApiError::Fields(reference.missing()));
        }
    }
    Ok(())
}

/// The parent id a create body names, read before the body is validated so the
/// permission on it can be checked first (api.md §1.8): missing → 400 with
/// DefectDojo's `detail`, not a number → 400 on the field.
pub fn parent_id(body: &RequestFields, field: &str) -> Result<i64, ApiError> {
    let Some(text) = body.text(field) else {
        return Err(ApiError::BadRequestDetail(format!(
            "Unable to check for permissions: Attribute '{field}' is required"
        )));
    };
    text.trim()
        .parse()
        .map_err(|_| ApiError::field(field, "Incorrect type. Expected pk value, received str."))
}

/// DRF's unique validator, run before a write: whether a row of `table` other
/// than `id` already holds `value` in `column`. Callers name their table and
/// column as literals; no request text reaches the SQL.
pub async fn held_by_another(
    conn: &mut Conn,
    table: &str,
    column: &str,
    value: Param,
    id: i64,
) -> Result<bool, ApiError> {
    let rows: Vec<(i64,)> = bulk::fetch_all(
        conn,
        &format!("SELECT id FROM {table} WHERE {column} = $1 AND id <> $2"),
        &[value, id.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}
