//! The foreign keys an import fills keep their meaning on both databases:
//! PostgreSQL checks them per statement (migration 0003), SQLite per row.
//! A dangling reference is refused, by INSERT or UPDATE, and deleting the
//! referenced row takes the referencing rows along.

use dojo_storage::bulk::{self, Param};
use dojo_storage::{db_test, Db, StorageError};

use crate::support::*;

const MISSING: i64 = 987_654_321;

/// Runs one statement in its own transaction, rolled back if it fails.
async fn try_sql(db: &Db, sql: &str, params: &[Param]) -> Result<u64, StorageError> {
    let mut tx = db.begin().await.expect("transaction");
    let result = bulk::execute(&mut tx, sql, params).await;
    if result.is_ok() {
        tx.commit().await.expect("commit");
    }
    result
}

fn assert_missing_reference(result: Result<u64, StorageError>, what: &str) {
    assert!(
        matches!(result, Err(StorageError::MissingReference { .. })),
        "{what}: {result:?}"
    );
}

/// Ids of what the rows below reference.
struct Parents {
    finding: i64,
    tag: i64,
    vulnerability: i64,
    endpoint: i64,
    test_import: i64,
    test_type: i64,
}

async fn parents(db: &Db) -> (Branch, Parents) {
    let b = branch(db, "fk").await;
    let finding = finding(db, b.test.id, b.user.id, "referenced").await.id;
    execute(db, "INSERT INTO tag (name) VALUES ('fk-tag')").await;
    execute(
        db,
        "INSERT INTO vulnerability (vulnerability_id, created, updated) \
         VALUES ('CVE-2026-0001', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')",
    )
    .await;
    let endpoint = endpoint(db, b.product.id, "fk.example.com").await.id;
    execute(
        db,
        &format!(
            "INSERT INTO test_import (test_id, import_type, created, modified) \
             VALUES ({}, 'import', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')",
            b.test.id
        ),
    )
    .await;
    let parents = Parents {
        finding,
        tag: count_of(db, "SELECT MAX(id) FROM tag").await,
        vulnerability: count_of(db, "SELECT MAX(id) FROM vulnerability").await,
        endpoint,
        test_import: count_of(db, "SELECT MAX(id) FROM test_import").await,
        test_type: b.test_type.id,
    };
    (b, parents)
}

/// One row into each table whose keys migration 0003 changed, referencing `p`.
async fn insert_children(db: &Db, p: &Parents) {
    let stamp = "'2026-01-01 00:00:00+00'";
    for sql in [
        format!(
            "INSERT INTO finding_found_by (finding_id, test_type_id) VALUES ({}, {})",
            p.finding, p.test_type
        ),
        format!(
            "INSERT INTO finding_tags (finding_id, tag_id, inherited) VALUES ({}, {}, FALSE)",
            p.finding, p.tag
        ),
        format!(
            "INSERT INTO finding_vulnerability_reference (finding_id, vulnerability_id, ord) \
             VALUES ({}, {}, 0)",
            p.finding, p.vulnerability
        ),
        format!(
            "INSERT INTO finding_cwe (finding_id, cwe) VALUES ({}, 'CWE-79')",
            p.finding
        ),
        format!(
            "INSERT INTO endpoint_status (date, endpoint_id, finding_id) VALUES ('2026-01-01', {}, {})",
            p.endpoint, p.finding
        ),
        format!(
            "INSERT INTO test_import_finding_action (test_import_id, finding_id, action, created, modified) \
             VALUES ({}, {}, 'N', {stamp}, {stamp})",
            p.test_import, p.finding
        ),
    ] {
        execute(db, &sql).await;
    }
}

async fn children_of_finding(db: &Db, finding: i64) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "finding_found_by",
        "finding_tags",
        "finding_vulnerability_reference",
        "finding_cwe",
        "endpoint_status",
        "test_import_finding_action",
    ] {
        counts.push(
            count_of(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE finding_id = {finding}"),
            )
            .await,
        );
    }
    counts
}

