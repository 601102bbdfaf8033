//! Reimport keeps the vulnerability ids and CWEs of the findings it matched in
//! step with the report (workflows b.2 step 5): a finding whose set of ids (or
//! of CWEs) differs from the report's has its rows replaced by the report's,
//! and its `cve` follows the first id, as at import. Findings whose sets are
//! unchanged are not written. A fixed number of statements per reimport.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;

use crate::error::ImportResult;
use crate::write::{self, Prepared};

/// What the report says of a matched finding.
#[derive(Debug, Clone)]
pub(crate) struct Reported {
    pub finding_id: i64,
    /// The finding's stored `cve`.
    pub cve: Option<String>,
    /// In order, the first being the `cve`.
    pub vulnerability_ids: Vec<String>,
    pub cwes: Vec<String>,
}

impl Reported {
    /// Takes the ids and CWEs of the report's finding `p`, matched to
    /// `finding_id` whose `cve` is `cve`.
    pub(crate) fn take(finding_id: i64, cve: Option<String>, p: &mut Prepared) -> Self {
        Reported {
            finding_id,
            cve,
            vulnerability_ids: std::mem::take(&mut p.vulnerability_ids),
            cwes: std::mem::take(&mut p.cwes),
        }
    }
}

/// Values as a set: sorted, each once. (Findings hold a handful of ids, so a
/// sorted vector is cheaper than a hash set, and reimport compares thousands.)
fn set_of<'a>(values: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    let mut set: Vec<&str> = values.map(String::as_str).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// Replaces the vulnerability ids and CWE rows of the findings (all of test
/// `test_id`) whose stored sets differ from the report's.
pub(crate) async fn reconcile(
    conn: &mut Conn,
    test_id: i64,
    reported: &[Reported],
    now: DateTime<Utc>,
) -> ImportResult<()> {
    if reported.is_empty() {
        return Ok(());
    }
    // Read for the whole test (the finding_test index and the link tables'
    // (finding_id, …) indexes, no finding rows): the reimport has read every
    // finding of the test already, and an IN list of every matched id costs
    // SQLite more to bind than this costs to run.
    let matched: HashSet<i64> = reported.iter().map(|r| r.finding_id).collect();
    let stored_ids = stored(
        conn,
        &matched,
        "SELECT r.finding_id, v.vulnerability_id FROM finding f \
         JOIN finding_vulnerability_reference r ON r.finding_id = f.id \
         JOIN vulnerability v ON v.id = r.vulnerability_id WHERE f.test_id = $1",
        test_id,
    )
    .await?;
    let stored_cwes = stored(
        conn,
        &matched,
        "SELECT c.finding_id, c.cwe FROM finding f \
         JOIN finding_cwe c ON c.finding_id = f.id WHERE f.test_id = $1",
        test_id,
    )
    .await?;
    let differs = |stored: &HashMap<i64, Vec<String>>, id: i64, reported: &[String]| {
        set_of(stored.get(&id).into_iter().flatten()) != set_of(reported.iter())
    };

    let mut changed_ids: Vec<&Reported> = Vec::new();
    let mut changed_cwes: Vec<&Reported> = Vec::new();
    let mut cve_updates: Vec<(i64, Vec<Param>)> = Vec::new();
    for r in reported {
        if differs(&stored_ids, r.finding_id, &r.vulnerability_ids) {
            changed_ids.push(r);
            let first = r.vulnerability_ids.first();
            if r.cve.as_ref() != first {
                cve_updates.push((r.finding_id, vec![first.cloned().into(), now.into()]));
            }
        }
        if differs(&stored_cwes, r.finding_id, &r.cwes) {
            changed_cwes.push(r);
        }
    }

    replace_vulnerability_ids(conn, &changed_ids, now).await?;
    bulk::update_rows(conn, "finding", &["cve", "updated"], &cve_updates).await?;
    replace_cwes(conn, &changed_cwes).await
}

/// The `(finding id, value)` rows of `sql` for the test, grouped by finding,
/// for the findings of `matched`.
async fn stored(
    conn: &mut Conn,
    matched: &HashSet<i64>,
    sql: &str,
    test_id: i64,
) -> ImportResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = bulk::fetch_all(conn, sql, &[test_id.into()]).await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, value) in rows.into_iter().filter(|(id, _)| matched.contains(id)) {
        out.entry(id).or_default().push(value);
    }
    Ok(out)
}

async fn replace_vulnerability_ids(
    conn: &mut Conn,
    changed: &[&Reported],
    now: DateTime<Utc>,
) -> ImportResult<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let finding_ids: Vec<i64> = changed.iter().map(|r| r.finding_id).collect();
    bulk::execute_in(conn, &[], &finding_ids, |list| {
        format!("DELETE FROM finding_vulnerability_reference WHERE finding_id IN ({list})")
    })
    .await?;
    let names: Vec<String> = changed
        .iter()
        .flat_map(|r| r.vulnerability_ids.iter().cloned())
        .collect();
    let registry =
        write::registry_ids(conn, "vulnerability", "vulnerability_id", &names, now).await?;
    let refs: Vec<Vec<Param>> = changed
        .iter()
        .flat_map(|r| {
            let registry = &registry;
            r.vulnerability_ids
                .iter()
                .enumerate()
                .filter_map(move |(ord, name)| {
                    Some(vec![
                        r.finding_id.into(),
                        (*registry.get(name)?).into(),
                        i64::try_from(ord).unwrap_or(i64::MAX).into(),
                    ])
                })
        })
        .collect();
    bulk::insert_rows(
        conn,
        "finding_vulnerability_reference",
        &["finding_id", "vulnerability_id", "ord"],
        &refs,
        "",
    )
    .await?;
    Ok(())
}

async fn replace_cwes(conn: &mut Conn, changed: &[&Reported]) -> ImportResult<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let finding_ids: Vec<i64> = changed.iter().map(|r| r.finding_id).collect();
    bulk::execute_in(conn, &[], &finding_ids, |list| {
        format!("DELETE FROM finding_cwe WHERE finding_id IN ({list})")
    })
    .await?;
    let rows: Vec<Vec<Param>> = changed
        .iter()
        .flat_map(|r| {
            r.cwes
                .iter()
                .map(|cwe| vec![r.finding_id.into(), cwe.clone().into()])
        })
        .collect();
    bulk::insert_rows(conn, "finding_cwe", &["finding_id", "cwe"], &rows, "").await?;
    Ok(())
}
