//! Reimport (workflows §b): the report is matched against the findings of one
//! test; new findings are created, matched ones reactivated or left alone, and
//! the ones the report no longer has are closed.

use std::collections::HashMap;

use chrono::Utc;
use dojo_domain::{ImportAction, TestImportType};
use dojo_parsers::DedupAlgorithm;
use dojo_storage::bulk::{self, Param};
use dojo_storage::{repo, Db};

use crate::context;
use crate::dedup;
use crate::engine::shared::*;
use crate::engine::{finish_parse, start_parse, Hooks};
use crate::error::{ImportError, ImportResult};
use crate::incoming::Incoming;
use crate::reconcile;
use crate::request::{Actor, ImportOutcome, ImportRequest, Statistics};
use crate::stats;
use crate::write::{self, Prepared, Stamp};

/// What the matching needs of an existing finding of the test.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Existing {
    id: i64,
    title: String,
    severity: String,
    hash_code: Option<String>,
    unique_id_from_tool: Option<String>,
    active: bool,
    false_p: bool,
    out_of_scope: bool,
    risk_accepted: bool,
    is_mitigated: bool,
    duplicate: bool,
    component_name: Option<String>,
    component_version: Option<String>,
    fix_available: Option<bool>,
    fix_version: Option<String>,
    dynamic_finding: bool,
    cve: Option<String>,
}

/// The three flags whose combination decides whether a matched finding is left alone.
fn special(flags: (bool, bool, bool)) -> bool {
    flags.0 || flags.1 || flags.2
}

/// `POST /api/v2/reimport-scan/` and `dojo reimport`.
pub async fn reimport_scan(
    db: &Db,
    actor: &Actor,
    request: ImportRequest,
) -> ImportResult<ImportOutcome> {
    reimport_scan_observed(db, actor, request, None).await
}

/// [`reimport_scan`], telling `observer` as each phase finishes.
pub async fn reimport_scan_observed(
    db: &Db,
    actor: &Actor,
    request: ImportRequest,
    observer: Option<&crate::engine::Observer>,
) -> ImportResult<ImportOutcome> {
    reimport_scan_hooked(db, actor, request, Hooks::observing(observer)).await
}

