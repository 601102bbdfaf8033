//! Turning parsed findings into rows, and writing new findings with everything
//! hanging off them (endpoints and their statuses, vulnerability ids, CWEs, tags,
//! request/response pairs, found-by) in a fixed number of statements per batch.

use std::collections::HashMap;

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use dojo_domain::entities::{
    vulnerability_id_type, Endpoint as EndpointRow, EndpointStatus, Finding, SlaConfiguration,
};
use dojo_domain::Severity;
use dojo_parsers::{Endpoint, ScanTypeInfo};
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, Conn};

use crate::error::ImportResult;
use crate::hash;

/// A finding ready to be written, with what lives in other tables.
pub struct Prepared {
    pub row: Finding,
    pub endpoints: Vec<Endpoint>,
    pub vulnerability_ids: Vec<String>,
    pub cwes: Vec<String>,
    pub tags: Vec<String>,
    pub req_resp: Vec<(String, String)>,
}

/// What every finding of one run shares.
pub struct Stamp<'a> {
    pub info: &'static ScanTypeInfo,
    pub test_id: i64,
    pub product_id: i64,
    pub user_id: i64,
    pub now: DateTime<Utc>,
    pub scan_date: Option<NaiveDate>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub service: Option<&'a str>,
    pub sla: &'a SlaConfiguration,
    pub extra_tags: &'a [String],
}

impl<'a> Stamp<'a> {
    /// What a request stamps on the findings of one test.
    pub fn new(
        info: &'static ScanTypeInfo,
        request: &'a crate::request::ImportRequest,
        test_id: i64,
        product_id: i64,
        user_id: i64,
        now: DateTime<Utc>,
        sla: &'a SlaConfiguration,
    ) -> Self {
        Stamp {
            info,
            test_id,
            product_id,
            user_id,
            now,
            scan_date: request.scan_date,
            active: request.active,
            verified: request.verified,
            service: request.service(),
            sla,
            extra_tags: if request.apply_tags_to_findings {
                &request.tags
            } else {
                &[]
            },
        }
    }
}

/// The severity rank filter: keep findings at or above `minimum`.
pub fn meets_minimum(severity: Severity, minimum: Severity) -> bool {
    severity.rank() >= minimum.rank()
}

