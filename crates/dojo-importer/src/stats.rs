//! Test statistics (domain §16) computed with one aggregate query.

use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;

use crate::error::ImportResult;
use crate::request::{Delta, SeverityCounts, StatusCounts};

type Row = (String, String, i64, i64, i64, i64, i64, i64, i64, i64);

const COUNTS: &str = "SUM(CASE WHEN f.active THEN 1 ELSE 0 END), \
     SUM(CASE WHEN f.verified THEN 1 ELSE 0 END), SUM(CASE WHEN f.duplicate THEN 1 ELSE 0 END), \
     SUM(CASE WHEN f.false_p THEN 1 ELSE 0 END), SUM(CASE WHEN f.out_of_scope THEN 1 ELSE 0 END), \
     SUM(CASE WHEN f.is_mitigated THEN 1 ELSE 0 END), SUM(CASE WHEN f.risk_accepted THEN 1 ELSE 0 END), \
     COUNT(*)";

fn add(into: &mut StatusCounts, row: &Row) {
    into.active += row.2;
    into.verified += row.3;
    into.duplicate += row.4;
    into.false_p += row.5;
    into.out_of_scope += row.6;
    into.is_mitigated += row.7;
    into.risk_accepted += row.8;
    into.total += row.9;
}

fn fold<'a>(rows: impl Iterator<Item = &'a Row>) -> SeverityCounts {
    let mut counts = SeverityCounts::default();
    for row in rows {
        let slot = match row.1.as_str() {
            "Critical" => &mut counts.critical,
            "High" => &mut counts.high,
            "Medium" => &mut counts.medium,
            "Low" => &mut counts.low,
            _ => &mut counts.info,
        };
        add(slot, row);
        add(&mut counts.total, row);
    }
    counts
}

/// The statistics of a test's findings.
pub async fn of_test(conn: &mut Conn, test_id: i64) -> ImportResult<SeverityCounts> {
    let rows: Vec<Row> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT '' AS a, f.severity, {COUNTS} FROM finding f WHERE f.test_id = $1 GROUP BY f.severity"
        ),
        &[Param::from(test_id)],
    )
    .await?;
    Ok(fold(rows.iter()))
}

/// The statistics of the findings an import touched, per action.
pub async fn of_import(conn: &mut Conn, test_import_id: i64) -> ImportResult<Delta> {
    let rows: Vec<Row> = bulk::fetch_all(
        conn,
        &format!(
            "SELECT a.action, f.severity, {COUNTS} FROM test_import_finding_action a \
             JOIN finding f ON f.id = a.finding_id WHERE a.test_import_id = $1 \
             GROUP BY a.action, f.severity"
        ),
        &[Param::from(test_import_id)],
    )
    .await?;
    let of = |action: &str| fold(rows.iter().filter(|r| r.0 == action));
    Ok(Delta {
        created: of("N"),
        closed: of("C"),
        reactivated: of("R"),
        untouched: of("U"),
    })
}
