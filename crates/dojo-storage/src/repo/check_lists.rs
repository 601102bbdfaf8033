//! Engagement check lists.

use dojo_domain::entities::CheckList;

table! {
    entity: CheckList,
    table: "check_list",
    columns: [
        engagement_id,
        session_management,
        encryption_crypto,
        configuration_management,
        authentication,
        authorization_and_access_control,
        data_input_sanitization_validation,
        sensitive_data,
        other,
    ],
    set_on_insert: [],
    set_on_write: [],
    update: pub update,
    delete: pub delete,
}

use crate::{Conn, StorageResult};

/// The check-list categories that findings can be attached to.
pub const CATEGORIES: [&str; 8] = [
    "session_management",
    "encryption_crypto",
    "configuration_management",
    "authentication",
    "authorization_and_access_control",
    "data_input_sanitization_validation",
    "sensitive_data",
    "other",
];

fn check_category(category: &str) -> StorageResult<()> {
    if CATEGORIES.contains(&category) {
        Ok(())
    } else {
        Err(crate::StorageError::Refused(format!(
            "\"{category}\" is not a check-list category"
        )))
    }
}

/// Relates a finding to one category of the check list.
pub async fn add_finding(
    conn: &mut Conn,
    check_list_id: i64,
    category: &str,
    finding_id: i64,
) -> StorageResult<()> {
    check_category(category)?;
    dispatch!(conn, c => {
        sqlx::query(
            "INSERT INTO check_list_finding (check_list_id, category, finding_id) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(check_list_id)
        .bind(category)
        .bind(finding_id)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

/// The findings related to one category of the check list.
pub async fn findings(
    conn: &mut Conn,
    check_list_id: i64,
    category: &str,
) -> StorageResult<Vec<i64>> {
    check_category(category)?;
    Ok(dispatch!(conn, c => {
        sqlx::query_scalar::<_, i64>(
            "SELECT finding_id FROM check_list_finding WHERE check_list_id = $1 AND category = $2 \
             ORDER BY finding_id",
        )
        .bind(check_list_id)
        .bind(category)
        .fetch_all(&mut *c)
        .await?
    }))
}
