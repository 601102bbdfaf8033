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
    let stored_ids = Stored::read(
        conn,
        &matched,
        "FROM finding f JOIN finding_vulnerability_reference r ON r.finding_id = f.id \
         JOIN vulnerability v ON v.id = r.vulnerability_id WHERE f.test_id = $1",
        "f.id",
        "v.vulnerability_id",
        test_id,
        reported
            .iter()
            .map(|r| (r.finding_id, r.vulnerability_ids.as_slice())),
    )
    .await?;
    let stored_cwes = Stored::read(
        conn,
        &matched,
        "FROM finding f JOIN finding_cwe c ON c.finding_id = f.id WHERE f.test_id = $1",
        "f.id",
        "c.cwe",
        test_id,
        reported.iter().map(|r| (r.finding_id, r.cwes.as_slice())),
    )
    .await?;
    let differs = |stored: &Stored, id: i64, reported: &[String]| !stored.equals(id, reported);

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

/// The stored values of each matched finding, known as (count, least,
/// greatest) — which is the whole set when a finding has at most two — and
/// read in full only for the findings with more.
#[derive(Default)]
struct Stored {
    summary: HashMap<i64, (i64, String, String)>,
    full: HashMap<i64, Vec<String>>,
}

impl Stored {
    /// `from` selects the test's `(finding, value)` rows as `id_column` and
    /// `value_column`, binding the test as `$1`; `reported` gives the report's
    /// values per finding, to know which sets need reading in full.
    #[allow(
        clippy::too_many_arguments,
        reason = "one call per link table, each spelled out"
    )]
    async fn read<'r>(
        conn: &mut Conn,
        matched: &HashSet<i64>,
        from: &str,
        id_column: &str,
        value_column: &str,
        test_id: i64,
        reported: impl Iterator<Item = (i64, &'r [String])>,
    ) -> ImportResult<Stored> {
        let rows: Vec<(i64, i64, String, String)> = bulk::fetch_all(
            conn,
            &format!(
                "SELECT {id_column}, COUNT(*), MIN({value_column}), MAX({value_column}) \
                 {from} GROUP BY {id_column}"
            ),
            &[test_id.into()],
        )
        .await?;
        let mut stored = Stored::default();
        for (id, count, least, greatest) in rows {
            if matched.contains(&id) {
                stored.summary.insert(id, (count, least, greatest));
            }
        }
        let mut large: Vec<i64> = reported
            .filter(|(id, values)| {
                set_of(values.iter()).len() > 2
                    || stored.summary.get(id).is_some_and(|(count, ..)| *count > 2)
            })
            .map(|(id, _)| id)
            .collect();
        large.sort_unstable();
        large.dedup();
        if !large.is_empty() {
            let fixed = [Param::from(test_id)];
            let rows: Vec<(i64, String)> = bulk::fetch_in(conn, &fixed, &large, |list| {
                format!("SELECT {id_column}, {value_column} {from} AND {id_column} IN ({list})")
            })
            .await?;
            for (id, value) in rows {
                stored.full.entry(id).or_default().push(value);
            }
        }
        Ok(stored)
    }

    /// Whether finding `id` stores exactly the set of `reported`.
    fn equals(&self, id: i64, reported: &[String]) -> bool {
        let wanted = set_of(reported.iter());
        if let Some(values) = self.full.get(&id) {
            return set_of(values.iter()) == wanted;
        }
        match (self.summary.get(&id), wanted.as_slice()) {
            (None, []) => true,
            (Some((1, least, _)), [only]) => least == only,
            (Some((2, least, greatest)), [first, second]) => least == first && greatest == second,
            _ => false,
        }
    }
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
    let ids_of: Vec<(i64, &[String])> = changed
        .iter()
        .map(|r| (r.finding_id, r.vulnerability_ids.as_slice()))
        .collect();
    write::add_vulnerability_ids(conn, &ids_of, now).await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn sets_of_up_to_two_are_compared_by_count_least_and_greatest() {
        let mut stored = Stored::default();
        stored
            .summary
            .insert(1, (1, "CVE-1".into(), "CVE-1".into()));
        stored
            .summary
            .insert(2, (2, "CVE-1".into(), "GHSA-2".into()));
        assert!(stored.equals(1, &strings(&["CVE-1"])));
        assert!(stored.equals(1, &strings(&["CVE-1", "CVE-1"])));
        assert!(!stored.equals(1, &strings(&["CVE-9"])));
        assert!(!stored.equals(1, &strings(&["CVE-1", "GHSA-2"])));
        assert!(stored.equals(2, &strings(&["GHSA-2", "CVE-1"])));
        assert!(!stored.equals(2, &strings(&["CVE-1"])));
        assert!(!stored.equals(2, &strings(&["CVE-1", "GHSA-3"])));
        assert!(stored.equals(3, &[]));
        assert!(!stored.equals(3, &strings(&["CVE-1"])));
        assert!(!stored.equals(1, &[]));
    }

    #[test]
    fn larger_sets_are_compared_in_full() {
        let mut stored = Stored::default();
        stored.summary.insert(1, (3, "A".into(), "C".into()));
        stored.full.insert(1, strings(&["C", "A", "B"]));
        assert!(stored.equals(1, &strings(&["A", "B", "C"])));
        assert!(!stored.equals(1, &strings(&["A", "X", "C"])));
        assert!(!stored.equals(1, &strings(&["A", "C"])));
    }
}
