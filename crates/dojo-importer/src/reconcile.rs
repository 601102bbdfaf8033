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
    /// In order, the first being the `cve`.
    pub vulnerability_ids: Vec<String>,
    pub cwes: Vec<String>,
}

impl Reported {
    /// Takes the ids and CWEs of the report's finding `p`, matched to `finding_id`.
    pub(crate) fn take(finding_id: i64, p: &mut Prepared) -> Self {
        Reported {
            finding_id,
            vulnerability_ids: std::mem::take(&mut p.vulnerability_ids),
            cwes: std::mem::take(&mut p.cwes),
        }
    }
}

fn set_of(values: &[String]) -> HashSet<&str> {
    values.iter().map(String::as_str).collect()
}

/// Replaces the vulnerability ids and CWE rows of the findings whose stored
/// sets differ from the report's.
pub(crate) async fn reconcile(
    conn: &mut Conn,
    reported: &[Reported],
    now: DateTime<Utc>,
) -> ImportResult<()> {
    if reported.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = reported.iter().map(|r| r.finding_id).collect();
    let rows: Vec<(i64, Option<String>, Option<String>)> =
        bulk::fetch_in(conn, &[], &ids, |list| {
            format!(
                "SELECT f.id, f.cve, v.vulnerability_id FROM finding f \
                 LEFT JOIN finding_vulnerability_reference r ON r.finding_id = f.id \
                 LEFT JOIN vulnerability v ON v.id = r.vulnerability_id WHERE f.id IN ({list})"
            )
        })
        .await?;
    let mut stored: HashMap<i64, (Option<String>, HashSet<String>)> = HashMap::new();
    for (id, cve, vulnerability_id) in rows {
        let entry = stored.entry(id).or_insert_with(|| (cve, HashSet::new()));
        entry.1.extend(vulnerability_id);
    }
    let cwe_rows: Vec<(i64, String)> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!("SELECT finding_id, cwe FROM finding_cwe WHERE finding_id IN ({list})")
    })
    .await?;
    let mut stored_cwes: HashMap<i64, HashSet<String>> = HashMap::new();
    for (id, cwe) in cwe_rows {
        stored_cwes.entry(id).or_default().insert(cwe);
    }

    let mut changed_ids: Vec<&Reported> = Vec::new();
    let mut cve_updates: Vec<(i64, Vec<Param>)> = Vec::new();
    for r in reported {
        let Some((cve, current)) = stored.get(&r.finding_id) else {
            continue;
        };
        let current: HashSet<&str> = current.iter().map(String::as_str).collect();
        if current == set_of(&r.vulnerability_ids) {
            continue;
        }
        changed_ids.push(r);
        let first = r.vulnerability_ids.first();
        if cve.as_ref() != first {
            cve_updates.push((r.finding_id, vec![first.cloned().into(), now.into()]));
        }
    }
    let changed_cwes: Vec<&Reported> = reported
        .iter()
        .filter(|r| stored.contains_key(&r.finding_id))
        .filter(|r| {
            let current: HashSet<&str> = stored_cwes
                .get(&r.finding_id)
                .map(|s| s.iter().map(String::as_str).collect())
                .unwrap_or_default();
            current != set_of(&r.cwes)
        })
        .collect();

    replace_vulnerability_ids(conn, &changed_ids, now).await?;
    bulk::update_rows(conn, "finding", &["cve", "updated"], &cve_updates).await?;
    replace_cwes(conn, &changed_cwes).await
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