/// [`reimport_scan`] with the caller's [`Hooks`].
pub async fn reimport_scan_hooked(
    db: &Db,
    actor: &Actor,
    mut request: ImportRequest,
    hooks: Hooks<'_>,
) -> ImportResult<ImportOutcome> {
    let (info, mut phases) = start_run(&request, hooks.observer)?;
    let report = request.report.take();
    let request = &request;
    let mut tx = db.begin().await?;
    // Who may import where is settled before the report is read, so a user
    // without access learns nothing from (and costs nothing with) a report.
    let (test, found_context) = context::resolve_test(&mut tx, actor, request).await?;
    let Some(mut test) = test else {
        // No test yet: an import into a new test, closing nothing.
        let import_request = ImportRequest {
            close_old_findings: false,
            ..request.clone()
        };
        let outcome = import_in(
            &mut tx,
            actor,
            &import_request,
            info,
            Incoming::parse(info, report),
            found_context,
            &mut phases,
        )
        .await?;
        if let Some(before_commit) = hooks.before_commit {
            before_commit(&mut tx, &outcome).await?;
        }
        tx.commit().await?;
        return Ok(outcome);
    };
    let Some(mut context) = found_context else {
        return Err(ImportError::Target("A test could not be found".into()));
    };
    context::lock(&mut tx, &format!("product-id:{}", context.product.id)).await?;
    let now = Utc::now();
    // The report is parsed on another core while the test's findings load.
    let parsing = start_parse(info, report);
    let test_type = repo::test_types::get(&mut tx, test.test_type_id).await?;
    if request
        .environment
        .as_deref()
        .is_some_and(|e| !e.is_empty())
    {
        test.environment_id = Some(environment_id(&mut tx, request).await?);
    }
    phases.mark("parse, resolve");
    let before = stats::of_test(&mut tx, test.id).await?;

    let service = request.service();
    let existing: Vec<Existing> = bulk::fetch_all(
        &mut tx,
        &format!(
            "SELECT id, title, severity, hash_code, unique_id_from_tool, active, false_p, out_of_scope, \
             risk_accepted, is_mitigated, duplicate, component_name, component_version, fix_available, \
             fix_version, dynamic_finding, cve FROM finding WHERE test_id = $1 AND {} ORDER BY id",
            if service.is_some() {
                "service = $2"
            } else {
                "(service IS NULL OR service = '')"
            }
        ),
        &std::iter::once(Param::from(test.id))
            .chain(service.map(Param::from))
            .collect::<Vec<_>>(),
    )
    .await?;

    let parsed = finish_parse(parsing).await?;
    if info.multi_test {
        check_test_type(info.name, &test_type.name, &parsed)?;
    }
    let sla = sla_of(&mut tx, context.product.sla_configuration_id).await?;
    let stamp = Stamp::new(
        info,
        request,
        test.id,
        context.product.id,
        actor.user_id,
        now,
        &sla,
    );
    let mut incoming: Vec<Prepared> =
        report_findings(parsed.into_findings(), request.minimum_severity)?
            .into_iter()
            .map(|(finding, severity)| write::prepare(&stamp, finding, severity))
            .collect();
    // A stable order, so that duplicates within one report resolve the same way each run.
    incoming.sort_by(|a, b| reimport_order(a).cmp(&reimport_order(b)));

    // Candidate maps: existing findings, then the ones this run creates.
    let algorithm = info.dedup_algorithm;
    let mut by_hash: HashMap<String, usize> = HashMap::new();
    let mut by_uid: HashMap<String, usize> = HashMap::new();
    let mut by_legacy: HashMap<(String, String), usize> = HashMap::new();
    // Index space: existing findings first, then new ones (offset by existing.len()).
    for (i, e) in existing.iter().enumerate() {
        if let Some(h) = &e.hash_code {
            by_hash.entry(h.clone()).or_insert(i);
        }
        if let Some(u) = &e.unique_id_from_tool {
            by_uid.entry(u.clone()).or_insert(i);
        }
        by_legacy
            .entry((e.title.to_lowercase(), e.severity.clone()))
            .or_insert(i);
    }

    let mut new_findings: Vec<Prepared> = Vec::new();
    let mut untouched: Vec<i64> = Vec::new();
    let mut reactivated: Vec<i64> = Vec::new();
    let mut closed_by_report: Vec<i64> = Vec::new();
    let mut skip_reactivation_notes: Vec<(i64, String)> = Vec::new();
    let mut reactivation_notes: Vec<(i64, String)> = Vec::new();
    let mut updates: Vec<(i64, Vec<Param>)> = Vec::new();
    let mut fix_updates: Vec<(i64, Vec<Param>)> = Vec::new();
    let mut component_updates: Vec<(i64, Vec<Param>)> = Vec::new();
    let mut endpoint_sync: Vec<(i64, Vec<String>, bool)> = Vec::new();
    // Matched findings not skipped: their ids and CWEs follow the report.
    let mut reported: Vec<reconcile::Reported> = Vec::new();
    let total_existing = existing.len();
    let mut matched_once: std::collections::HashSet<usize> = std::collections::HashSet::new();

    for mut p in incoming {
        let by_h = p
            .row
            .hash_code
            .as_ref()
            .and_then(|h| by_hash.get(h))
            .copied();
        let by_u = p
            .row
            .unique_id_from_tool
            .as_ref()
            .and_then(|u| by_uid.get(u))
            .copied();
        let matched = match algorithm {
            DedupAlgorithm::HashCode => by_h,
            DedupAlgorithm::UniqueIdFromTool => by_u,
            DedupAlgorithm::UniqueIdFromToolOrHashCode => match (by_h, by_u) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            DedupAlgorithm::Legacy => by_legacy
                .get(&(
                    p.row.title.to_lowercase(),
                    p.row.severity.as_str().to_owned(),
                ))
                .copied(),
        };
        let Some(index) = matched else {
            let index = total_existing + new_findings.len();
            if let Some(h) = &p.row.hash_code {
                by_hash.entry(h.clone()).or_insert(index);
            }
            if let Some(u) = &p.row.unique_id_from_tool {
                by_uid.entry(u.clone()).or_insert(index);
            }
            by_legacy
                .entry((
                    p.row.title.to_lowercase(),
                    p.row.severity.as_str().to_owned(),
                ))
                .or_insert(index);
            new_findings.push(p);
            continue;
        };
        // A duplicate inside the report of a finding this run creates, or of one it
        // already matched: the first occurrence decided, nothing more to do.
        if index >= total_existing || !matched_once.insert(index) {
            continue;
        }
        let e = &existing[index];
        let existing_flags = (e.false_p, e.out_of_scope, e.risk_accepted);
        let incoming_flags = (p.row.false_p, p.row.out_of_scope, p.row.risk_accepted);
        let endpoints: Vec<String> = p.endpoints.iter().map(|x| x.to_string()).collect();
        if special(existing_flags) {
            if existing_flags == incoming_flags {
                // Skipped: nothing of it changes.
                untouched.push(e.id);
                continue;
            }
            if e.risk_accepted && !e.active {
                // An accepted risk stays accepted, but its endpoints follow the report.
                untouched.push(e.id);
                if e.dynamic_finding {
                    endpoint_sync.push((e.id, endpoints, false));
                }
            }
            // Otherwise no field change; it falls to the close step. Not skipped
            // either way (DefectDojo goes on to its ids), so its ids follow the report.
            reported.push(reconcile::Reported::take(e.id, e.cve.clone(), &mut p));
            continue;
        }
        if e.is_mitigated {
            if p.row.is_mitigated {
                untouched.push(e.id);
                if e.fix_available != p.row.fix_available || e.fix_version != p.row.fix_version {
                    fix_updates.push(fix_row(e.id, &p));
                }
                continue;
            }
            if request.do_not_reactivate {
                skip_reactivation_notes.push((
                    e.id,
                    format!(
                        "Finding has skipped reactivation from {} re-upload with user decision do_not_reactivate.",
                        info.name
                    ),
                ));
                continue;
            }
            let (active, verified) = if e.duplicate {
                (false, false)
            } else {
                (true, request.verified.unwrap_or(p.row.verified))
            };
            let mut values = vec![
                Param::Bool(Some(active)),
                Param::Bool(Some(verified)),
                Param::Bool(Some(false)),
                Param::Instant(None),
                Param::Int(None),
                Param::from(Some(now)),
                Param::from(Some(now)),
            ];
            let restart = sla.restart_sla_on_reactivation;
            values.push(Param::Date(if restart {
                Some(now.date_naive())
            } else {
                None
            }));
            updates.push((e.id, values));
            reactivated.push(e.id);
            reactivation_notes.push((
                e.id,
                if e.duplicate {
                    format!(
                        "Un-mitigated by {} re-upload, but kept inactive because the finding is a duplicate.",
                        info.name
                    )
                } else {
                    format!("Re-activated by {} re-upload.", info.name)
                },
            ));
            if e.dynamic_finding {
                endpoint_sync.push((e.id, endpoints, false));
            }
        } else if p.row.is_mitigated {
            closed_by_report.push(e.id);
            let mut values = vec![
                Param::Bool(Some(false)),
                Param::Bool(Some(request.verified.unwrap_or(p.row.verified))),
                Param::Bool(Some(true)),
                Param::from(p.row.mitigated.or(Some(now))),
                Param::Int(Some(actor.user_id)),
                Param::from(Some(now)),
                Param::from(Some(now)),
            ];
            values.push(Param::Date(None));
            updates.push((e.id, values));
            if e.dynamic_finding {
                endpoint_sync.push((e.id, endpoints, true));
            }
        } else {
            untouched.push(e.id);
            if e.fix_available != p.row.fix_available || e.fix_version != p.row.fix_version {
                fix_updates.push(fix_row(e.id, &p));
            }
            if e.dynamic_finding {
                endpoint_sync.push((e.id, endpoints, false));
            }
        }
        if e.component_name.is_none() && p.row.component_name.is_some()
            || e.component_version.is_none() && p.row.component_version.is_some()
        {
            component_updates.push((
                e.id,
                vec![
                    Param::Text(e.component_name.clone().or(p.row.component_name.clone())),
                    Param::Text(
                        e.component_version
                            .clone()
                            .or(p.row.component_version.clone()),
                    ),
                ],
            ));
        }
        reported.push(reconcile::Reported::take(e.id, e.cve.clone(), &mut p));
    }

    phases.mark("load and match");
    // Reactivations and report-driven closes keep the SLA start unless it restarts.
    let mut status_columns = vec![
        "active",
        "verified",
        "is_mitigated",
        "mitigated",
        "mitigated_by_id",
        "last_status_update",
        "updated",
    ];
    let restart_sla = sla.restart_sla_on_reactivation;
    if restart_sla {
        status_columns.push("sla_start_date");
    }
    let updates: Vec<(i64, Vec<Param>)> = updates
        .into_iter()
        .map(|(id, mut values)| {
            values.truncate(status_columns.len());
            (id, values)
        })
        .collect();
    bulk::update_rows(&mut tx, "finding", &status_columns, &updates).await?;
    bulk::update_rows(
        &mut tx,
        "finding",
        &["fix_available", "fix_version"],
        &fix_updates,
    )
    .await?;
    bulk::update_rows(
        &mut tx,
        "finding",
        &["component_name", "component_version"],
        &component_updates,
    )
    .await?;
    sync_endpoints(&mut tx, &endpoint_sync, actor.user_id, now).await?;
    reconcile::reconcile(&mut tx, test.id, &reported, now).await?;
    write::add_notes(&mut tx, &reactivation_notes, actor.user_id, now).await?;
    add_notes_once(&mut tx, &skip_reactivation_notes, actor.user_id, now).await?;

    // New findings.
    let ids = bulk::allocate_ids(&mut tx, repo::findings::TABLE, new_findings.len()).await?;
    for (p, id) in new_findings.iter_mut().zip(&ids) {
        p.row.id = *id;
    }
    write::insert_findings(
        &mut tx,
        &new_findings,
        test_type.id,
        context.product.id,
        request.endpoint_to_add,
        now,
        &mut phases,
    )
    .await?;
    // New findings are known in memory; reactivated ones are read back.
    let (mut batch, mut batch_endpoints) = dedup_rows(&new_findings, &context, test_type.id);
    batch.extend(dedup::rows_by_id(&mut tx, &reactivated).await?);
    batch_endpoints.extend(dedup::endpoints_of(&mut tx, &reactivated).await?);
    batch.sort_by_key(|r| r.id);
    let post = post_process(
        &mut tx,
        context.product.id,
        info,
        test_type.id,
        &batch,
        &batch_endpoints,
        ids.first().copied().unwrap_or(i64::MAX),
    )
    .await?;
    crate::groups::group_new_findings(&mut tx, request, actor, test.id, &ids, now).await?;
    phases.mark("deduplicate");
    // Close what the report no longer has.
    let mut closed: Vec<i64> = closed_by_report.clone();
    if request.close_old_findings {
        let keep: std::collections::HashSet<i64> = reactivated
            .iter()
            .chain(&untouched)
            .chain(&closed_by_report)
            .copied()
            .collect();
        let candidates: Vec<i64> = existing
            .iter()
            .map(|e| e.id)
            .filter(|id| !keep.contains(id))
            .collect();
        // Already closed findings stay as they are.
        let open: Vec<(i64,)> = bulk::fetch_in(&mut tx, &[], &candidates, |list| {
            format!(
                "SELECT id FROM finding WHERE id IN ({list}) \
                 AND NOT (mitigated IS NOT NULL AND is_mitigated = TRUE) ORDER BY id"
            )
        })
        .await?;
        let to_close: Vec<i64> = open.into_iter().map(|(id,)| id).collect();
        let note = format!("Mitigated by {} re-upload.", test_type.name);
        close_findings(
            &mut tx,
            &to_close,
            actor,
            scan_instant(request, now),
            now,
            &note,
        )
        .await?;
        closed.extend(to_close);
    }

    if !request.tags.is_empty() {
        bulk::execute(
            &mut tx,
            "DELETE FROM test_tags WHERE test_id = $1 AND inherited = FALSE",
            &[test.id.into()],
        )
        .await?;
        write::add_tags(
            &mut tx,
            "test_tags",
            "test_id",
            &[test.id],
            &request.tags,
            now,
        )
        .await?;
    }
    touch_test(&mut tx, &mut test, &mut context, request, now).await?;

    let mut actions: Vec<(i64, ImportAction)> = Vec::new();
    actions.extend(ids.iter().map(|id| (*id, ImportAction::Created)));
    actions.extend(closed.iter().map(|id| (*id, ImportAction::Closed)));
    actions.extend(
        reactivated
            .iter()
            .map(|id| (*id, ImportAction::Reactivated)),
    );
    let closed_set: std::collections::HashSet<i64> = closed.iter().copied().collect();
    untouched.retain(|id| !closed_set.contains(id));
    actions.extend(untouched.iter().map(|id| (*id, ImportAction::Untouched)));
    let test_import_id = record_import(
        &mut tx,
        test.id,
        TestImportType::Reimport,
        request,
        &actions,
        now,
    )
    .await?;
    let delta = stats::of_import(&mut tx, test_import_id).await?;
    let after = stats::of_test(&mut tx, test.id).await?;
    phases.mark("close, history, statistics");
    let outcome = ImportOutcome {
        test_id: test.id,
        new_test: false,
        created_parents: context.created,
        engagement_id: context.engagement.id,
        product_id: context.product.id,
        product_type_id: context.product_type.id,
        test_import_id,
        statistics: Statistics {
            before: Some(before),
            delta: Some(delta),
            after,
        },
        created: ids.len(),
        closed: closed.len(),
        reactivated: reactivated.len(),
        untouched: untouched.len(),
        duplicates: post.duplicates,
        deleted_files: post.deleted_files,
    };
    if let Some(before_commit) = hooks.before_commit {
        before_commit(&mut tx, &outcome).await?;
    }
    tx.commit().await?;
    phases.mark("commit");
    phases.log(test.id);
    Ok(outcome)
}

