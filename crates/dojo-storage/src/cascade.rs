//! Deleting the hierarchy (product type → product → engagement → test → finding,
//! and test types, which take their tests along) as DefectDojo does (domain.md §24). The database's ON DELETE rules remove the
//! rows below; this module does what they cannot:
//!
//! * a duplicate cluster whose original is deleted but whose duplicates survive gets
//!   a new original, the lowest-id surviving duplicate, which inherits the old
//!   original's active / verified / is_mitigated flags and found-by test types;
//! * notes and uploaded files of the deleted engagements, tests and findings are
//!   deleted with them (they are linked, not owned, so no foreign key does it).
//!
//! Everything runs in one transaction.

use crate::repo::{engagements, findings, product_types, products, test_types, tests};
use crate::{Conn, Db, StorageResult};

/// What a delete removed that lives outside the database.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Paths (under the data folder) of uploaded files whose rows were deleted.
    pub files: Vec<String>,
}

/// The findings a delete removes, as SQL over bind `$1`.
#[derive(Debug, Clone, Copy)]
enum Scope {
    TestType,
    ProductType,
    Product,
    Engagement,
    Test,
    Finding,
}

impl Scope {
    fn findings(self) -> &'static str {
        match self {
            Scope::TestType => {
                "SELECT id FROM finding WHERE test_id IN (SELECT id FROM test WHERE test_type_id = $1)"
            }
            Scope::ProductType => {
                "SELECT id FROM finding WHERE product_id IN (SELECT id FROM product WHERE prod_type_id = $1)"
            }
            Scope::Product => "SELECT id FROM finding WHERE product_id = $1",
            Scope::Engagement => {
                "SELECT id FROM finding WHERE test_id IN (SELECT id FROM test WHERE engagement_id = $1)"
            }
            Scope::Test => "SELECT id FROM finding WHERE test_id = $1",
            Scope::Finding => "SELECT id FROM finding WHERE id = $1",
        }
    }

    fn tests(self) -> Option<&'static str> {
        match self {
            Scope::TestType => Some("SELECT id FROM test WHERE test_type_id = $1"),
            Scope::ProductType => Some(
                "SELECT t.id FROM test t JOIN engagement e ON e.id = t.engagement_id JOIN product p ON p.id = e.product_id WHERE p.prod_type_id = $1",
            ),
            Scope::Product => Some(
                "SELECT t.id FROM test t JOIN engagement e ON e.id = t.engagement_id WHERE e.product_id = $1",
            ),
            Scope::Engagement => Some("SELECT id FROM test WHERE engagement_id = $1"),
            Scope::Test => Some("SELECT id FROM test WHERE id = $1"),
            Scope::Finding => None,
        }
    }

    fn engagements(self) -> Option<&'static str> {
        match self {
            Scope::ProductType => Some(
                "SELECT e.id FROM engagement e JOIN product p ON p.id = e.product_id WHERE p.prod_type_id = $1",
            ),
            Scope::Product => Some("SELECT id FROM engagement WHERE product_id = $1"),
            Scope::Engagement => Some("SELECT id FROM engagement WHERE id = $1"),
            Scope::TestType | Scope::Test | Scope::Finding => None,
        }
    }
}

