//! De-duplication (workflows §c), set-based: the candidates of a whole batch are
//! read with a few `IN (...)` queries, matched in memory in id order, and the
//! duplicates written with one bulk UPDATE.

use std::collections::HashMap;

use dojo_parsers::DedupAlgorithm;
use dojo_storage::bulk::{self, Param};
use dojo_storage::Conn;

use crate::error::ImportResult;

/// What de-duplication needs to know of a finding.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DedupRow {
    pub id: i64,
    pub hash_code: Option<String>,
    pub unique_id_from_tool: Option<String>,
    pub title: String,
    pub severity: String,
    pub cwe: i64,
    pub file_path: Option<String>,
    pub line: Option<i64>,
    pub static_finding: bool,
    pub duplicate: bool,
    pub active: bool,
    pub is_mitigated: bool,
    pub has_mitigated: bool,
    pub false_p: bool,
    pub out_of_scope: bool,
    pub test_type_id: i64,
    pub engagement_id: i64,
    pub dedup_on_engagement: bool,
}

const SELECT: &str =
    "SELECT f.id, f.hash_code, f.unique_id_from_tool, f.title, f.severity, f.cwe, f.file_path, \
     f.line, f.static_finding, f.duplicate, f.active, f.is_mitigated, \
     (f.mitigated IS NOT NULL) AS has_mitigated, f.false_p, f.out_of_scope, t.test_type_id, \
     t.engagement_id, e.deduplication_on_engagement AS dedup_on_engagement \
     FROM finding f JOIN test t ON t.id = f.test_id JOIN engagement e ON e.id = t.engagement_id";