fn fix_row(id: i64, p: &Prepared) -> (i64, Vec<Param>) {
    (
        id,
        vec![
            Param::Bool(p.row.fix_available),
            Param::Text(p.row.fix_version.clone()),
        ],
    )
}

/// A report of another tool may not go into this test (api.md §4.2).
fn check_test_type(
    scan_type: &str,
    test_type: &str,
    parsed: &dojo_parsers::ParseOutput,
) -> ImportResult<()> {
    let Some(reported) = parsed
        .tests
        .first()
        .and_then(|t| t.test_type.as_deref().or(t.name.as_deref()))
        .filter(|t| !t.is_empty())
    else {
        return Ok(());
    };
    let accepted = [
        scan_type.to_owned(),
        reported.to_owned(),
        format!("{reported} Scan"),
        format!("{reported} Scan ({scan_type})"),
        format!("{reported} ({scan_type})"),
    ];
    if accepted.iter().any(|name| name == test_type) {
        Ok(())
    } else {
        Err(ImportError::Report(format!(
            "Test type mismatch: the report's test type \"{reported}\" does not match the test's \"{test_type}\""
        )))
    }
}

#[derive(sqlx::FromRow)]
struct StatusOfFinding {
    id: i64,
    finding_id: i64,
    mitigated: bool,
    protocol: Option<String>,
    userinfo: Option<String>,
    host: Option<String>,
    port: Option<i64>,
    path: Option<String>,
    query: Option<String>,
    fragment: Option<String>,
}