/// Deleting a test type deletes the tests of that type (DefectDojo's CASCADE).
pub async fn delete_test_type(db: &Db, id: i64) -> StorageResult<Deleted> {
    let mut tx = db.begin().await?;
    test_types::get(&mut tx, id).await?;
    let deleted = prepare(&mut tx, Scope::TestType, id).await?;
    test_types::delete_row(&mut tx, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub async fn delete_product_type(db: &Db, id: i64) -> StorageResult<Deleted> {
    let mut tx = db.begin().await?;
    product_types::get(&mut tx, id).await?;
    let deleted = prepare(&mut tx, Scope::ProductType, id).await?;
    product_types::delete_row(&mut tx, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub async fn delete_product(db: &Db, id: i64) -> StorageResult<Deleted> {
    let mut tx = db.begin().await?;
    products::get(&mut tx, id).await?;
    let deleted = prepare(&mut tx, Scope::Product, id).await?;
    products::delete_row(&mut tx, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub async fn delete_engagement(db: &Db, id: i64) -> StorageResult<Deleted> {
    let mut tx = db.begin().await?;
    engagements::get(&mut tx, id).await?;
    let deleted = prepare(&mut tx, Scope::Engagement, id).await?;
    engagements::delete_row(&mut tx, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub async fn delete_test(db: &Db, id: i64) -> StorageResult<Deleted> {
    let mut tx = db.begin().await?;
    tests::get(&mut tx, id).await?;
    let deleted = prepare(&mut tx, Scope::Test, id).await?;
    tests::delete_row(&mut tx, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub async fn delete_finding(db: &Db, id: i64) -> StorageResult<Deleted> {
    let mut tx = db.begin().await?;
    let deleted = delete_finding_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Deletes a finding inside the caller's transaction (e.g. an import trimming
/// excess duplicates).
pub async fn delete_finding_in(conn: &mut Conn, id: i64) -> StorageResult<Deleted> {
    findings::get(conn, id).await?;
    let deleted = prepare(conn, Scope::Finding, id).await?;
    findings::delete_row(conn, id).await?;
    Ok(deleted)
}

async fn prepare(conn: &mut Conn, scope: Scope, id: i64) -> StorageResult<Deleted> {
    promote_surviving_duplicates(conn, scope, id).await?;
    let mut deleted = Deleted::default();
    let findings = scope.findings();
    delete_linked(
        conn,
        "finding_notes",
        "finding_id",
        findings,
        id,
        &mut deleted,
    )
    .await?;
    delete_linked(
        conn,
        "finding_files",
        "finding_id",
        findings,
        id,
        &mut deleted,
    )
    .await?;
    if let Some(tests) = scope.tests() {
        delete_linked(conn, "test_notes", "test_id", tests, id, &mut deleted).await?;
        delete_linked(conn, "test_files", "test_id", tests, id, &mut deleted).await?;
    }
    if let Some(engagements) = scope.engagements() {
        delete_linked(
            conn,
            "engagement_notes",
            "engagement_id",
            engagements,
            id,
            &mut deleted,
        )
        .await?;
        delete_linked(
            conn,
            "engagement_files",
            "engagement_id",
            engagements,
            id,
            &mut deleted,
        )
        .await?;
    }
    Ok(deleted)
}

/// Deletes the notes or file rows linked from the owners that `owners` selects.
async fn delete_linked(
    conn: &mut Conn,
    link_table: &str,
    owner_column: &str,
    owners: &str,
    id: i64,
    deleted: &mut Deleted,
) -> StorageResult<()> {
    let (target, target_column) = if link_table.ends_with("_notes") {
        ("notes", "notes_id")
    } else {
        ("file_upload", "file_upload_id")
    };
    let selection =
        format!("SELECT {target_column} FROM {link_table} WHERE {owner_column} IN ({owners})");
    if target == "file_upload" {
        let paths_sql = format!("SELECT file FROM file_upload WHERE id IN ({selection})");
        let paths = dispatch!(conn, c => {
            sqlx::query_scalar::<_, String>(&paths_sql).bind(id).fetch_all(&mut *c).await?
        });
        deleted.files.extend(paths);
    }
    let delete_sql = format!("DELETE FROM {target} WHERE id IN ({selection})");
    dispatch!(conn, c => {
        sqlx::query(&delete_sql).bind(id).execute(&mut *c).await?;
    });
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Original {
    id: i64,
    active: bool,
    verified: bool,
    is_mitigated: bool,
}

async fn promote_surviving_duplicates(conn: &mut Conn, scope: Scope, id: i64) -> StorageResult<()> {
    let scope_sql = scope.findings();
    let originals_sql = format!(
        "SELECT o.id, o.active, o.verified, o.is_mitigated FROM finding o \
         WHERE o.id IN ({scope_sql}) AND EXISTS (SELECT 1 FROM finding d \
         WHERE d.duplicate_finding_id = o.id AND d.id NOT IN ({scope_sql})) ORDER BY o.id"
    );
    let originals = dispatch!(conn, c => {
        sqlx::query_as::<_, Original>(&originals_sql).bind(id).fetch_all(&mut *c).await?
    });
    let successor_sql = format!(
        "SELECT MIN(id) FROM finding WHERE duplicate_finding_id = $2 AND id NOT IN ({scope_sql})"
    );
    let repoint_sql = format!(
        "UPDATE finding SET duplicate_finding_id = $3 \
         WHERE duplicate_finding_id = $2 AND id <> $3 AND id NOT IN ({scope_sql})"
    );
    for original in originals {
        let successor = dispatch!(conn, c => {
            sqlx::query_scalar::<_, Option<i64>>(&successor_sql)
                .bind(id)
                .bind(original.id)
                .fetch_one(&mut *c)
                .await?
        });
        let Some(successor) = successor else { continue };
        dispatch!(conn, c => {
            sqlx::query(
                "UPDATE finding SET duplicate = FALSE, duplicate_finding_id = NULL, \
                 active = $2, verified = $3, is_mitigated = $4 WHERE id = $1",
            )
            .bind(successor)
            .bind(original.active)
            .bind(original.verified)
            .bind(original.is_mitigated)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO finding_found_by (finding_id, test_type_id) \
                 SELECT $1, test_type_id FROM finding_found_by WHERE finding_id = $2 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(successor)
            .bind(original.id)
            .execute(&mut *c)
            .await?;
            sqlx::query(&repoint_sql)
                .bind(id)
                .bind(original.id)
                .bind(successor)
                .execute(&mut *c)
                .await?;
        });
    }
    Ok(())
}