/// Reads the de-duplication view of the given findings.
pub async fn rows_by_id(conn: &mut Conn, ids: &[i64]) -> ImportResult<Vec<DedupRow>> {
    let mut rows: Vec<DedupRow> = bulk::fetch_in(conn, &[], ids, |list| {
        format!("{SELECT} WHERE f.id IN ({list})")
    })
    .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Non-duplicate findings of the product sharing a hash code or unique id with
/// the batch.
async fn candidates(
    conn: &mut Conn,
    product_id: i64,
    batch: &[DedupRow],
    algorithm: DedupAlgorithm,
    older_than: i64,
) -> ImportResult<Vec<DedupRow>> {
    let mut found: Vec<DedupRow> = Vec::new();
    let by_hash = !matches!(algorithm, DedupAlgorithm::UniqueIdFromTool);
    let by_uid = matches!(
        algorithm,
        DedupAlgorithm::UniqueIdFromTool | DedupAlgorithm::UniqueIdFromToolOrHashCode
    );
    let fixed = [Param::from(product_id), Param::from(older_than)];
    if by_hash {
        let mut hashes: Vec<String> = batch.iter().filter_map(|r| r.hash_code.clone()).collect();
        hashes.sort();
        hashes.dedup();
        found.extend(
            bulk::fetch_in::<DedupRow, _>(conn, &fixed, &hashes, |list| {
                format!("{SELECT} WHERE f.product_id = $1 AND +f.id < $2 AND f.duplicate = FALSE AND f.hash_code IN ({list})")
            })
            .await?,
        );
    }
    if by_uid {
        let mut uids: Vec<String> = batch
            .iter()
            .filter_map(|r| r.unique_id_from_tool.clone())
            .collect();
        uids.sort();
        uids.dedup();
        found.extend(
            bulk::fetch_in::<DedupRow, _>(conn, &fixed, &uids, |list| {
                format!(
                    "{SELECT} WHERE f.product_id = $1 AND +f.id < $2 AND f.duplicate = FALSE \
                     AND f.unique_id_from_tool IN ({list})"
                )
            })
            .await?,
        );
    }
    found.sort_by_key(|r| r.id);
    found.dedup_by_key(|r| r.id);
    Ok(found)
}

/// (host, path) of each finding's endpoints, and their full text for the legacy check.
pub(crate) async fn endpoints_of(
    conn: &mut Conn,
    ids: &[i64],
) -> ImportResult<HashMap<i64, Vec<EndpointParts>>> {
    let rows: Vec<EndpointOfFinding> = bulk::fetch_in(conn, &[], ids, |list| {
        format!(
            "SELECT s.finding_id, e.host, e.path, e.protocol, e.port FROM endpoint_status s \
             JOIN endpoint e ON e.id = s.endpoint_id WHERE s.finding_id IN ({list})"
        )
    })
    .await?;
    let mut out: HashMap<i64, Vec<EndpointParts>> = HashMap::new();
    for row in rows {
        out.entry(row.finding_id).or_default().push(EndpointParts {
            host: row.host,
            path: row.path,
            protocol: row.protocol,
            port: row.port,
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct EndpointOfFinding {
    finding_id: i64,
    host: Option<String>,
    path: Option<String>,
    protocol: Option<String>,
    port: Option<i64>,
}

/// A finding of the product that false-positive history compares with.
#[derive(sqlx::FromRow)]
struct Equal {
    id: i64,
    hash_code: Option<String>,
    unique_id_from_tool: Option<String>,
    title: String,
    severity: String,
}

/// The parts of an endpoint de-duplication compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointParts {
    pub host: Option<String>,
    pub path: Option<String>,
    pub protocol: Option<String>,
    pub port: Option<i64>,
}

impl From<&dojo_parsers::Endpoint> for EndpointParts {
    fn from(e: &dojo_parsers::Endpoint) -> Self {
        EndpointParts {
            host: e.host.clone(),
            path: e.path.clone(),
            protocol: e.protocol.clone(),
            port: e.port.map(i64::from),
        }
    }
}

/// DEDUPE_ALGO_ENDPOINT_FIELDS = host, path: passes when neither side has
/// endpoints, or some pair agrees on host and path.
fn endpoints_agree(a: Option<&Vec<EndpointParts>>, b: Option<&Vec<EndpointParts>>) -> bool {
    let a = a.map(Vec::as_slice).unwrap_or_default();
    let b = b.map(Vec::as_slice).unwrap_or_default();
    if a.is_empty() && b.is_empty() {
        return true;
    }
    a.iter()
        .any(|x| b.iter().any(|y| x.host == y.host && x.path == y.path))
}

/// Whether `original` may take `new` as its duplicate (workflows c.6).
fn accepts(original: &DedupRow, new: &DedupRow) -> bool {
    if original.duplicate || original.id == new.id {
        return false;
    }
    let original_mitigated = !original.active && (original.is_mitigated || original.has_mitigated);
    let new_mitigated = new.is_mitigated || new.has_mitigated;
    if original_mitigated && !(original.false_p || original.out_of_scope) && !new_mitigated {
        return false;
    }
    true
}

/// A duplicate found: the new finding and its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marked {
    pub duplicate: i64,
    pub original: i64,
}

/// Finds the original of each finding of `batch` (ascending ids) within the product,
/// as DefectDojo would, and writes the result. Returns the duplicates marked.
/// `batch_endpoints` are the batch's endpoints, known to the caller. Candidates
/// are read from the database below `first_new_id`, the first id this run
/// created (everything from there on is in the batch, in memory).
pub async fn deduplicate(
    conn: &mut Conn,
    product_id: i64,
    batch: &[DedupRow],
    batch_endpoints: &HashMap<i64, Vec<EndpointParts>>,
    algorithm: DedupAlgorithm,
    test_type_id: i64,
    first_new_id: i64,
) -> ImportResult<Vec<Marked>> {
    let owned: Vec<DedupRow> = batch
        .iter()
        .filter(|r| r.hash_code.is_some())
        .cloned()
        .collect();
    if owned.is_empty() {
        return Ok(Vec::new());
    }
    let in_batch: std::collections::HashSet<i64> = owned.iter().map(|r| r.id).collect();
    let mut pool: Vec<DedupRow> = candidates(conn, product_id, &owned, algorithm, first_new_id)
        .await?
        .into_iter()
        .filter(|r| !in_batch.contains(&r.id))
        .collect();
    let needs_endpoints = !matches!(algorithm, DedupAlgorithm::UniqueIdFromTool);
    let mut endpoints = if needs_endpoints && !pool.is_empty() {
        let ids: Vec<i64> = pool.iter().map(|r| r.id).collect();
        endpoints_of(conn, &ids).await?
    } else {
        HashMap::new()
    };
    if needs_endpoints {
        for (id, parts) in batch_endpoints {
            endpoints.insert(*id, parts.clone());
        }
    }
    pool.extend(owned.iter().cloned());
    pool.sort_by_key(|r| r.id);

    let mut by_hash: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_uid: HashMap<&str, Vec<usize>> = HashMap::new();
    // `pool` is sorted by id, so each list is too.
    let pool_snapshot = pool.clone();
    for (i, row) in pool_snapshot.iter().enumerate() {
        if let Some(h) = row.hash_code.as_deref() {
            by_hash.entry(h).or_default().push(i);
        }
        if let Some(u) = row.unique_id_from_tool.as_deref() {
            by_uid.entry(u).or_default().push(i);
        }
    }
    let index_of: HashMap<i64, usize> = pool_snapshot
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();

    let mut marked: Vec<Marked> = Vec::new();
    for new in &owned {
        // A finding already marked (e.g. a reactivated duplicate) keeps its original.
        if index_of.get(&new.id).is_some_and(|&i| pool[i].duplicate) {
            continue;
        }
        // Same hash: any tool. Same unique id: only from the same tool.
        let same_hash = || {
            new.hash_code
                .as_deref()
                .and_then(|h| by_hash.get(h))
                .into_iter()
                .flatten()
                .copied()
        };
        let same_uid = || {
            new.unique_id_from_tool
                .as_deref()
                .and_then(|u| by_uid.get(u))
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| pool[i].test_type_id == new.test_type_id)
        };
        let mut options: Vec<usize> = match algorithm {
            DedupAlgorithm::HashCode | DedupAlgorithm::Legacy => same_hash().collect(),
            DedupAlgorithm::UniqueIdFromTool => same_uid().collect(),
            DedupAlgorithm::UniqueIdFromToolOrHashCode => same_uid().chain(same_hash()).collect(),
        };
        options.sort_unstable();
        options.dedup();
        let found = options.into_iter().find(|&i| {
            let candidate = &pool[i];
            if candidate.id >= new.id || candidate.duplicate {
                return false;
            }
            // Scope: engagement-restricted de-duplication on either side.
            if candidate.engagement_id != new.engagement_id
                && (candidate.dedup_on_engagement || new.dedup_on_engagement)
            {
                return false;
            }
            let extra = match algorithm {
                DedupAlgorithm::UniqueIdFromTool => true,
                DedupAlgorithm::HashCode => {
                    endpoints_agree(endpoints.get(&candidate.id), endpoints.get(&new.id))
                }
                DedupAlgorithm::UniqueIdFromToolOrHashCode => {
                    let uid_match = candidate.unique_id_from_tool.is_some()
                        && candidate.unique_id_from_tool == new.unique_id_from_tool;
                    uid_match
                        || endpoints_agree(endpoints.get(&candidate.id), endpoints.get(&new.id))
                }
                DedupAlgorithm::Legacy => {
                    let same_title_or_cwe = candidate.title == new.title
                        || (candidate.cwe != 0 && candidate.cwe == new.cwe);
                    let theirs = endpoints
                        .get(&candidate.id)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let ours = endpoints
                        .get(&new.id)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let endpoints_covered = !theirs.is_empty()
                        && !ours.is_empty()
                        && theirs.iter().all(|e| ours.contains(e));
                    let same_code_place = new.static_finding
                        && new.file_path.is_some()
                        && new.line == candidate.line
                        && new.file_path == candidate.file_path;
                    same_title_or_cwe && (endpoints_covered || same_code_place)
                }
            };
            extra && accepts(candidate, new)
        });
        if let Some(i) = found {
            let original = pool[i].id;
            marked.push(Marked {
                duplicate: new.id,
                original,
            });
            if let Some(&j) = index_of.get(&new.id) {
                pool[j].duplicate = true;
            }
        }
    }

    let updates: Vec<(i64, Vec<Param>)> = marked
        .iter()
        .map(|m| {
            (
                m.duplicate,
                vec![
                    true.into(),
                    false.into(),
                    false.into(),
                    Param::Int(Some(m.original)),
                ],
            )
        })
        .collect();
    bulk::update_rows(
        conn,
        "finding",
        &["duplicate", "active", "verified", "duplicate_finding_id"],
        &updates,
    )
    .await?;
    let found_by: Vec<(i64, i64)> = marked.iter().map(|m| (m.original, test_type_id)).collect();
    crate::write::add_found_by(conn, &found_by).await?;
    Ok(marked)
}

/// Findings of the product equal (by `algorithm`, as DefectDojo's false-positive
/// history matches them) to some row of `rows`, restricted by `condition`.
async fn equal_in_product(
    conn: &mut Conn,
    product_id: i64,
    rows: &[&DedupRow],
    algorithm: DedupAlgorithm,
    condition: &str,
) -> ImportResult<Vec<Equal>> {
    let fixed = [Param::from(product_id)];
    let select = "SELECT id, hash_code, unique_id_from_tool, LOWER(title) AS title, severity \
                  FROM finding WHERE product_id = $1";
    let mut keys: Vec<String> = match algorithm {
        DedupAlgorithm::Legacy => rows.iter().map(|r| r.title.to_lowercase()).collect(),
        _ => rows
            .iter()
            .flat_map(|r| {
                r.hash_code
                    .iter()
                    .chain(r.unique_id_from_tool.iter())
                    .cloned()
            })
            .collect(),
    };
    keys.sort();
    keys.dedup();
    let found = match algorithm {
        DedupAlgorithm::Legacy => {
            bulk::fetch_in(conn, &fixed, &keys, |list| {
                format!("{select} AND {condition} AND LOWER(title) IN ({list})")
            })
            .await?
        }
        _ => {
            bulk::fetch_in(conn, &fixed, &keys, |list| {
                format!(
                    "{select} AND {condition} \
                     AND (hash_code IN ({list}) OR unique_id_from_tool IN ({list}))"
                )
            })
            .await?
        }
    };
    Ok(found)
}

/// Whether a stored finding is "equal" to a row under the test's algorithm
/// (workflows c.8): same hash, same unique id, either, or (legacy) the same
/// title ignoring case and the same severity. A finding is not equal to itself.
fn is_equal(algorithm: DedupAlgorithm, other: &Equal, row: &DedupRow) -> bool {
    let (hash, uid) = (&other.hash_code, &other.unique_id_from_tool);
    other.id != row.id
        && match algorithm {
            DedupAlgorithm::HashCode => hash.is_some() && *hash == row.hash_code,
            DedupAlgorithm::UniqueIdFromTool => uid.is_some() && *uid == row.unique_id_from_tool,
            DedupAlgorithm::UniqueIdFromToolOrHashCode => {
                (hash.is_some() && *hash == row.hash_code)
                    || (uid.is_some() && *uid == row.unique_id_from_tool)
            }
            DedupAlgorithm::Legacy => {
                other.title == row.title.to_lowercase() && row.severity == other.severity
            }
        }
}

/// Applies false-positive history (workflows c.8; only when de-duplication is
/// off) to findings just written or saved: each row equal to a known false
/// positive of the product becomes one. With `retroactive`, every active equal
/// finding of a false-positive row becomes one too, so that one false positive
/// makes all its equals false positives. Returns the ids marked.
pub async fn false_positive_history(
    conn: &mut Conn,
    product_id: i64,
    batch: &[DedupRow],
    algorithm: DedupAlgorithm,
    retroactive: bool,
) -> ImportResult<Vec<i64>> {
    let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
    let all: Vec<&DedupRow> = batch.iter().collect();
    let known = equal_in_product(conn, product_id, &all, algorithm, "false_p = TRUE").await?;
    let mut marked: Vec<i64> = batch
        .iter()
        .filter(|row| {
            !row.false_p
                && known
                    .iter()
                    .any(|fp| !ids.contains(&fp.id) && is_equal(algorithm, fp, row))
        })
        .map(|row| row.id)
        .collect();
    if retroactive {
        let false_positives: Vec<&DedupRow> = batch
            .iter()
            .filter(|row| row.false_p || marked.contains(&row.id))
            .collect();
        if !false_positives.is_empty() {
            let open = equal_in_product(
                conn,
                product_id,
                &false_positives,
                algorithm,
                "active = TRUE AND false_p = FALSE",
            )
            .await?;
            for other in open {
                if !marked.contains(&other.id)
                    && false_positives
                        .iter()
                        .any(|row| is_equal(algorithm, &other, row))
                {
                    marked.push(other.id);
                }
            }
        }
    }
    let updates: Vec<(i64, Vec<Param>)> = marked
        .iter()
        .map(|id| (*id, vec![true.into(), false.into(), false.into()]))
        .collect();
    bulk::update_rows(
        conn,
        "finding",
        &["false_p", "active", "verified"],
        &updates,
    )
    .await?;
    Ok(marked)
}

/// The flags a finding took when someone un-marked it false positive; its equal
/// false positives take them too under retroactive history (workflows c.8).
#[derive(Debug, Clone, Copy)]
pub struct Unmarked {
    pub active: bool,
    pub verified: bool,
    pub out_of_scope: bool,
    pub is_mitigated: bool,
}

/// Un-marks the false positives of the product equal to `row` with the flags
/// `row`'s finding now has. Returns the ids changed.
pub async fn clear_false_positive_history(
    conn: &mut Conn,
    product_id: i64,
    row: &DedupRow,
    algorithm: DedupAlgorithm,
    flags: Unmarked,
) -> ImportResult<Vec<i64>> {
    let equals = equal_in_product(conn, product_id, &[row], algorithm, "false_p = TRUE").await?;
    let cleared: Vec<i64> = equals
        .iter()
        .filter(|other| is_equal(algorithm, other, row))
        .map(|other| other.id)
        .collect();
    let updates: Vec<(i64, Vec<Param>)> = cleared
        .iter()
        .map(|id| {
            let values = vec![
                false.into(),
                flags.active.into(),
                flags.verified.into(),
                flags.out_of_scope.into(),
                flags.is_mitigated.into(),
            ];
            (*id, values)
        })
        .collect();
    bulk::update_rows(
        conn,
        "finding",
        &[
            "false_p",
            "active",
            "verified",
            "out_of_scope",
            "is_mitigated",
        ],
        &updates,
    )
    .await?;
    Ok(cleared)
}