db_test!(a_dangling_reference_is_refused_by_insert_and_update, |db| {
    let (b, p) = parents(&db).await;
    let cases: Vec<(&str, String)> = vec![
        (
            "finding.test_id",
            format!(
                "INSERT INTO finding (test_id, product_id, title, date, cwe, severity, description, \
                 numerical_severity, reporter_id, created, updated) VALUES ({MISSING}, {}, 't', \
                 '2026-01-01', 0, 'High', 'd', 'S1', {}, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')",
                b.product.id, b.user.id
            ),
        ),
        (
            "finding.product_id",
            format!("UPDATE finding SET product_id = {MISSING} WHERE id = {}", p.finding),
        ),
        (
            "found_by.finding_id",
            format!(
                "INSERT INTO finding_found_by (finding_id, test_type_id) VALUES ({MISSING}, {})",
                p.test_type
            ),
        ),
        (
            "found_by.test_type_id",
            format!(
                "INSERT INTO finding_found_by (finding_id, test_type_id) VALUES ({}, {MISSING})",
                p.finding
            ),
        ),
        (
            "finding_tags.tag_id",
            format!(
                "INSERT INTO finding_tags (finding_id, tag_id, inherited) VALUES ({}, {MISSING}, FALSE)",
                p.finding
            ),
        ),
        (
            "vulnerability reference",
            format!(
                "INSERT INTO finding_vulnerability_reference (finding_id, vulnerability_id, ord) \
                 VALUES ({}, {MISSING}, 0)",
                p.finding
            ),
        ),
        (
            "finding_cwe.finding_id",
            format!("INSERT INTO finding_cwe (finding_id, cwe) VALUES ({MISSING}, 'CWE-1')"),
        ),
        (
            "endpoint_status.endpoint_id",
            format!(
                "INSERT INTO endpoint_status (date, endpoint_id, finding_id) VALUES ('2026-01-01', {MISSING}, {})",
                p.finding
            ),
        ),
        (
            "test_import_finding_action.test_import_id",
            format!(
                "INSERT INTO test_import_finding_action (test_import_id, finding_id, action, created, modified) \
                 VALUES ({MISSING}, {}, 'N', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')",
                p.finding
            ),
        ),
    ];
    for (what, sql) in &cases {
        assert_missing_reference(try_sql(&db, sql, &[]).await, what);
    }
    // A valid row, then an update that makes it dangle.
    insert_children(&db, &p).await;
    assert_missing_reference(
        try_sql(
            &db,
            "UPDATE finding_cwe SET finding_id = $1 WHERE finding_id = $2",
            &[MISSING.into(), p.finding.into()],
        )
        .await,
        "update of finding_cwe.finding_id",
    );
    assert_eq!(children_of_finding(&db, p.finding).await, vec![1; 6]);
});

db_test!(deleting_a_referenced_row_deletes_what_references_it, |db| {
    let (b, p) = parents(&db).await;
    insert_children(&db, &p).await;
    let other = finding(&db, b.test.id, b.user.id, "other").await.id;
    let other_parents = Parents {
        finding: other,
        ..p
    };
    execute(
        &db,
        &format!("INSERT INTO finding_cwe (finding_id, cwe) VALUES ({other}, 'CWE-89')"),
    )
    .await;

    execute(
        &db,
        &format!("DELETE FROM tag WHERE id = {}", other_parents.tag),
    )
    .await;
    execute(
        &db,
        &format!(
            "DELETE FROM vulnerability WHERE id = {}",
            other_parents.vulnerability
        ),
    )
    .await;
    execute(
        &db,
        &format!("DELETE FROM endpoint WHERE id = {}", other_parents.endpoint),
    )
    .await;
    assert_eq!(
        children_of_finding(&db, p.finding).await,
        vec![1, 0, 0, 1, 0, 1],
        "found-by, tags, vulnerability ids, CWEs, endpoint statuses, actions"
    );
    execute(
        &db,
        &format!("DELETE FROM finding WHERE id = {}", p.finding),
    )
    .await;
    assert_eq!(children_of_finding(&db, p.finding).await, vec![0; 6]);
    assert_eq!(
        children_of_finding(&db, other).await,
        vec![0, 0, 0, 1, 0, 0]
    );

    // Deleting the test takes its findings, and theirs, along.
    execute(&db, &format!("DELETE FROM test WHERE id = {}", b.test.id)).await;
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM finding").await, 0);
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM finding_cwe").await, 0);
    assert_eq!(count_of(&db, "SELECT COUNT(*) FROM test_import").await, 0);
});
