//! Findings.

use dojo_domain::entities::Finding;

table! {
    entity: Finding,
    table: "finding",
    columns: [
        test_id,
        product_id,
        title,
        date,
        sla_start_date,
        sla_expiration_date,
        cwe,
        cve,
        epss_score,
        epss_percentile,
        known_exploited,
        ransomware_used,
        kev_date,
        cvssv3,
        cvssv3_score,
        cvssv4,
        cvssv4_score,
        url,
        severity,
        description,
        mitigation,
        fix_available,
        fix_version,
        impact,
        steps_to_reproduce,
        severity_justification,
        refs,
        active,
        verified,
        false_p,
        duplicate,
        duplicate_finding_id,
        out_of_scope,
        risk_accepted,
        under_review,
        last_status_update,
        review_requested_by_id,
        under_defect_review,
        defect_review_requested_by_id,
        is_mitigated,
        thread_id,
        mitigated,
        mitigated_by_id,
        reporter_id,
        numerical_severity,
        last_reviewed,
        last_reviewed_by_id,
        param,
        payload,
        hash_code,
        line,
        file_path,
        component_name,
        component_version,
        static_finding,
        dynamic_finding,
        scanner_confidence,
        unique_id_from_tool,
        vuln_id_from_tool,
        sast_source_object,
        sast_sink_object,
        sast_source_line,
        sast_source_file_path,
        nb_occurences,
        publish_date,
        service,
        planned_remediation_date,
        planned_remediation_version,
        effort_for_fixing,
    ],
    set_on_insert: [created],
    set_on_write: [updated],
    update: pub(crate) update_row,
    delete: pub(crate) delete_row,
}

use dojo_domain::entities::{canonical_cwe, vulnerability_id_type};

use crate::{Conn, StorageResult};

async fn product_of_test(conn: &mut Conn, test_id: i64) -> StorageResult<i64> {
    let product = dispatch!(conn, c => {
        sqlx::query_scalar::<_, i64>(
            "SELECT e.product_id FROM test t JOIN engagement e ON e.id = t.engagement_id WHERE t.id = $1",
        )
        .bind(test_id)
        .fetch_optional(&mut *c)
        .await?
    });
    product.ok_or(crate::StorageError::NotFound {
        entity: "test",
        id: test_id,
    })
}

/// Stores a new finding in its test, with DefectDojo's save-time normalisation.
pub async fn create(conn: &mut Conn, finding: &Finding) -> StorageResult<Finding> {
    let mut finding = finding.clone();
    finding.normalise_for_save();
    finding.product_id = product_of_test(conn, finding.test_id).await?;
    insert(conn, &finding).await
}

/// Saves a changed finding, with the same normalisation as `create`.
pub async fn save(conn: &mut Conn, finding: &Finding) -> StorageResult<Finding> {
    let mut finding = finding.clone();
    finding.normalise_for_save();
    finding.product_id = product_of_test(conn, finding.test_id).await?;
    update_row(conn, &finding).await
}

/// The findings of a test, by id.
pub async fn list_by_test(conn: &mut Conn, test_id: i64) -> StorageResult<Vec<Finding>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, Finding>("SELECT * FROM finding WHERE test_id = $1 ORDER BY id")
            .bind(test_id)
            .fetch_all(&mut *c)
            .await?
    }))
}

/// Findings of a product with the given hash code (the de-duplication lookup).
pub async fn find_by_hash_code(
    conn: &mut Conn,
    product_id: i64,
    hash_code: &str,
) -> StorageResult<Vec<Finding>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, Finding>(
            "SELECT * FROM finding WHERE product_id = $1 AND hash_code = $2 ORDER BY id",
        )
        .bind(product_id)
        .bind(hash_code)
        .fetch_all(&mut *c)
        .await?
    }))
}