fn blank_to_none(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Builds the row of a parsed finding (workflows a.3 step 3, a.4).
pub fn prepare(stamp: &Stamp<'_>, parsed: dojo_parsers::Finding, severity: Severity) -> Prepared {
    let hash_code = hash::hash_code(stamp.info, &parsed, stamp.service);
    let vulnerability_ids = hash::vulnerability_ids(&parsed);
    let cwes = hash::cwe_labels(&parsed);
    let today = stamp.now.date_naive();
    let date = stamp.scan_date.or(parsed.date).unwrap_or(today);
    let active = stamp.active.unwrap_or(parsed.active);
    let verified = stamp.verified.unwrap_or(parsed.verified);
    let mut tags: Vec<String> = parsed
        .tags
        .iter()
        .chain(stamp.extra_tags.iter())
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    let cvssv3_score = parsed.cvssv3_score.or_else(|| {
        parsed
            .cvssv3
            .as_deref()
            .and_then(dojo_parsers::cvss::base_score_v3)
    });
    let static_finding = parsed.static_finding || parsed.file_path.is_some();
    let dynamic_finding = if parsed.file_path.is_some() && parsed.endpoints.is_empty() {
        false
    } else {
        parsed.dynamic_finding
    };
    let mut row = Finding {
        test_id: stamp.test_id,
        product_id: stamp.product_id,
        title: parsed.title,
        date,
        cwe: i64::from(parsed.cwe.unwrap_or(0)),
        cve: vulnerability_ids.first().cloned(),
        epss_score: parsed.epss_score,
        epss_percentile: parsed.epss_percentile,
        known_exploited: parsed.known_exploited,
        cvssv3: parsed.cvssv3,
        cvssv3_score,
        cvssv4: parsed.cvssv4,
        cvssv4_score: parsed.cvssv4_score,
        url: parsed.url,
        severity,
        description: parsed.description,
        mitigation: parsed.mitigation,
        fix_available: parsed.fix_available,
        fix_version: parsed.fix_version,
        impact: parsed.impact,
        steps_to_reproduce: parsed.steps_to_reproduce,
        severity_justification: parsed.severity_justification,
        refs: parsed.references,
        active,
        verified,
        false_p: parsed.false_p,
        out_of_scope: parsed.out_of_scope,
        risk_accepted: parsed.risk_accepted,
        under_review: parsed.under_review,
        is_mitigated: parsed.is_mitigated,
        mitigated: parsed.mitigated.map(|m| m.and_utc()),
        reporter_id: stamp.user_id,
        last_reviewed: Some(stamp.now),
        last_reviewed_by_id: Some(stamp.user_id),
        param: parsed.param,
        payload: parsed.payload,
        hash_code: Some(hash_code),
        line: parsed.line,
        file_path: parsed.file_path,
        component_name: blank_to_none(parsed.component_name),
        component_version: blank_to_none(parsed.component_version),
        static_finding,
        dynamic_finding,
        scanner_confidence: parsed.scanner_confidence,
        unique_id_from_tool: parsed.unique_id_from_tool,
        vuln_id_from_tool: parsed.vuln_id_from_tool,
        sast_source_object: parsed.sast_source_object,
        sast_sink_object: parsed.sast_sink_object,
        sast_source_line: parsed.sast_source_line,
        sast_source_file_path: parsed.sast_source_file_path,
        nb_occurences: parsed.nb_occurences,
        publish_date: parsed.publish_date,
        service: stamp.service.map(str::to_owned),
        planned_remediation_date: parsed.planned_remediation_date,
        planned_remediation_version: parsed.planned_remediation_version,
        effort_for_fixing: parsed.effort_for_fixing,
        created: stamp.now,
        updated: stamp.now,
        ..Finding::default()
    };
    row.apply_status_hooks(None, stamp.user_id, stamp.now);
    row.sla_expiration_date = stamp.sla.expiration_date(severity, row.date);
    row.normalise_for_save();
    Prepared {
        row,
        endpoints: parsed.endpoints,
        vulnerability_ids,
        cwes,
        tags,
        req_resp: parsed.req_resp,
    }
}

/// The identity of an endpoint within a product.
type EndpointKey = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn key_of_parsed(e: &Endpoint) -> EndpointKey {
    (
        e.protocol.clone(),
        e.userinfo.clone(),
        e.host.clone(),
        e.port.map(i64::from),
        e.path.clone(),
        e.query.clone(),
        e.fragment.clone(),
    )
}

fn key_of_row(e: &EndpointRow) -> EndpointKey {
    (
        e.protocol.clone(),
        e.userinfo.clone(),
        e.host.clone(),
        e.port,
        e.path.clone(),
        e.query.clone(),
        e.fragment.clone(),
    )
}

/// Gets or creates the product's endpoints for `wanted`, returning their ids by key.
pub async fn endpoint_ids(
    conn: &mut Conn,
    product_id: i64,
    wanted: &[&Endpoint],
) -> ImportResult<HashMap<EndpointKey, i64>> {
    let mut known: HashMap<EndpointKey, i64> = HashMap::new();
    if wanted.is_empty() {
        return Ok(known);
    }
    let existing: Vec<EndpointRow> = bulk::fetch_all(
        conn,
        "SELECT * FROM endpoint WHERE product_id = $1",
        &[product_id.into()],
    )
    .await?;
    for row in &existing {
        known.entry(key_of_row(row)).or_insert(row.id);
    }
    // New endpoints in first-seen order, each once (a set, not a scan: a report
    // may bring tens of thousands).
    let mut seen: std::collections::HashSet<EndpointKey> = std::collections::HashSet::new();
    let mut missing: Vec<EndpointKey> = Vec::new();
    for e in wanted {
        let key = key_of_parsed(e);
        if !known.contains_key(&key) && seen.insert(key.clone()) {
            missing.push(key);
        }
    }
    let ids = bulk::allocate_ids(conn, repo::endpoints::TABLE, missing.len()).await?;
    let rows: Vec<EndpointRow> = missing
        .into_iter()
        .zip(ids)
        .map(|(key, id)| {
            let row = EndpointRow {
                id,
                protocol: key.0.clone(),
                userinfo: key.1.clone(),
                host: key.2.clone(),
                port: key.3,
                path: key.4.clone(),
                query: key.5.clone(),
                fragment: key.6.clone(),
                product_id: Some(product_id),
            };
            known.insert(key, id);
            row
        })
        .collect();
    repo::endpoints::insert_many(conn, &rows).await?;
    Ok(known)
}

/// Gets or creates rows of a name-keyed registry table (`tag`, `vulnerability`).
pub(crate) async fn registry_ids(
    conn: &mut Conn,
    table: &str,
    column: &str,
    names: &[String],
    now: DateTime<Utc>,
) -> ImportResult<HashMap<String, i64>> {
    let mut unique: Vec<String> = names.to_vec();
    unique.sort();
    unique.dedup();
    if unique.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Vec<Param>> = unique
        .iter()
        .map(|name| {
            if table == "vulnerability" {
                vec![
                    name.clone().into(),
                    vulnerability_id_type(name).into(),
                    now.into(),
                    now.into(),
                ]
            } else {
                vec![name.clone().into()]
            }
        })
        .collect();
    let columns: &[&str] = if table == "vulnerability" {
        &[
            "vulnerability_id",
            "vulnerability_id_type",
            "created",
            "updated",
        ]
    } else {
        &["name"]
    };
    bulk::insert_rows(
        conn,
        table,
        columns,
        &rows,
        &format!("ON CONFLICT ({column}) DO NOTHING"),
    )
    .await?;
    let found: Vec<(i64, String)> = bulk::fetch_in(conn, &[], &unique, |list| {
        format!("SELECT id, {column} FROM {table} WHERE {column} IN ({list})")
    })
    .await?;
    Ok(found.into_iter().map(|(id, name)| (name, id)).collect())
}

/// Writes new findings (their ids already set) with everything attached to them.
/// `extra_endpoint` is `endpoint_to_add`.
pub async fn insert_findings(
    conn: &mut Conn,
    findings: &[Prepared],
    test_type_id: i64,
    product_id: i64,
    extra_endpoint: Option<i64>,
    now: DateTime<Utc>,
    phases: &mut crate::engine::Phases<'_>,
) -> ImportResult<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let rows: Vec<&Finding> = findings.iter().map(|p| &p.row).collect();
    repo::findings::insert_many(conn, &rows).await?;
    phases.mark("insert findings");

    let found_by: Vec<(i64, i64)> = findings.iter().map(|p| (p.row.id, test_type_id)).collect();
    add_found_by(conn, &found_by).await?;

    // Endpoints and their statuses.
    let wanted: Vec<&Endpoint> = findings.iter().flat_map(|p| p.endpoints.iter()).collect();
    let endpoint_ids = endpoint_ids(conn, product_id, &wanted).await?;
    let mut statuses: Vec<EndpointStatus> = Vec::new();
    for p in findings {
        let mut ids: Vec<i64> = p
            .endpoints
            .iter()
            .filter_map(|e| endpoint_ids.get(&key_of_parsed(e)).copied())
            .chain(extra_endpoint)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for endpoint_id in ids {
            statuses.push(EndpointStatus {
                id: 0,
                date: now.date_naive(),
                last_modified: Some(now),
                mitigated: p.row.is_mitigated,
                mitigated_time: p.row.is_mitigated.then_some(now),
                mitigated_by_id: p.row.is_mitigated.then_some(p.row.reporter_id),
                false_positive: p.row.false_p,
                out_of_scope: p.row.out_of_scope,
                risk_accepted: p.row.risk_accepted,
                endpoint_id,
                finding_id: p.row.id,
            });
        }
    }
    let status_ids =
        bulk::allocate_ids(conn, repo::endpoint_statuses::TABLE, statuses.len()).await?;
    for (status, id) in statuses.iter_mut().zip(status_ids) {
        status.id = id;
    }
    repo::endpoint_statuses::insert_many(conn, &statuses).await?;
    phases.mark("endpoints");

    // Vulnerability ids, in order; the first is the finding's cve.
    let ids_of: Vec<(i64, &[String])> = findings
        .iter()
        .map(|p| (p.row.id, p.vulnerability_ids.as_slice()))
        .collect();
    add_vulnerability_ids(conn, &ids_of, now).await?;

    let cwes: Vec<Vec<Param>> = findings
        .iter()
        .flat_map(|p| {
            p.cwes
                .iter()
                .map(|c| vec![p.row.id.into(), c.clone().into()])
        })
        .collect();
    bulk::insert_rows(conn, "finding_cwe", &["finding_id", "cwe"], &cwes, "").await?;
    phases.mark("vulnerability ids, cwes");

    let tag_names: Vec<String> = findings
        .iter()
        .flat_map(|p| p.tags.iter().cloned())
        .collect();
    let tag_ids = registry_ids(conn, "tag", "name", &tag_names, now).await?;
    let tags: Vec<Vec<Param>> = findings
        .iter()
        .flat_map(|p| {
            let tag_ids = &tag_ids;
            p.tags.iter().filter_map(move |t| {
                Some(vec![
                    p.row.id.into(),
                    (*tag_ids.get(t)?).into(),
                    false.into(),
                ])
            })
        })
        .collect();
    bulk::insert_rows(
        conn,
        "finding_tags",
        &["finding_id", "tag_id", "inherited"],
        &tags,
        "ON CONFLICT DO NOTHING",
    )
    .await?;

    let b64 = &base64::engine::general_purpose::STANDARD;
    let pairs: Vec<Vec<Param>> = findings
        .iter()
        .flat_map(|p| {
            p.req_resp.iter().map(move |(req, resp)| {
                vec![
                    p.row.id.into(),
                    b64.encode(req.as_bytes()).into(),
                    b64.encode(resp.as_bytes()).into(),
                ]
            })
        })
        .collect();
    bulk::insert_rows(
        conn,
        "burp_raw_request_response",
        &["finding_id", "burp_request_base64", "burp_response_base64"],
        &pairs,
        "",
    )
    .await?;
    phases.mark("tags, request/response");
    Ok(())
}