/// Endpoint statuses of matched dynamic findings (workflows b.4): endpoints still
/// reported become active again, the others mitigated; everything mitigated when
/// the report closes the finding.
async fn sync_endpoints(
    conn: &mut dojo_storage::Conn,
    findings: &[(i64, Vec<String>, bool)],
    user_id: i64,
    now: chrono::DateTime<Utc>,
) -> ImportResult<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = findings.iter().map(|(id, _, _)| *id).collect();
    let rows: Vec<StatusOfFinding> = bulk::fetch_in(conn, &[], &ids, |list| {
        format!(
            "SELECT s.id, s.finding_id, s.mitigated, e.protocol, e.userinfo, e.host, e.port, e.path, \
             e.query, e.fragment FROM endpoint_status s JOIN endpoint e ON e.id = s.endpoint_id \
             WHERE s.false_positive = FALSE AND s.out_of_scope = FALSE AND s.risk_accepted = FALSE \
             AND s.finding_id IN ({list})"
        )
    })
    .await?;
    let wanted: HashMap<i64, (&Vec<String>, bool)> = findings
        .iter()
        .map(|(id, endpoints, closing)| (*id, (endpoints, *closing)))
        .collect();
    let mut updates: Vec<(i64, Vec<Param>)> = Vec::new();
    for row in rows {
        let (status_id, finding_id, mitigated) = (row.id, row.finding_id, row.mitigated);
        let Some((reported, closing)) = wanted.get(&finding_id) else {
            continue;
        };
        let text = dojo_parsers::Endpoint {
            protocol: row.protocol,
            userinfo: row.userinfo,
            host: row.host,
            port: row.port.and_then(|p| u16::try_from(p).ok()),
            path: row.path,
            query: row.query,
            fragment: row.fragment,
        }
        .to_string();
        let should_be_mitigated = *closing || !reported.contains(&text);
        if should_be_mitigated != mitigated {
            updates.push((
                status_id,
                vec![
                    Param::Bool(Some(should_be_mitigated)),
                    Param::from(should_be_mitigated.then_some(now)),
                    Param::Int(should_be_mitigated.then_some(user_id)),
                    Param::from(Some(now)),
                ],
            ));
        }
    }
    bulk::update_rows(
        conn,
        "endpoint_status",
        &[
            "mitigated",
            "mitigated_time",
            "mitigated_by_id",
            "last_modified",
        ],
        &updates,
    )
    .await?;
    Ok(())
}

