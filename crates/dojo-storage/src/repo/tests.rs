//! Tests.

use dojo_domain::entities::Test;

table! {
    entity: Test,
    table: "test",
    columns: [
        engagement_id,
        lead_id,
        test_type_id,
        scan_type,
        title,
        description,
        target_start,
        target_end,
        percent_complete,
        environment_id,
        version,
        build_id,
        commit_hash,
        branch_tag,
        api_scan_configuration_id,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub(crate) update_row,
    delete: pub(crate) delete_row,
}

use crate::{Conn, StorageResult};

/// Saves a test; when it moved to an engagement of another product its findings follow.
pub async fn save(conn: &mut Conn, test: &Test) -> StorageResult<Test> {
    let saved = update_row(conn, test).await?;
    dispatch!(conn, c => {
        sqlx::query(
            // Only rows that really move are written: saving a test is frequent
            // (every import touches it) and a test may hold 100k findings.
            "UPDATE finding SET product_id = (SELECT product_id FROM engagement WHERE id = $2) \
             WHERE test_id = $1 AND product_id <> (SELECT product_id FROM engagement WHERE id = $2)",
        )
        .bind(saved.id)
        .bind(saved.engagement_id)
        .execute(&mut *c)
        .await?;
    });
    Ok(saved)
}

pub async fn list_by_engagement(conn: &mut Conn, engagement_id: i64) -> StorageResult<Vec<Test>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, Test>("SELECT * FROM test WHERE engagement_id = $1 ORDER BY id")
            .bind(engagement_id)
            .fetch_all(&mut *c)
            .await?
    }))
}