/// Records which tool (test type) found each finding: `(finding, test type)` pairs.
pub(crate) async fn add_found_by(conn: &mut Conn, pairs: &[(i64, i64)]) -> ImportResult<()> {
    let rows: Vec<Vec<Param>> = pairs
        .iter()
        .map(|(finding, test_type)| vec![(*finding).into(), (*test_type).into()])
        .collect();
    bulk::insert_rows(
        conn,
        "finding_found_by",
        &["finding_id", "test_type_id"],
        &rows,
        "ON CONFLICT DO NOTHING",
    )
    .await?;
    Ok(())
}

/// Adds tags (lower-cased) to a set of objects of one kind, e.g. `test_tags`.
pub async fn add_tags(
    conn: &mut Conn,
    link_table: &str,
    owner_column: &str,
    owners: &[i64],
    names: &[String],
    now: DateTime<Utc>,
) -> ImportResult<()> {
    let names: Vec<String> = names
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    if names.is_empty() || owners.is_empty() {
        return Ok(());
    }
    let ids = registry_ids(conn, "tag", "name", &names, now).await?;
    let rows: Vec<Vec<Param>> = owners
        .iter()
        .flat_map(|owner| {
            ids.values()
                .map(move |tag| vec![(*owner).into(), (*tag).into(), false.into()])
        })
        .collect();
    bulk::insert_rows(
        conn,
        link_table,
        &[owner_column, "tag_id", "inherited"],
        &rows,
        "ON CONFLICT DO NOTHING",
    )
    .await?;
    Ok(())
}

