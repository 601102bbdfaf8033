//! What DefectDojo does for a finding saved outside an import (an API or UI
//! create or edit): a hash code for a new finding, then de-duplication of the
//! finding (or false-positive history), with the settings of its test's type.

use dojo_domain::entities::{Endpoint, Finding};
use dojo_parsers::ScanTypeInfo;
use dojo_storage::bulk;
use dojo_storage::{settings, Conn};

use crate::dedup;
use crate::engine::post_process;
use crate::error::ImportResult;
use crate::hash::{self, NO_PARSER};

/// The scan-type settings that apply to a test: its type's name, else its
/// `scan_type`, else none (the legacy hash and algorithm), as workflows c.2.
async fn settings_of_test(conn: &mut Conn, test_id: i64) -> ImportResult<&'static ScanTypeInfo> {
    let rows: Vec<(String, Option<String>)> = bulk::fetch_all(
        conn,
        "SELECT tt.name, t.scan_type FROM test t JOIN test_type tt ON tt.id = t.test_type_id \
         WHERE t.id = $1",
        &[test_id.into()],
    )
    .await?;
    let info = rows.first().and_then(|(type_name, scan_type)| {
        dojo_parsers::scan_type_info(type_name)
            .or_else(|| scan_type.as_deref().and_then(dojo_parsers::scan_type_info))
    });
    Ok(info.unwrap_or(&NO_PARSER))
}

/// The hash code of a finding created through the API, from the row and the
/// ids, CWE labels and endpoints it is saved with.
pub async fn hash_code_of_new(
    conn: &mut Conn,
    row: &Finding,
    vulnerability_ids: &[String],
    cwe_labels: &[String],
    endpoints: &[Endpoint],
) -> ImportResult<String> {
    let info = settings_of_test(conn, row.test_id).await?;
    Ok(hash::hash_code_of_saved(
        Some(info),
        row,
        vulnerability_ids,
        cwe_labels,
        endpoints,
    ))
}

/// De-duplicates a saved finding against the older findings of its product when
/// the system setting asks for it (or applies false-positive history), as an
/// ordinary save does in DefectDojo. Returns the files of duplicates deleted
/// beyond `max_dupes`.
pub async fn after_save(conn: &mut Conn, finding: &Finding) -> ImportResult<Vec<String>> {
    let info = settings_of_test(conn, finding.test_id).await?;
    let batch = dedup::rows_by_id(conn, &[finding.id]).await?;
    let Some(row) = batch.first() else {
        return Ok(Vec::new());
    };
    let test_type_id = row.test_type_id;
    let endpoints = dedup::endpoints_of(conn, &[finding.id]).await?;
    let done = post_process(
        conn,
        finding.product_id,
        info,
        test_type_id,
        &batch,
        &endpoints,
        finding.id,
    )
    .await?;
    Ok(done.deleted_files)
}

/// After someone un-marks `finding` false positive: under retroactive
/// false-positive history (with de-duplication off), its equal false positives
/// in the product take its new flags (workflows c.8). Returns the ids changed.
pub async fn after_false_positive_cleared(
    conn: &mut Conn,
    finding: &Finding,
) -> ImportResult<Vec<i64>> {
    let system = settings::load(conn).await?;
    let applies = system.false_positive_history
        && system.retroactive_false_positive_history
        && !system.enable_deduplication;
    if !applies {
        return Ok(Vec::new());
    }
    let info = settings_of_test(conn, finding.test_id).await?;
    let batch = dedup::rows_by_id(conn, &[finding.id]).await?;
    let Some(row) = batch.first() else {
        return Ok(Vec::new());
    };
    let flags = dedup::Unmarked {
        active: finding.active,
        verified: finding.verified,
        out_of_scope: finding.out_of_scope,
        is_mitigated: finding.is_mitigated,
    };
    dedup::clear_false_positive_history(conn, finding.product_id, row, info.dedup_algorithm, flags)
        .await
}

/// The ids of the product's endpoints for these URLs (created when missing),
/// in the order given, each once.
pub async fn endpoint_ids_for_urls(
    conn: &mut Conn,
    product_id: i64,
    urls: &[String],
) -> ImportResult<Vec<i64>> {
    let parsed: Vec<dojo_parsers::Endpoint> = urls
        .iter()
        .map(|u| dojo_parsers::Endpoint::from_uri(u))
        .collect();
    let wanted: Vec<&dojo_parsers::Endpoint> = parsed.iter().collect();
    let known = crate::write::endpoint_ids(conn, product_id, &wanted).await?;
    let mut ids: Vec<i64> = Vec::new();
    for endpoint in &parsed {
        if let Some(id) = known.get(&crate::write::key_of_parsed(endpoint)) {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
    }
    Ok(ids)
}
