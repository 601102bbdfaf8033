//! Engagements.

use dojo_domain::entities::Engagement;

table! {
    entity: Engagement,
    table: "engagement",
    columns: [
        name,
        description,
        version,
        first_contacted,
        target_start,
        target_end,
        lead_id,
        requester_id,
        preset_id,
        reason,
        report_type_id,
        product_id,
        active,
        tracker,
        test_strategy,
        threat_model,
        api_test,
        pen_test,
        check_list,
        status,
        progress,
        tmodel_path,
        done_testing,
        engagement_type,
        build_id,
        commit_hash,
        branch_tag,
        source_code_management_uri,
        cicd_scm_server_id,
        cicd_build_server_id,
        cicd_orchestration_engine_id,
        deduplication_on_engagement,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub(crate) update_row,
    delete: pub(crate) delete_row,
}

use crate::{Conn, StorageResult};

/// Saves an engagement; when it moved to another product its findings follow.
pub async fn save(conn: &mut Conn, engagement: &Engagement) -> StorageResult<Engagement> {
    let saved = update_row(conn, engagement).await?;
    dispatch!(conn, c => {
        sqlx::query(
            "UPDATE finding SET product_id = $2 WHERE product_id <> $2 \
             AND test_id IN (SELECT id FROM test WHERE engagement_id = $1)",
        )
        .bind(saved.id)
        .bind(saved.product_id)
        .execute(&mut *c)
        .await?;
    });
    Ok(saved)
}

pub async fn list_by_product(conn: &mut Conn, product_id: i64) -> StorageResult<Vec<Engagement>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, Engagement>(
            "SELECT * FROM engagement WHERE product_id = $1 ORDER BY target_start DESC, id DESC",
        )
        .bind(product_id)
        .fetch_all(&mut *c)
        .await?
    }))
}