/// Adds one note per finding, all with the same text builder, in bulk.
pub async fn add_notes(
    conn: &mut Conn,
    notes: &[(i64, String)],
    author_id: i64,
    now: DateTime<Utc>,
) -> ImportResult<()> {
    if notes.is_empty() {
        return Ok(());
    }
    let ids = bulk::allocate_ids(conn, repo::notes::TABLE, notes.len()).await?;
    let rows: Vec<Vec<Param>> = notes
        .iter()
        .zip(&ids)
        .map(|((_, entry), id)| {
            vec![
                (*id).into(),
                entry.clone().into(),
                now.into(),
                author_id.into(),
                false.into(),
                false.into(),
            ]
        })
        .collect();
    bulk::insert_rows(
        conn,
        "notes",
        &["id", "entry", "date", "author_id", "private", "edited"],
        &rows,
        "",
    )
    .await?;
    let links: Vec<Vec<Param>> = notes
        .iter()
        .zip(&ids)
        .map(|((finding, _), id)| vec![(*finding).into(), (*id).into()])
        .collect();
    bulk::insert_rows(
        conn,
        "finding_notes",
        &["finding_id", "notes_id"],
        &links,
        "",
    )
    .await?;
    Ok(())
}

/// Links each finding to its vulnerability ids, in order, creating the
/// vulnerability rows that do not exist yet.
pub(crate) async fn add_vulnerability_ids(
    conn: &mut Conn,
    findings: &[(i64, &[String])],
    now: DateTime<Utc>,
) -> ImportResult<()> {
    let names: Vec<String> = findings
        .iter()
        .flat_map(|(_, ids)| ids.iter().cloned())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let registry = registry_ids(conn, "vulnerability", "vulnerability_id", &names, now).await?;
    let refs: Vec<Vec<Param>> = findings
        .iter()
        .flat_map(|(finding_id, ids)| {
            let registry = &registry;
            ids.iter().enumerate().filter_map(move |(ord, name)| {
                Some(vec![
                    (*finding_id).into(),
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