/// Adds each note unless the finding already has one with that text by that user.
async fn add_notes_once(
    conn: &mut dojo_storage::Conn,
    notes: &[(i64, String)],
    user_id: i64,
    now: chrono::DateTime<Utc>,
) -> ImportResult<()> {
    if notes.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = notes.iter().map(|(id, _)| *id).collect();
    let fixed = [Param::from(user_id)];
    let present: Vec<(i64, String)> = bulk::fetch_in(conn, &fixed, &ids, |list| {
        format!(
            "SELECT fn.finding_id, n.entry FROM finding_notes fn JOIN notes n ON n.id = fn.notes_id \
             WHERE n.author_id = $1 AND fn.finding_id IN ({list})"
        )
    })
    .await?;
    let missing: Vec<(i64, String)> = notes
        .iter()
        .filter(|note| !present.contains(note))
        .cloned()
        .collect();
    write::add_notes(conn, &missing, user_id, now).await
}

/// The order reimport reads a report in: by hash code, tool id, file, line
/// and title, borrowed rather than cloned for each comparison.
fn reimport_order(p: &Prepared) -> (Option<&str>, Option<&str>, Option<&str>, i64, &str) {
    (
        p.row.hash_code.as_deref(),
        p.row.unique_id_from_tool.as_deref(),
        p.row.file_path.as_deref(),
        p.row.line.unwrap_or(-1),
        p.row.title.as_str(),
    )
}