/// Findings of a product with the given scanner id (the other de-duplication lookup).
pub async fn find_by_unique_id(
    conn: &mut Conn,
    product_id: i64,
    unique_id_from_tool: &str,
) -> StorageResult<Vec<Finding>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_as::<_, Finding>(
            "SELECT * FROM finding WHERE product_id = $1 AND unique_id_from_tool = $2 ORDER BY id",
        )
        .bind(product_id)
        .bind(unique_id_from_tool)
        .fetch_all(&mut *c)
        .await?
    }))
}

/// The finding's vulnerability ids in order (the first is its `cve`).
pub async fn vulnerability_ids(conn: &mut Conn, finding_id: i64) -> StorageResult<Vec<String>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_scalar::<_, String>(
            "SELECT v.vulnerability_id FROM finding_vulnerability_reference r \
             JOIN vulnerability v ON v.id = r.vulnerability_id WHERE r.finding_id = $1 ORDER BY r.ord",
        )
        .bind(finding_id)
        .fetch_all(&mut *c)
        .await?
    }))
}

/// Replaces the finding's vulnerability ids: blanks dropped, duplicates removed
/// (first kept), registry rows created as needed, and `cve` set to the first id.
pub async fn set_vulnerability_ids(
    conn: &mut Conn,
    finding_id: i64,
    ids: &[String],
) -> StorageResult<Vec<String>> {
    let mut unique: Vec<String> = Vec::new();
    for id in ids.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        if !unique.iter().any(|u| u == id) {
            unique.push(id.to_owned());
        }
    }
    let now = crate::table::now();
    dispatch!(conn, c => {
        sqlx::query("DELETE FROM finding_vulnerability_reference WHERE finding_id = $1")
            .bind(finding_id)
            .execute(&mut *c)
            .await?;
        for (ord, id) in unique.iter().enumerate() {
            sqlx::query(
                "INSERT INTO vulnerability (vulnerability_id, vulnerability_id_type, created, updated) \
                 VALUES ($1, $2, $3, $3) ON CONFLICT (vulnerability_id) DO NOTHING",
            )
            .bind(id)
            .bind(vulnerability_id_type(id))
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO finding_vulnerability_reference (finding_id, vulnerability_id, ord) \
                 SELECT $1, id, $3 FROM vulnerability WHERE vulnerability_id = $2",
            )
            .bind(finding_id)
            .bind(id)
            .bind(i64::try_from(ord).unwrap_or(i64::MAX))
            .execute(&mut *c)
            .await?;
        }
        sqlx::query("UPDATE finding SET cve = $2 WHERE id = $1")
            .bind(finding_id)
            .bind(unique.first())
            .execute(&mut *c)
            .await?;
    });
    Ok(unique)
}

/// The finding's CWE labels (`CWE-<n>`), sorted.
pub async fn cwes(conn: &mut Conn, finding_id: i64) -> StorageResult<Vec<String>> {
    Ok(dispatch!(conn, c => {
        sqlx::query_scalar::<_, String>("SELECT cwe FROM finding_cwe WHERE finding_id = $1 ORDER BY cwe")
            .bind(finding_id)
            .fetch_all(&mut *c)
            .await?
    }))
}

/// Replaces the finding's CWEs; accepts `89` or `CWE-89`, drops invalid ones, and
/// always includes the primary `cwe` of the finding when it is set.
pub async fn set_cwes(
    conn: &mut Conn,
    finding_id: i64,
    cwes: &[String],
) -> StorageResult<Vec<String>> {
    let primary = get(conn, finding_id).await?.cwe;
    let mut labels: Vec<String> = cwes.iter().filter_map(|c| canonical_cwe(c)).collect();
    if let Some(label) = canonical_cwe(&primary.to_string()) {
        labels.push(label);
    }
    labels.sort();
    labels.dedup();
    dispatch!(conn, c => {
        sqlx::query("DELETE FROM finding_cwe WHERE finding_id = $1")
            .bind(finding_id)
            .execute(&mut *c)
            .await?;
        for label in &labels {
            sqlx::query("INSERT INTO finding_cwe (finding_id, cwe) VALUES ($1, $2)")
                .bind(finding_id)
                .bind(label)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(labels)
}
