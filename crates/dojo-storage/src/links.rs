//! Many-to-many links. Each link table is named by a variant, never by caller text,
//! so no identifier from outside reaches the SQL.

use crate::{Conn, StorageResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    ProductRegulation,
    FindingReviewers,
    FindingFoundBy,
    FindingGroupFindings,
    EngagementPresetsTestType,
    EngagementPresetsNetworkLocations,
    RiskAcceptanceFindings,
    EngagementRiskAcceptance,
    EngagementNotes,
    TestNotes,
    FindingNotes,
    RiskAcceptanceNotes,
    EngagementFiles,
    TestFiles,
    FindingFiles,
    BenchmarkRequirementCwe,
    BenchmarkProductNotes,
    ToolProductSettingsNotes,
}

impl Link {
    /// (table, left column, right column)
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Link::ProductRegulation => ("product_regulation", "product_id", "regulation_id"),
            Link::FindingReviewers => ("finding_reviewers", "finding_id", "user_id"),
            Link::FindingFoundBy => ("finding_found_by", "finding_id", "test_type_id"),
            Link::FindingGroupFindings => {
                ("finding_group_findings", "finding_group_id", "finding_id")
            }
            Link::EngagementPresetsTestType => (
                "engagement_presets_test_type",
                "engagement_presets_id",
                "test_type_id",
            ),
            Link::EngagementPresetsNetworkLocations => (
                "engagement_presets_network_locations",
                "engagement_presets_id",
                "network_locations_id",
            ),
            Link::RiskAcceptanceFindings => (
                "risk_acceptance_findings",
                "risk_acceptance_id",
                "finding_id",
            ),
            Link::EngagementRiskAcceptance => (
                "engagement_risk_acceptance",
                "engagement_id",
                "risk_acceptance_id",
            ),
            Link::EngagementNotes => ("engagement_notes", "engagement_id", "notes_id"),
            Link::TestNotes => ("test_notes", "test_id", "notes_id"),
            Link::FindingNotes => ("finding_notes", "finding_id", "notes_id"),
            Link::RiskAcceptanceNotes => {
                ("risk_acceptance_notes", "risk_acceptance_id", "notes_id")
            }
            Link::EngagementFiles => ("engagement_files", "engagement_id", "file_upload_id"),
            Link::TestFiles => ("test_files", "test_id", "file_upload_id"),
            Link::FindingFiles => ("finding_files", "finding_id", "file_upload_id"),
            Link::BenchmarkRequirementCwe => (
                "benchmark_requirement_cwe",
                "benchmark_requirement_id",
                "cwe_id",
            ),
            Link::BenchmarkProductNotes => (
                "benchmark_product_notes",
                "benchmark_product_id",
                "notes_id",
            ),
            Link::ToolProductSettingsNotes => (
                "tool_product_settings_notes",
                "tool_product_settings_id",
                "notes_id",
            ),
        }
    }
}

/// Links `left` to `right`; linking twice is not an error.
pub async fn add(conn: &mut Conn, link: Link, left: i64, right: i64) -> StorageResult<()> {
    let (table, l, r) = link.columns();
    let sql = format!("INSERT INTO {table} ({l}, {r}) VALUES ($1, $2) ON CONFLICT DO NOTHING");
    dispatch!(conn, c => {
        sqlx::query(&sql).bind(left).bind(right).execute(&mut *c).await?;
    });
    Ok(())
}

/// Removes one link; returns whether it existed.
pub async fn remove(conn: &mut Conn, link: Link, left: i64, right: i64) -> StorageResult<bool> {
    let (table, l, r) = link.columns();
    let sql = format!("DELETE FROM {table} WHERE {l} = $1 AND {r} = $2");
    let affected = dispatch!(conn, c => {
        sqlx::query(&sql).bind(left).bind(right).execute(&mut *c).await?.rows_affected()
    });
    Ok(affected > 0)
}

/// The ids linked to `left`, ascending.
pub async fn rights(conn: &mut Conn, link: Link, left: i64) -> StorageResult<Vec<i64>> {
    let (table, l, r) = link.columns();
    let sql = format!("SELECT {r} FROM {table} WHERE {l} = $1 ORDER BY {r}");
    Ok(dispatch!(conn, c => {
        sqlx::query_scalar::<_, i64>(&sql).bind(left).fetch_all(&mut *c).await?
    }))
}

/// The ids that link to `right`, ascending.
pub async fn lefts(conn: &mut Conn, link: Link, right: i64) -> StorageResult<Vec<i64>> {
    let (table, l, r) = link.columns();
    let sql = format!("SELECT {l} FROM {table} WHERE {r} = $1 ORDER BY {l}");
    Ok(dispatch!(conn, c => {
        sqlx::query_scalar::<_, i64>(&sql).bind(right).fetch_all(&mut *c).await?
    }))
}

/// Makes the links of `left` exactly `rights`.
pub async fn set(conn: &mut Conn, link: Link, left: i64, rights: &[i64]) -> StorageResult<()> {
    let (table, l, _) = link.columns();
    let sql = format!("DELETE FROM {table} WHERE {l} = $1");
    dispatch!(conn, c => {
        sqlx::query(&sql).bind(left).execute(&mut *c).await?;
    });
    for &right in rights {
        add(conn, link, left, right).await?;
    }
    Ok(())
}
