//! The notifications of an import or reimport, recorded in its transaction
//! (the importer's `before_commit` hook): `product_type_added`,
//! `product_added` and `engagement_added` for the parents it created,
//! `test_added` for a new test, then `scan_added` (or `scan_added_empty`)
//! with what the run did.

use std::future::Future;
use std::pin::Pin;

use dojo_domain::ImportAction;
use dojo_importer::{ImportError, ImportOutcome, ImportResult};
use dojo_storage::bulk;
use dojo_storage::{repo, Conn, StorageResult};

use super::events::{self, Event, FindingRef, ScanCounts, ScanFindings, Scope};
use super::notify;

/// How many findings of each kind a scan notification lists (the counts are
/// always complete); a 100,000-finding import must not write a huge payload.
pub const LISTED_PER_KIND: i64 = 100;

/// The importer hook: [`after_import`] as a boxed future.
pub fn import_hook<'c>(
    conn: &'c mut Conn,
    outcome: &'c ImportOutcome,
) -> Pin<Box<dyn Future<Output = ImportResult<()>> + Send + 'c>> {
    Box::pin(async move { after_import(conn, outcome).await.map_err(ImportError::from) })
}

/// Records the notifications of a finished run.
pub async fn after_import(conn: &mut Conn, outcome: &ImportOutcome) -> StorageResult<()> {
    let test = repo::tests::get(conn, outcome.test_id).await?;
    let engagement = repo::engagements::get(conn, outcome.engagement_id).await?;
    let scope = Scope::of_product(conn, outcome.product_id).await?;
    let created = outcome.created_parents;
    if created.product_type {
        notify(conn, &Event::product_type_added(&scope.product_type)).await?;
    }
    if created.product {
        notify(conn, &Event::product_added(&scope)).await?;
    }
    if created.engagement {
        notify(conn, &Event::engagement_added(&scope, &engagement)).await?;
    }
    let test_type = repo::test_types::get(conn, test.test_type_id).await?;
    let test_ref = events::test_ref(&test, &test_type.name);
    if outcome.new_test {
        notify(
            conn,
            &Event::test_added(&scope, &engagement, test_ref.clone()),
        )
        .await?;
    }
    let findings = scan_findings(conn, outcome).await?;
    notify(
        conn,
        &Event::scan_added(&scope, &engagement, test_ref, findings),
    )
    .await?;
    Ok(())
}

/// The run's findings by what happened to them, from its import history.
async fn scan_findings(conn: &mut Conn, outcome: &ImportOutcome) -> StorageResult<ScanFindings> {
    let mut findings = ScanFindings {
        counts: ScanCounts {
            new: outcome.created,
            reactivated: outcome.reactivated,
            mitigated: outcome.closed,
            untouched: outcome.untouched,
        },
        ..ScanFindings::default()
    };
    for (action, list) in [
        (ImportAction::Created, &mut findings.new),
        (ImportAction::Reactivated, &mut findings.reactivated),
        (ImportAction::Closed, &mut findings.mitigated),
        (ImportAction::Untouched, &mut findings.untouched),
    ] {
        let rows: Vec<(i64, String, String)> = bulk::fetch_all(
            conn,
            "SELECT f.id, f.title, f.severity FROM test_import_finding_action a \
             JOIN finding f ON f.id = a.finding_id \
             WHERE a.test_import_id = $1 AND a.action = $2 ORDER BY f.id LIMIT $3",
            &[
                outcome.test_import_id.into(),
                action.as_str().into(),
                LISTED_PER_KIND.into(),
            ],
        )
        .await?;
        *list = rows
            .into_iter()
            .map(|(id, title, severity)| FindingRef {
                id,
                title,
                severity,
                url_ui: format!("/finding/{id}"),
                url_api: format!("/api/v2/findings/{id}/"),
            })
            .collect();
    }
    Ok(findings)
}
